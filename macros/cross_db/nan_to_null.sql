{#- NaN is not a value: a numeric feature's NaN counts as missing (docs/decisions/0003-nan-and-infinity.md).
    NaN compares equal to itself in DuckDB, Spark and PostgreSQL, so one form serves all. -#}
{% macro nan_to_null(expression) %}
    {{ return(adapter.dispatch('nan_to_null', 'modelwatch')(expression)) }}
{% endmacro %}

{% macro default__nan_to_null(expression) -%}
    case
        when {{ expression }} = cast('NaN' as {{ modelwatch.type_double() }}) then null
        else {{ expression }}
    end
{%- endmacro %}
