{#- dim_multivariate_frequencies as rows for modelwatch.literal_rows: one per model with the
    multivariate check on, reference version, dimension and feature. Numbers are written as
    text in scientific notation and cast, so every engine reads the same doubles. -#}
{% macro multivariate_frequency_table() %}
    {{ return(adapter.dispatch('multivariate_frequency_table', 'modelwatch')()) }}
{% endmacro %}

{% macro default__multivariate_frequency_table() %}
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
        {%- set drawn = modelwatch.random_fourier_features(
            check.features | length, check.dimensions, check.bandwidth, check.seed) -%}
        {#- the same frequencies for every reference version of the model (decision 0015) -#}
        {%- for reference_id, embedding_id in (check.embedding_ids
            or {entry.reference_id: check.embedding_id}).items() | sort -%}
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
    {%- endfor -%}
    {{ return({'columns': columns, 'rows': rows}) }}
{% endmacro %}
