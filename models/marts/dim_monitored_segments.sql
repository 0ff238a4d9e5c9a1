{#- One row per model and segment column declared under `segments:` in the registry, with
    the staging slot holding it and the segmentation it belongs to (reference version and
    segment columns). -#}
{%- set registry_segments = modelwatch.segment_table('segments') -%}

with

segments as (
    {{ modelwatch.literal_rows(registry_segments.columns, registry_segments.rows) }}
)

select * from segments
