{#- The exact KS statistic and Wasserstein-1 distance of every sample (model x batch x numeric
    feature) from the merge of its reference's values with its batch's, one sort per sample
    (modelwatch.ecdf_distances): portable, its work batches x reference values. The
    `ecdf_method: merge` path of int_ecdf_metrics_computed, the default__ of
    ecdf_distances_asof, and DuckDB's exact fallback for ill-conditioned samples (decision
    0021). Arguments are relation (CTE) names as for modelwatch.ecdf_distances_asof; one row
    per sample that has a value: sample_key, ks_statistic, wasserstein_distance,
    reference_size, batch_size. -#}
{% macro ecdf_distances_merged(samples, batch_values, reference_values) %}
    {{ return(adapter.dispatch('ecdf_distances_merged', 'modelwatch')(
        samples, batch_values, reference_values)) }}
{% endmacro %}

{% macro default__ecdf_distances_merged(samples, batch_values, reference_values) -%}
    with

    sample_values as (
        select
            {{ samples }}.sample_key,
            {{ reference_values }}.numeric_value,
            {{ reference_values }}.value_count as reference_count,
            0 as batch_count
        from {{ reference_values }}
        inner join {{ samples }}
            on
                {{ reference_values }}.model_id = {{ samples }}.model_id
                and {{ reference_values }}.reference_id = {{ samples }}.reference_id
                and {{ reference_values }}.feature_name = {{ samples }}.feature_name
        union all
        select
            {{ samples }}.sample_key,
            {{ batch_values }}.numeric_value,
            0 as reference_count,
            {{ batch_values }}.value_count as batch_count
        from {{ batch_values }}
        inner join {{ samples }}
            on
                {{ batch_values }}.model_id = {{ samples }}.model_id
                and {{ batch_values }}.batch_id = {{ samples }}.batch_id
                and {{ batch_values }}.feature_name = {{ samples }}.feature_name
    ),

    distances as (
        {{ modelwatch.ecdf_distances('sample_values', ['sample_key'], 'numeric_value') }}
    )

    select * from distances
{%- endmacro %}
