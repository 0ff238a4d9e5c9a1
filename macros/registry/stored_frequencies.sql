{#- What an incremental dim_multivariate_frequencies already holds, per model: a mapping
    model_id -> the sorted 'reference_id|embedding_id|feature_name|slot_name' keys of its rows
    (empty on a first run or a full refresh). modelwatch.multivariate_frequency_table compares it
    with the registry to redraw only the models whose check changed. -#}
{% macro stored_frequencies(relation) %}
    {{ return(adapter.dispatch('stored_frequencies', 'modelwatch')(relation)) }}
{% endmacro %}

{% macro default__stored_frequencies(relation) %}
    {%- set stored = {} -%}
    {%- if execute and is_incremental() -%}
        {%- set query -%}
            select distinct model_id, reference_id, embedding_id, feature_name, slot_name
            from {{ relation }}
        {%- endset -%}
        {%- for row in run_query(query).rows -%}
            {%- do stored.setdefault(row[0], []).append(
                row[1] ~ '|' ~ row[2] ~ '|' ~ row[3] ~ '|' ~ row[4]) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set sorted_keys = {} -%}
    {%- for model_id, keys in stored.items() -%}
        {%- do sorted_keys.update({model_id: keys | sort}) -%}
    {%- endfor -%}
    {{ return(sorted_keys) }}
{% endmacro %}

