{#- The bin metrics of each sample against its reference, one row per `key_columns` and
    feature: psi, jensen_shannon, hellinger, total_variation, l_infinity, kl_divergence and
    missing_rate_change (doubles; formulas: docs/drift-statistics.md). `relation` holds one
    row per sample, feature and frozen bin, every bin of the feature included (zero-filled):
    the key columns, feature_name, bin_type, batch_share (the sample's share of the bin, be
    the sample a batch or a reference chunk), reference_share, psi_epsilon and js_log_base.
    `carried_columns` are columns constant within a sample and feature (sizes, the epsilon
    in force), returned as they are. Used by int_histogram_metrics_computed (batches) and
    int_reference_chunk_metrics_computed (reference chunks). -#}
{% macro bin_distance_metrics(relation, key_columns, carried_columns=[]) %}
    {{ return(adapter.dispatch('bin_distance_metrics', 'modelwatch')(
        relation, key_columns, carried_columns)) }}
{% endmacro %}

{% macro default__bin_distance_metrics(relation, key_columns, carried_columns=[]) -%}
    {%- set group_columns = key_columns + ['feature_name'] -%}
    select
        {{ group_columns | join(', ') }},
        {%- for column in carried_columns %}
        max({{ column }}) as {{ column }},
        {%- endfor %}
        {{ modelwatch.ordered_sum(modelwatch.psi_term(
            'batch_share', 'reference_share', 'psi_epsilon')) }} as psi,
        {{ modelwatch.jensen_shannon_distance(
            'batch_share', 'reference_share', 'max(js_log_base)') }}
            as jensen_shannon,
        {{ modelwatch.hellinger_distance('batch_share', 'reference_share') }} as hellinger,
        {{ modelwatch.total_variation_distance('batch_share', 'reference_share') }}
            as total_variation,
        max(abs(batch_share - reference_share)) as l_infinity,
        {{ modelwatch.kl_divergence('batch_share', 'reference_share', 'psi_epsilon') }}
            as kl_divergence,
        abs(
            sum(case when bin_type = 'missing' then batch_share else 0 end)
            - sum(case when bin_type = 'missing' then reference_share else 0 end)
        ) as missing_rate_change
    from {{ relation }}
    group by {{ group_columns | join(', ') }}
{%- endmacro %}
