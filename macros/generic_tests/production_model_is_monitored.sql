{#- Attach to dim_model_governance: fails for every production model with no drift test
    attached (no_feature_drift / no_score_drift), which could therefore never alert. -#}
{% test production_model_is_monitored(model) %}
    {{ config(store_failures=true) }}
    {{ modelwatch.governance_core(model, 'production_model_is_monitored', none) }}
{% endtest %}
