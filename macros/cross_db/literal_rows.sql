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

{#- DuckDB: beyond 500 rows, the rows as one JSON text, parsed by from_json and unnested. A
    union of one-row selects (default__) took DuckDB minutes to plan for the ~17,000 threshold
    rows of a 50-model registry; this takes well under a second (decision 0017). Small tables
    keep the plain union, which reads better in compiled SQL. -#}
{% macro duckdb__literal_rows(columns, rows) -%}
    {%- if rows | length <= 500 -%}
        {{ return(modelwatch.default__literal_rows(columns, rows)) }}
    {%- endif -%}
    {%- set structure = {} -%}
    {%- set names = [] -%}
    {%- for name, type in columns -%}
        {%- do structure.update({name: type}) -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {%- set records = [] -%}
    {%- for row in rows -%}
        {%- set record = {} -%}
        {%- for name in names -%}
            {%- set value = row.get(name) -%}
            {%- if value is none or value is boolean or value is string -%}
                {%- do record.update({name: value}) -%}
            {%- elif value is number -%}
                {%- do record.update({name: value | int if value == value | int else value | float}) -%}
            {%- else -%}
                {#- dates, timestamps: as text, cast by the select below -#}
                {%- do record.update({name: value | string}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do records.append(record) -%}
    {%- endfor %}
    select
        {%- for name, type in columns %}
        cast(literal_row.{{ name }} as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select unnest(from_json(
            {{ modelwatch.string_literal(tojson(records)) }},
            {{ modelwatch.string_literal('[' ~ tojson(structure) ~ ']') }}
        )) as literal_row
    )
{%- endmacro %}
