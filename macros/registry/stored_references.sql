{#- The reference versions a frozen table already holds, as 'model_id|reference_id' strings
    (empty on a first run or a full refresh): only the others are computed. `condition`, a
    SQL predicate on the table, counts only the versions with a matching row as stored. -#}
{% macro stored_references(relation, condition=none) %}
    {{ return(adapter.dispatch('stored_references', 'modelwatch')(relation, condition)) }}
{% endmacro %}

{% macro default__stored_references(relation, condition=none) %}
    {% set stored = [] %}
    {% if execute and is_incremental() %}
        {% set query = 'select distinct model_id, reference_id from ' ~ relation
            ~ ((' where ' ~ condition) if condition else '') %}
        {% for row in run_query(query).rows %}
            {% do stored.append(row[0] ~ '|' ~ row[1]) %}
        {% endfor %}
    {% endif %}
    {{ return(stored) }}
{% endmacro %}


{#- A predicate keeping only the rows of reference versions not in `stored` (from
    modelwatch.stored_references); `true` when nothing is stored yet. -#}
{% macro not_stored_reference(stored) %}
    {{ return(adapter.dispatch('not_stored_reference', 'modelwatch')(stored)) }}
{% endmacro %}

{% macro default__not_stored_reference(stored) %}
    {%- if not stored -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set keys = [] -%}
    {%- for key in stored -%}
        {%- do keys.append(modelwatch.string_literal(key)) -%}
    {%- endfor -%}
    {{ return(dbt.concat(['model_id', "'|'", 'reference_id']) ~ ' not in (' ~ keys | join(', ') ~ ')') }}
{% endmacro %}
