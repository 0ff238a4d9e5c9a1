{#- The standard normal survival function P(Z > z) = 0.5 * erfc(z / sqrt(2)); equal to
    scipy.stats.norm.sf(z). The two-sided p-value of a z statistic is 2 * normal_sf(abs(z)),
    the one-sided (greater) p-value normal_sf(z). Accuracy is erfc's: measured against scipy
    on z in [-40, 40] (step 0.001), absolute error 2.2e-16 and relative error 1.4e-15 wherever
    the value is at least 1e-300. It reaches 0 past z = 38.5 (scipy's past z = 37.7).
    z should be a double; it is referenced 62 times (see erfc), each time as (z * 1/sqrt(2)),
    so pass a column name: normal_sf('z') compiles to about 3.2 KB. -#}
{% macro normal_sf(z) %}
    {{ return(adapter.dispatch('normal_sf', 'modelwatch')(z)) }}
{% endmacro %}

{% macro default__normal_sf(z) -%}
    {%- set z = z | trim -%}
    {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*|"[^"]*"|`[^`]*`', z) -%}
        {%- set z = '(' ~ z ~ ')' -%}
    {%- endif -%}
    0.5 * ({{ modelwatch.erfc(z ~ ' * 7.071067811865476e-1') }})
{%- endmacro %}
