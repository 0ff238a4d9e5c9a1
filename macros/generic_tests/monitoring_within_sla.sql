{#- Attach to dim_model_governance: fails for every production model whose newest monitored
    batch began more than sla_days (its risk tier's, or its own) before `as_of`, or that was
    never monitored. as_of: 'YYYY-MM-DD[ HH:MM:SS]'; default the var modelwatch_as_of, else
    the start of the run (set it for reproducible runs over old data). -#}
{% test monitoring_within_sla(model, as_of=none) %}
    {{ config(store_failures=true) }}
    {{ modelwatch.governance_core(model, 'monitoring_within_sla', as_of) }}
{% endtest %}
