{#- An aggregate: the sum of a bounded double expression, exact up to 1e-20 per term and the
    same to the bit however the warehouse splits and orders the work. Each term is rounded to
    20 decimal places (decimal(38, 20)) and the terms are added as scaled integers, which is
    exact in any order; the total is one rounding back to a double. For terms and sums below
    1e18 in magnitude whose absolute resolution of 1e-20 is far below what matters (the
    multivariate check's random-Fourier-feature values, |x| <= sqrt(2), and their products).
    Cheap where modelwatch.ordered_sum, which sorts each group's terms, is not: ~3x a plain
    sum of doubles, against ~20x on millions of terms. Nulls are skipped; an empty group gives
    null. Portable SQL. docs/decisions/0022-reproducible-figures.md. -#}
{% macro fixed_point_sum(expression) %}
    {{ return(adapter.dispatch('fixed_point_sum', 'modelwatch')(expression)) }}
{% endmacro %}

{% macro default__fixed_point_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 20))) as {{ modelwatch.type_double() }})
{%- endmacro %}
