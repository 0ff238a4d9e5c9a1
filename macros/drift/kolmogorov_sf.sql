{#- The survival function of the Kolmogorov distribution, Q(x) = P(K > x), the asymptotic
    p-value of the two-sample KS test at x = D * sqrt(n * m / (n + m)); equal to
    scipy.stats.kstwobign.sf(x). Two series, each used where it converges fast:
        x >= 1:  Q(x) = 2 * sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2)
        x <  1:  Q(x) = 1 - sqrt(2 pi) / x * sum_{k>=1} exp(-(2k-1)^2 pi^2 / (8 x^2))
    `terms` terms of each (8 by default) put the truncation error far below 1e-15. -#}
{% macro kolmogorov_sf(x, terms=8) %}
    {{ return(adapter.dispatch('kolmogorov_sf', 'modelwatch')(x, terms)) }}
{% endmacro %}

{% macro default__kolmogorov_sf(x, terms=8) -%}
    {%- set pi = 3.141592653589793 -%}
    case
        when {{ x }} is null then null
        when {{ x }} <= 0 then 1.0
        when {{ x }} >= 1 then least(1.0, greatest(0.0, 2 * (
            {%- for k in range(1, terms + 1) %}
            {{ '+' if k % 2 == 1 else '-' }} exp(-2 * {{ k * k }} * {{ x }} * {{ x }})
            {%- endfor %}
        )))
        else least(1.0, greatest(0.0, 1 - {{ (2 * pi) ** 0.5 }} / ({{ x }}) * (
            {%- for k in range(1, terms + 1) %}
            {{ '+' if k > 1 }} exp(-{{ ((2 * k - 1) ** 2) * pi * pi / 8 }} / ({{ x }} * {{ x }}))
            {%- endfor %}
        )))
    end
{%- endmacro %}
