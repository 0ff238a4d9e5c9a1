{#- The natural logarithm of the gamma function, ln Gamma(x), for x > 0 (null otherwise); equal
    to scipy.special.gammaln. Lanczos' approximation with g = 7 and 9 coefficients, written for
    Gamma(x + 1) and divided by x, so that it stays accurate down to x -> 0 without the
    reflection formula:
        ln Gamma(x) = ln sqrt(2 pi) + (x + 1/2) ln(t) - t + ln(c0 + sum_{i=1..8} c_i / (x + i)) - ln(x),
        t = x + 7.5.
    Measured against scipy on x in [1e-300, 1e300]: relative error 3.1e-14 wherever
    |ln Gamma(x)| >= 0.1, absolute error 3.5e-15 on [0.5, 3] (around the zeros at 1 and 2).
    Only ln and arithmetic. x is referenced 13 times: pass a column name or a short expression. -#}
{% macro log_gamma(x) %}
    {{ return(adapter.dispatch('log_gamma', 'modelwatch')(x)) }}
{% endmacro %}

{% macro default__log_gamma(x) -%}
    {%- set x = x | trim -%}
    {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*|"[^"]*"|`[^`]*`', x) -%}
        {%- set x = '(' ~ x ~ ')' -%}
    {%- endif -%}
    {%- set c = ['6.7652036812188510e2', '-1.2591392167224028e3', '7.7132342877765313e2',
                 '-1.7661502916214059e2', '1.2507343278686905e1', '-1.3857109526572012e-1',
                 '9.9843695780195716e-6', '1.5056327351493116e-7'] -%}
    case when {{ x }} > 0 then
        9.1893853320467274178e-1 + ({{ x }} + 0.5e0) * ln({{ x }} + 7.5e0) - ({{ x }} + 7.5e0)
        + ln(9.9999999999980993e-1
        {%- for coefficient in c %}
            {{ '-' if coefficient.startswith('-') else '+' }} {{ coefficient.lstrip('-') }} / ({{ x }} + {{ loop.index }})
        {%- endfor %})
        - ln({{ x }})
    end
{%- endmacro %}
