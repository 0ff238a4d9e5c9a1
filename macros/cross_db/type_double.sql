{#- A 64-bit float. dbt.type_float() is `float`, which DuckDB reads as a 32-bit REAL: too
    coarse for statistics checked to 1e-9 (docs/decisions/0002-double-precision.md). -#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'modelwatch')()) }}
{% endmacro %}

{% macro default__type_double() %}double precision{% endmacro %}

{% macro duckdb__type_double() %}double{% endmacro %}

{% macro spark__type_double() %}double{% endmacro %}
