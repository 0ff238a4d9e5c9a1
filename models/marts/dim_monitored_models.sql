{#- The inventory of monitored models, straight from the registry YAML. -#}
{%- set registry_models = modelwatch.registry_table('models') -%}

with

registry as (
    {{ modelwatch.literal_rows(registry_models.columns, registry_models.rows) }}
)

select * from registry
