{#- One row per model, feature and metric: the thresholds in force, resolved through the
    layers (packaged < var `modelwatch` < risk tier < business unit < model < feature).
    A level switched off is null. Tests may still override a threshold with an argument. -#}
{%- set registry_thresholds = modelwatch.registry_table('thresholds') -%}

with

thresholds as (
    {{ modelwatch.literal_rows(registry_thresholds.columns, registry_thresholds.rows) }}
)

select * from thresholds
