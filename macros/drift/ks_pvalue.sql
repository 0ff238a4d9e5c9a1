{#- Asymptotic p-value of the two-sample Kolmogorov-Smirnov test for statistic D between
    samples of sizes n and m: Q(D * sqrt(n m / (n + m))), Q the Kolmogorov survival function.
    Equal to scipy.stats.kstwobign.sf; scipy's ks_2samp p-value is another number (the
    exact distribution for small samples, a corrected one otherwise): the difference is
    measured in docs/drift-statistics.md. Null when either sample is empty. -#}
{% macro ks_pvalue(statistic, n, m) %}
    {{ return(adapter.dispatch('ks_pvalue', 'modelwatch')(statistic, n, m)) }}
{% endmacro %}

{% macro default__ks_pvalue(statistic, n, m) -%}
    {%- set double = modelwatch.type_double() -%}
    {%- set x -%}
        ({{ statistic }} * sqrt(cast({{ n }} as {{ double }}) * {{ m }} / nullif({{ n }} + {{ m }}, 0)))
    {%- endset -%}
    case
        when {{ n }} = 0 or {{ m }} = 0 then null
        else {{ modelwatch.kolmogorov_sf(x) }}
    end
{%- endmacro %}
