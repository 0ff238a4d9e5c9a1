{#- One aggregation block per slot column, unioned late: (group columns, slot_name,
    numeric_value, category_value, value_count). Aggregating column by column is faster than
    unpivoting the raw rows first (3.6x measured on DuckDB, issue #2) and reduces the log to
    its distinct values before anything is joined. -#}
{% macro value_counts_by_slot(relation, group_columns, slots) %}
    {{ return(adapter.dispatch('value_counts_by_slot', 'modelwatch')(relation, group_columns, slots)) }}
{% endmacro %}

{% macro default__value_counts_by_slot(relation, group_columns, slots) -%}
    {%- set keys = group_columns | join(', ') -%}
    {%- set blocks = [] -%}
    {%- for slot in slots.numeric -%}
        {%- do blocks.append(
            'select ' ~ keys ~ ", '" ~ slot ~ "' as slot_name, " ~ slot ~ ' as numeric_value, '
            ~ 'cast(null as ' ~ dbt.type_string() ~ ') as category_value, '
            ~ 'count(*) as value_count from ' ~ relation
            ~ ' group by ' ~ keys ~ ', ' ~ slot) -%}
    {%- endfor -%}
    {%- for slot in slots.categorical -%}
        {%- do blocks.append(
            'select ' ~ keys ~ ", '" ~ slot ~ "' as slot_name, "
            ~ 'cast(null as ' ~ modelwatch.type_double() ~ ') as numeric_value, '
            ~ slot ~ ' as category_value, '
            ~ 'count(*) as value_count from ' ~ relation
            ~ ' group by ' ~ keys ~ ', ' ~ slot) -%}
    {%- endfor -%}
    {%- if blocks | length == 0 -%}
        select {{ keys }}, cast(null as {{ dbt.type_string() }}) as slot_name,
            cast(null as {{ modelwatch.type_double() }}) as numeric_value,
            cast(null as {{ dbt.type_string() }}) as category_value,
            count(*) as value_count
        from {{ relation }} where 1 = 0 group by {{ keys }}
    {%- else -%}
        {{ blocks | join('\n    union all\n    ') }}
    {%- endif -%}
{%- endmacro %}
