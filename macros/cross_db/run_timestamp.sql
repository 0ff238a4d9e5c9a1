{#- When this dbt invocation started, as a SQL timestamp literal: stamped on every result row
    (computed_at) so the history shows which run wrote what. -#}
{% macro run_timestamp() %}
    {{ return(adapter.dispatch('run_timestamp', 'modelwatch')()) }}
{% endmacro %}

{% macro default__run_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
