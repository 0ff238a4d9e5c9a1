{#- The 'model_id|embedding_id' keys a frozen embedding table already holds (empty on a first
    run or a full refresh). -#}
{% macro stored_embeddings(relation) %}
    {{ return(adapter.dispatch('stored_embeddings', 'modelwatch')(relation)) }}
{% endmacro %}

{% macro default__stored_embeddings(relation) %}
    {% set stored = [] %}
    {% if execute and is_incremental() %}
        {% for row in run_query('select distinct model_id, embedding_id from ' ~ relation).rows %}
            {% do stored.append(row[0] ~ '|' ~ row[1]) %}
        {% endfor %}
    {% endif %}
    {{ return(stored) }}
{% endmacro %}


{#- A predicate on model_id keeping the models whose multivariate embedding is on and not yet
    in `stored` (from modelwatch.stored_embeddings); `false` when there is none. -#}
{% macro pending_embedding_models(stored) %}
    {{ return(adapter.dispatch('pending_embedding_models', 'modelwatch')(stored)) }}
{% endmacro %}

{% macro default__pending_embedding_models(stored) %}
    {%- set pending = [] -%}
    {%- for entry in modelwatch.get_registry() if entry.multivariate.enabled -%}
        {#- one embedding per reference version when the entry lists `references:` -#}
        {%- set embedding_ids = (entry.multivariate.embedding_ids
            or {entry.reference_id: entry.multivariate.embedding_id}).values() | list -%}
        {%- set missing = [] -%}
        {%- for embedding_id in embedding_ids
            if (entry.model_id ~ '|' ~ embedding_id) not in stored -%}
            {%- do missing.append(embedding_id) -%}
        {%- endfor -%}
        {%- if missing -%}
            {%- do pending.append(modelwatch.string_literal(entry.model_id)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(('model_id in (' ~ pending | join(', ') ~ ')') if pending else 'false') }}
{% endmacro %}
