{#- The survival function of the chi-square distribution, P(X > statistic) for X ~ chi2(dof),
    i.e. the p-value of a chi-square test; equal to scipy.stats.chi2.sf. It is the regularised
    upper incomplete gamma function Q(a, y) with a = dof / 2, y = statistic / 2. With
    C = exp(-y + a ln y - ln Gamma(a)) (ln Gamma from modelwatch.log_gamma):
        y <  a + 1:  Q = 1 - C / a * S,  S = 1 + y/(a+1) * (1 + y/(a+2) * (1 + ...)),
                     the power series of P(a, y) in nested Horner form, `series_terms` deep;
        y >= a + 1:  Q = C / (y + (1-a)/(1 + 1/(y + (2-a)/(1 + 2/(y + ...))))),
                     Legendre's continued fraction, `fraction_terms` pairs deep, evaluated
                     bottom-up. Its even part is Numerical Recipes' gcf,
                     1/(y+1-a - 1(1-a)/(y+3-a - 2(2-a)/(y+5-a - ...))): as accurate pair for
                     level, but each argument appears once per pair instead of once and twice.
    Both are written in statistic and dof directly (y/(a+n) = statistic/(dof+2n); the fraction
    scaled by 2). The series of the p-value's complement is used only where P(a, y) < 0.92, so
    1 - P loses nothing.
    Null when either argument is null or dof <= 0 (a caller that wants p = 1 at dof = 0, a
    table with one level, tests for it first);
    1 when statistic <= 0; 0 when statistic > 1e308 (+inf; also NaN, which DuckDB and Spark
    order above every number).
    Accuracy, measured against scipy for dof in {1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 200, 500}
    and statistic from 0 to dof + 40 sqrt(dof) + 100 (dense, and tight around the switch at
    statistic = dof + 2) and out to 1e6 (p underflows to 0): absolute error 9.6e-13, relative
    error 2.1e-12 wherever p >= 1e-300; both largest at dof = 500 just below the switch, and
    at most 1.2e-13 / 2.4e-13 for dof <= 200. Both expansions need more depth as dof grows
    (about 5.4 sqrt(dof) series levels and 2.2 sqrt(dof) fraction pairs for 1e-12): the
    defaults (120, 50) are sized for dof <= 500: the absolute error is 6.5e-10 at dof = 700,
    1.3e-7 at dof = 1000, where chi2_sf(statistic, dof, 170, 70) is back to 6e-13. DuckDB's
    default max_expression_depth (1000) stops series_terms at about 240.
    Size: statistic is referenced series_terms + fraction_terms + 8 times (178), dof
    series_terms + fraction_terms + 19 times (189), each a verbatim copy (an expression is
    wrapped in parentheses), side by side, so the SQL grows linearly: chi2_sf('s', 'k') is
    about 5 KB; with 20-character column names about 12 KB, so alias long expressions to short
    column names first. Nesting is series_terms deep. Only exp, ln, cast, arithmetic and case;
    no recursion, no UDF. -#}
{% macro chi2_sf(statistic, dof, series_terms=120, fraction_terms=50) %}
    {{ return(adapter.dispatch('chi2_sf', 'modelwatch')(statistic, dof, series_terms, fraction_terms)) }}
{% endmacro %}

{% macro default__chi2_sf(statistic, dof, series_terms=120, fraction_terms=50) -%}
    {%- set operand = '[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*|"[^"]*"|`[^`]*`' -%}
    {%- set s = statistic | trim -%}
    {%- set s = s if modules.re.fullmatch(operand, s) else '(' ~ s ~ ')' -%}
    {%- set k = dof | trim -%}
    {%- set k = k if modules.re.fullmatch(operand, k) else '(' ~ k ~ ')' -%}
    {%- set double = modelwatch.type_double() -%}
    {%- set half_dof = 'cast(' ~ k ~ ' as ' ~ double ~ ') / 2' -%}
    {%- set a = '(' ~ half_dof ~ ')' -%}
    {%- set y = '(cast(' ~ s ~ ' as ' ~ double ~ ') / 2)' -%}
    {#- Bottom-up: the innermost level casts the statistic, so every division above is in
        doubles even when both arguments are integers. -#}
    {%- set series = namespace(text='1 + cast(' ~ s ~ ' as ' ~ double ~ ') / (' ~ k ~ ' + ' ~ 2 * series_terms ~ ')') -%}
    {%- for n in range(series_terms - 1, 0, -1) -%}
        {%- set series.text = '1 + ' ~ s ~ ' * (' ~ series.text ~ ') / (' ~ k ~ ' + ' ~ 2 * n ~ ')' -%}
    {%- endfor -%}
    {%- set fraction = namespace(text='cast(' ~ s ~ ' as ' ~ double ~ ')') -%}
    {%- for n in range(fraction_terms, 0, -1) -%}
        {%- set fraction.text = s ~ ' + (' ~ 2 * n ~ ' - ' ~ k ~ ') / (1 + ' ~ 2 * n ~ ' / (' ~ fraction.text ~ '))' -%}
    {%- endfor -%}
    {%- set lower = s ~ ' < ' ~ k ~ ' + 2' -%}
    case when {{ k }} > 0 then case
        when {{ s }} <= 0 then 1e0
        when {{ s }} > 1e308 then 0e0
        else case when {{ lower }} then 1 else 0 end
            + case when {{ lower }} then -1 else 1 end
            * exp({{ a }} * ln({{ y }}) - {{ y }} - ({{ modelwatch.log_gamma(half_dof) }}))
            * case when {{ lower }}
                then ({{ series.text }}) / {{ a }}
                else 2 / ({{ fraction.text }})
            end
    end end
{%- endmacro %}
