{#- One row per risk tier, metric and threshold level that the tier bounds: the range a
    threshold in force must lie in (macros/registry/get_risk_tiers.sql, overridable in the
    project var modelwatch.risk_tiers). Read by the governance test
    thresholds_within_tier_bounds. -#}
{%- set registry_bounds = modelwatch.registry_table('risk_tier_bounds') -%}

with

bounds as (
    {{ modelwatch.literal_rows(registry_bounds.columns, registry_bounds.rows) }}
)

select * from bounds
