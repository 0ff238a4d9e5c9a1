{#- The inventory of monitored models, straight from the registry YAML: one row per model,
    its model-risk inventory (purpose, owner, validator, business unit, risk tier, lifecycle
    stage, dates, version in production, retrain policy, labels) and its resolved
    configuration (decision 0013). -#}
{%- set registry_models = modelwatch.registry_table('models') -%}

with

registry as (
    {{ modelwatch.literal_rows(registry_models.columns, registry_models.rows) }}
)

select * from registry
