{#- A SQL string literal for any text, quotes escaped the way the dialect wants. -#}
{% macro string_literal(value) %}
    {{ return(adapter.dispatch('string_literal', 'modelwatch')(value)) }}
{% endmacro %}

{% macro default__string_literal(value) -%}
    {%- if value is none -%}null{%- else -%}'{{ (value | string) | replace("'", "''") }}'{%- endif -%}
{%- endmacro %}

{% macro spark__string_literal(value) -%}
    {%- if value is none -%}null{%- else -%}'{{ (value | string) | replace('\\', '\\\\') | replace("'", "\\'") }}'{%- endif -%}
{%- endmacro %}
