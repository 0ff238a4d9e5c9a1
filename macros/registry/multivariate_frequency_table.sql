{#- dim_multivariate_frequencies as rows for modelwatch.literal_rows: one per model with the
    multivariate check on, reference version, dimension and feature. Numbers are written as
    text in scientific notation and cast, so every engine reads the same doubles.

    stored: modelwatch.stored_frequencies of the incremental table (model_id -> sorted
    'reference_id|embedding_id|feature_name|slot_name' keys). A model whose stored keys are
    exactly the registry's is left out: its frequencies are already there, and drawing them
    in Jinja is the slow part (about half a second per model of 100 dimensions x 20
    features). The embedding_id covers the seed, dimensions, bandwidth, features and
    reference version; the slots are compared too. Default {}: every model. -#}
{% macro multivariate_frequency_table(stored={}) %}
    {{ return(adapter.dispatch('multivariate_frequency_table', 'modelwatch')(stored)) }}
{% endmacro %}

{% macro default__multivariate_frequency_table(stored={}) %}
    {%- set text = dbt.type_string() -%}
    {%- set double = modelwatch.type_double() -%}
    {%- set int = dbt.type_int() -%}
    {%- set columns = [
        ('model_id', text), ('reference_id', text), ('embedding_id', text),
        ('dimension_index', int), ('dimension_count', int), ('feature_name', text),
        ('slot_name', text), ('omega', double), ('phase', double), ('bandwidth', double),
        ('seed', dbt.type_bigint())] -%}
    {%- set rows = [] -%}
    {%- for entry in modelwatch.get_registry() if entry.multivariate.enabled -%}
        {%- set check = entry.multivariate -%}
        {%- set embeddings = (check.embedding_ids
            or {entry.reference_id: check.embedding_id}).items() | sort -%}
        {%- set wanted = [] -%}
        {%- for reference_id, embedding_id in embeddings -%}
            {%- for name in check.features -%}
                {%- do wanted.append(reference_id ~ '|' ~ embedding_id ~ '|' ~ name ~ '|'
                    ~ check.slots[loop.index0]) -%}
            {%- endfor -%}
        {%- endfor -%}
        {#- drawn only when the stored rows are not exactly these -#}
        {%- if stored.get(entry.model_id) != wanted | sort -%}
            {%- set drawn = modelwatch.random_fourier_features(
                check.features | length, check.dimensions, check.bandwidth, check.seed) -%}
            {#- the same frequencies for every reference version of the model (decision 0015) -#}
            {%- for reference_id, embedding_id in embeddings -%}
            {%- for frequency in drawn -%}
                {%- for name in check.features -%}
                    {%- do rows.append({
                        'model_id': entry.model_id,
                        'reference_id': reference_id,
                        'embedding_id': embedding_id,
                        'dimension_index': frequency.dimension_index,
                        'dimension_count': check.dimensions,
                        'feature_name': name,
                        'slot_name': check.slots[loop.index0],
                        'omega': '%.17e' | format(frequency.omegas[loop.index0]),
                        'phase': '%.17e' | format(frequency.phase),
                        'bandwidth': '%.17e' | format(check.bandwidth),
                        'seed': check.seed,
                    }) -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'columns': columns, 'rows': rows}) }}
{% endmacro %}
