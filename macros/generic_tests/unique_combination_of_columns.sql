{#- The grain of a table holds: no two rows share the same values of `combination_of_columns`.
    Returns each duplicated key with how often it occurs (dbt-utils' test of the same name). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {{ return(adapter.dispatch('test_unique_combination_of_columns', 'modelwatch')(
        model, combination_of_columns)) }}
{% endtest %}

{% macro default__test_unique_combination_of_columns(model, combination_of_columns) %}
    {%- if combination_of_columns is string or combination_of_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "unique_combination_of_columns on " ~ model ~ ": give a list of columns") }}
    {%- endif -%}
    {%- set columns = combination_of_columns | join(', ') -%}
with

duplicated as (
    select
        {{ columns }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
)

select * from duplicated
{% endmacro %}
