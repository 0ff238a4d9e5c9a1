{#- Classifies a warehouse column type as 'numeric', 'temporal', 'text' or 'other', to check
    the registry against the warehouse before anything is built. -#}
{% macro column_type_kind(data_type) %}
    {{ return(adapter.dispatch('column_type_kind', 'modelwatch')(data_type)) }}
{% endmacro %}

{% macro default__column_type_kind(data_type) %}
    {% set t = (data_type or '') | lower | trim %}
    {% if modules.re.match('^(u?(tiny|small|big|huge)?int(eger)?\\d*|int[248]|long|short|byte|float\\d*|real|double( precision)?|decimal|numeric|number|boolean|bool)\\b', t) %}
        {{ return('numeric') }}
    {% elif modules.re.match('^(timestamp|datetime|date)\\b', t) %}
        {{ return('temporal') }}
    {% elif modules.re.match('^(varchar|char|text|string|character|nvarchar|nchar|uuid|enum)\\b', t) %}
        {{ return('text') }}
    {% endif %}
    {{ return('other') }}
{% endmacro %}
