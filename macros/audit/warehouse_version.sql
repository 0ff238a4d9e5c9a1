{#- SQL for the warehouse engine's version (text), recorded in the audit: the input fingerprint
    of some engines (DuckDB's hash()) is only comparable within one version. -#}
{% macro warehouse_version() %}
    {{ return(adapter.dispatch('warehouse_version', 'modelwatch')()) }}
{% endmacro %}

{% macro default__warehouse_version() -%}
    '{{ target.type }}'
{%- endmacro %}

{% macro duckdb__warehouse_version() -%}
    'duckdb ' || version()
{%- endmacro %}

{% macro spark__warehouse_version() -%}
    'spark ' || version()
{%- endmacro %}
