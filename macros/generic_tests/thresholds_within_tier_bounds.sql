{#- Attach to dim_feature_thresholds: fails for every threshold level that the model's
    risk tier bounds (dim_risk_tier_bounds) and that is switched off or out of range. -#}
{% test thresholds_within_tier_bounds(model) %}
    {{ config(store_failures=true) }}
    {{ modelwatch.governance_core(model, 'thresholds_within_tier_bounds', none) }}
{% endtest %}
