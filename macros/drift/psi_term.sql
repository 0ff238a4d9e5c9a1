{#- One bin's term of the Population Stability Index, credit-risk convention:
        PSI = sum over bins of (batch_share - reference_share) * ln(batch_share / reference_share)
    A share below `epsilon` is raised to `epsilon` first, so an empty bin adds a large but
    finite term instead of infinity. The epsilon in force is stored with every result
    (fct_feature_drift.epsilon; default 0.0001, `psi_epsilon` in the registry). -#}
{% macro psi_term(batch_share, reference_share, epsilon) %}
    {{ return(adapter.dispatch('psi_term', 'modelwatch')(batch_share, reference_share, epsilon)) }}
{% endmacro %}

{% macro default__psi_term(batch_share, reference_share, epsilon) -%}
    (greatest({{ batch_share }}, {{ epsilon }}) - greatest({{ reference_share }}, {{ epsilon }}))
    * ln(greatest({{ batch_share }}, {{ epsilon }}) / greatest({{ reference_share }}, {{ epsilon }}))
{%- endmacro %}
