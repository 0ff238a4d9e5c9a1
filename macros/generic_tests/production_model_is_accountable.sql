{#- Attach to dim_model_governance: fails for every production model without an owner,
    a validator or a risk tier; each row names the model, the missing field and where to add it. -#}
{% test production_model_is_accountable(model) %}
    {{ config(store_failures=true) }}
    {{ modelwatch.governance_core(model, 'production_model_is_accountable', none) }}
{% endtest %}
