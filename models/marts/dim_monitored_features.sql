{#- One row per monitored column of each model (its features and its score), with the
    settings resolved through every configuration layer. -#}
{%- set registry_features = modelwatch.registry_table('features') -%}

with

features as (
    {{ modelwatch.literal_rows(registry_features.columns, registry_features.rows) }}
)

select * from features
