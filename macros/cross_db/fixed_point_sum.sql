{#- An aggregate: the sum of a bounded double expression, exact up to a fixed resolution per
    term and the same to the bit however the warehouse splits and orders the work: each term
    is rounded to a fixed-point number and the terms are added as integers, which is exact in
    any order; the total is one rounding back to a double. For terms below 128 in magnitude
    whose absolute resolution (2^-56 = 1.4e-17 on DuckDB, 1e-20 elsewhere) is far below what
    matters: the multivariate check's random-Fourier-feature values (|x| <= sqrt(2)), their
    squares and products. A term out of range is a conversion error, never a wrong sum.
    Cheap where modelwatch.ordered_sum, which sorts each group's terms, is not.
    Nulls are skipped; an empty group gives null. docs/decisions/0022-reproducible-figures.md.

    duckdb__: terms scaled by 2^56 (exact) and cast to bigint, summed into a 128-bit integer
    (DuckDB sums bigint as hugeint): 1.3x a plain sum of doubles on 8M terms, against 3.9x
    for the decimal(38, 20) of default__ (portable: Spark and Postgres sum decimals exactly). -#}
{% macro fixed_point_sum(expression) %}
    {{ return(adapter.dispatch('fixed_point_sum', 'modelwatch')(expression)) }}
{% endmacro %}

{% macro default__fixed_point_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 20))) as {{ modelwatch.type_double() }})
{%- endmacro %}

{% macro duckdb__fixed_point_sum(expression) -%}
    cast(sum(cast(({{ expression }}) * cast(72057594037927936 as double) as bigint)) as double)
    / cast(72057594037927936 as double)
{%- endmacro %}
