{#- A relation of literal rows, for tables that come from the registry rather than from data.
    `columns` is a list of (name, type) pairs; `rows` a list of mappings. With no rows it is an
    empty relation of the same shape. -#}
{% macro literal_rows(columns, rows) %}
    {{ return(adapter.dispatch('literal_rows', 'modelwatch')(columns, rows)) }}
{% endmacro %}

{% macro default__literal_rows(columns, rows) -%}
    {%- for row in rows %}
    select
        {%- for name, type in columns %}
        {% set value = row.get(name) -%}
        {%- if value is none -%}
        cast(null as {{ type }})
        {%- elif value is boolean -%}
        {{ 'true' if value else 'false' }}
        {%- elif value is number -%}
        cast({{ value }} as {{ type }})
        {%- else -%}
        cast({{ modelwatch.string_literal(value) }} as {{ type }})
        {%- endif %} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- else %}
    select
        {%- for name, type in columns %}
        cast(null as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endfor %}
{%- endmacro %}
