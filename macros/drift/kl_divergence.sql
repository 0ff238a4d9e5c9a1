{#- Kullback-Leibler divergence KL(batch || reference) over a feature's bins, natural log:
    sum b ln(b / r), shares first raised to `epsilon` as in PSI (an empty reference bin would
    otherwise make it infinite). An aggregate. -#}
{% macro kl_divergence(batch_share, reference_share, epsilon) %}
    {{ return(adapter.dispatch('kl_divergence', 'modelwatch')(batch_share, reference_share, epsilon)) }}
{% endmacro %}

{% macro default__kl_divergence(batch_share, reference_share, epsilon) -%}
    {%- set term -%}
        greatest({{ batch_share }}, {{ epsilon }})
        * ln(greatest({{ batch_share }}, {{ epsilon }}) / greatest({{ reference_share }}, {{ epsilon }}))
    {%- endset %}
    {{ modelwatch.ordered_sum(term) }}
{%- endmacro %}
