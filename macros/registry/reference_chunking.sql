{#- How the reference rows of the models that learn thresholds are cut into chunks
    (decision 0009), as SQL fragments for int_reference_chunk_metrics_computed:
    model_filter (only those models, and only reference versions not yet in `stored`),
    chunks and chunk_rows (per-model settings as case expressions over model_id), and
    row_hash (a hash of the row's slot values: the tie-break of the chunk order, and the
    whole order for a reference table without timestamps). -#}
{% macro reference_chunking(registry, stored) %}
    {{ return(adapter.dispatch('reference_chunking', 'modelwatch')(registry, stored)) }}
{% endmacro %}

{% macro default__reference_chunking(registry, stored) %}
    {%- set learning = [] -%}
    {%- for entry in registry if entry.learned_thresholds
        and modelwatch.entry_references(entry) | rejectattr('reference_key', 'in', stored)
        | list | length > 0 -%}
        {%- do learning.append(entry) -%}
    {%- endfor -%}
    {%- set chunks = [] -%}
    {%- set chunk_rows = [] -%}
    {%- set names = [] -%}
    {%- for entry in learning -%}
        {%- set model = modelwatch.string_literal(entry.model_id) -%}
        {%- do names.append(model) -%}
        {%- do chunks.append('when ' ~ model ~ ' then ' ~ entry.learned_thresholds.chunks) -%}
        {%- if entry.learned_thresholds.chunk_rows is not none -%}
            {%- do chunk_rows.append(
                'when ' ~ model ~ ' then ' ~ entry.learned_thresholds.chunk_rows) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set slots = modelwatch.get_registry_slots(registry) -%}
    {%- set parts = [] -%}
    {%- for slot in slots.numeric + slots.categorical -%}
        {%- do parts.append("coalesce(cast(" ~ slot ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
    {%- endfor -%}
    {%- set bigint = dbt.type_bigint() -%}
    {{ return({
        'model_filter': ('model_id in (' ~ names | join(', ') ~ ')') if names else 'false',
        'chunks': ('case model_id ' ~ chunks | join(' ') ~ ' end') if chunks
            else 'cast(null as ' ~ bigint ~ ')',
        'chunk_rows': ('case model_id ' ~ chunk_rows | join(' ') ~ ' end') if chunk_rows
            else 'cast(null as ' ~ bigint ~ ')',
        'row_hash': dbt.hash(dbt.concat(parts if parts else ["''"])),
    }) }}
{% endmacro %}
