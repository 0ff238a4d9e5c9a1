{#- The 'model_id|segmentation_id' keys a frozen segment table already holds (empty on a
    first run or a full refresh). -#}
{% macro stored_segmentations(relation) %}
    {{ return(adapter.dispatch('stored_segmentations', 'modelwatch')(relation)) }}
{% endmacro %}

{% macro default__stored_segmentations(relation) %}
    {% set stored = [] %}
    {% if execute and is_incremental() %}
        {% for row in run_query('select distinct model_id, segmentation_id from ' ~ relation).rows %}
            {% do stored.append(row[0] ~ '|' ~ row[1]) %}
        {% endfor %}
    {% endif %}
    {{ return(stored) }}
{% endmacro %}


{#- A predicate on model_id keeping the models that declare segments and whose segmentation
    is not in `stored` (from modelwatch.stored_segmentations); `false` when there is none. -#}
{% macro pending_segment_models(stored) %}
    {{ return(adapter.dispatch('pending_segment_models', 'modelwatch')(stored)) }}
{% endmacro %}

{% macro default__pending_segment_models(stored) %}
    {%- set pending = [] -%}
    {%- for entry in modelwatch.get_registry() if entry.get('segments')
        and (entry.model_id ~ '|' ~ entry.segmentation_id) not in stored -%}
        {%- do pending.append(modelwatch.string_literal(entry.model_id)) -%}
    {%- endfor -%}
    {{ return(('model_id in (' ~ pending | join(', ') ~ ')') if pending else 'false') }}
{% endmacro %}
