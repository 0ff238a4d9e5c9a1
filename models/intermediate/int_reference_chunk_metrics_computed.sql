{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'reference_id'],
    )
}}
{#- The bin metrics of every chunk of the frozen reference against the whole reference, one
    row per model, reference version, chunk, feature and metric, for the models that learn
    thresholds from their reference (`auto` levels, decision 0009). Chunks are consecutive
    runs of reference rows in timestamp order (prediction id, then a hash of the row's
    values, break ties; a reference table without timestamps is ordered by the hash alone),
    equal in size (`learned_thresholds.chunks`) or of `chunk_rows` rows each (a last, partial
    chunk is left out). Each chunk is binned on the frozen bins and measured with the same
    macros as a batch (int_histogram_metrics_computed). Frozen: computed once per reference
    version. -#}
{%- set registry = modelwatch.get_registry() -%}
{%- set slots = modelwatch.get_registry_slots(registry) -%}
{%- set stored = modelwatch.stored_references(this) -%}
{%- set chunking = modelwatch.reference_chunking(registry, stored) -%}
{%- set double = modelwatch.type_double() -%}
{%- set blocks = [
    'psi', 'jensen_shannon', 'hellinger', 'total_variation', 'l_infinity', 'kl_divergence',
    'missing_rate_change'] -%}

with

predictions as (
    select * from {{ ref('stg_modelwatch__predictions') }}
),

features as (
    select
        model_id,
        feature_name,
        feature_kind,
        slot_name,
        psi_epsilon,
        js_log_base
    from {{ ref('dim_monitored_features') }}
),

bins as (
    select
        model_id,
        reference_id,
        feature_name,
        bin_index,
        bin_type,
        lower_edge,
        upper_edge,
        category_value,
        reference_share
    from {{ ref('dim_feature_bins') }}
),

reference_rows as (
    select
        *,
        {{ chunking.row_hash }} as row_hash
    from predictions
    where is_reference and {{ chunking.model_filter }}
),

reference_rows_ordered as (
    select
        *,
        row_number() over (
            partition by model_id
            order by predicted_at, prediction_id, row_hash
        ) as row_position,
        count(*) over (partition by model_id) as reference_rows,
        {{ chunking.chunks }} as chunks_setting,
        {{ chunking.chunk_rows }} as chunk_rows_setting
    from reference_rows
),

chunk_rows as {{ modelwatch.materialized_cte() }} (
    select
        *,
        case
            when chunk_rows_setting is not null
                then floor((row_position - 1) / chunk_rows_setting)
            else floor((row_position - 1) * chunks_setting / reference_rows)
        end as chunk_index,
        case
            when chunk_rows_setting is not null
                then floor(reference_rows / chunk_rows_setting)
            else chunks_setting
        end as chunk_count
    from reference_rows_ordered
),

complete_chunk_rows as {{ modelwatch.materialized_cte() }} (
    select *
    from chunk_rows
    where chunk_index < chunk_count
),

values_counted as (
    {{ modelwatch.value_counts_by_slot(
        'complete_chunk_rows', ['model_id', 'reference_id', 'chunk_index'], slots) }}
),

chunk_values as (
    select
        values_counted.model_id,
        values_counted.reference_id,
        cast(values_counted.chunk_index as {{ dbt.type_int() }}) as chunk_index,
        features.feature_name,
        features.feature_kind,
        values_counted.numeric_value,
        values_counted.category_value,
        values_counted.value_count
    from values_counted
    inner join features
        on
            values_counted.model_id = features.model_id
            and values_counted.slot_name = features.slot_name
),

numeric_values_binned as (
    select
        chunk_values.model_id,
        chunk_values.reference_id,
        chunk_values.chunk_index,
        chunk_values.feature_name,
        bins.bin_index,
        chunk_values.value_count
    from chunk_values
    inner join bins
        on
            chunk_values.model_id = bins.model_id
            and chunk_values.reference_id = bins.reference_id
            and chunk_values.feature_name = bins.feature_name
            and bins.bin_type = 'value'
            and (bins.lower_edge is null or chunk_values.numeric_value > bins.lower_edge)
            and (bins.upper_edge is null or chunk_values.numeric_value <= bins.upper_edge)
    where
        chunk_values.feature_kind = 'numeric'
        and chunk_values.numeric_value is not null
),

category_values_binned as (
    -- every value of a chunk is a reference value, so it always has its level bin
    select
        chunk_values.model_id,
        chunk_values.reference_id,
        chunk_values.chunk_index,
        chunk_values.feature_name,
        bins.bin_index,
        chunk_values.value_count
    from chunk_values
    inner join bins
        on
            chunk_values.model_id = bins.model_id
            and chunk_values.reference_id = bins.reference_id
            and chunk_values.feature_name = bins.feature_name
            and bins.bin_type = 'level'
            and chunk_values.category_value = bins.category_value
    where
        chunk_values.feature_kind = 'categorical'
        and chunk_values.category_value is not null
),

missing_values_binned as (
    select
        model_id,
        reference_id,
        chunk_index,
        feature_name,
        0 as bin_index,
        value_count
    from chunk_values
    where numeric_value is null and category_value is null
),

bin_counts as (
    select
        model_id,
        reference_id,
        chunk_index,
        feature_name,
        bin_index,
        sum(value_count) as chunk_count
    from (
        select * from numeric_values_binned
        union all
        select * from category_values_binned
        union all
        select * from missing_values_binned
    ) as binned
    group by model_id, reference_id, chunk_index, feature_name, bin_index
),

chunk_sizes as (
    select
        model_id,
        reference_id,
        chunk_index,
        feature_name,
        sum(value_count) as chunk_rows
    from chunk_values
    group by model_id, reference_id, chunk_index, feature_name
),

chunk_histograms as (
    select
        chunk_sizes.model_id,
        chunk_sizes.reference_id,
        chunk_sizes.chunk_index,
        chunk_sizes.feature_name,
        chunk_sizes.chunk_rows,
        bins.bin_type,
        bins.reference_share,
        features.psi_epsilon,
        features.js_log_base,
        cast(coalesce(bin_counts.chunk_count, 0) as {{ double }})
        / chunk_sizes.chunk_rows as chunk_share
    from chunk_sizes
    inner join bins
        on
            chunk_sizes.model_id = bins.model_id
            and chunk_sizes.reference_id = bins.reference_id
            and chunk_sizes.feature_name = bins.feature_name
    inner join features
        on
            chunk_sizes.model_id = features.model_id
            and chunk_sizes.feature_name = features.feature_name
    left join bin_counts
        on
            chunk_sizes.model_id = bin_counts.model_id
            and chunk_sizes.reference_id = bin_counts.reference_id
            and chunk_sizes.chunk_index = bin_counts.chunk_index
            and chunk_sizes.feature_name = bin_counts.feature_name
            and bins.bin_index = bin_counts.bin_index
),

distances as (
    select
        model_id,
        reference_id,
        chunk_index,
        feature_name,
        max(chunk_rows) as chunk_rows,
        sum({{ modelwatch.psi_term('chunk_share', 'reference_share', 'psi_epsilon') }})
            as psi,
        {{ modelwatch.jensen_shannon_distance(
            'chunk_share', 'reference_share', 'max(js_log_base)') }}
            as jensen_shannon,
        {{ modelwatch.hellinger_distance('chunk_share', 'reference_share') }} as hellinger,
        {{ modelwatch.total_variation_distance('chunk_share', 'reference_share') }}
            as total_variation,
        max(abs(chunk_share - reference_share)) as l_infinity,
        {{ modelwatch.kl_divergence('chunk_share', 'reference_share', 'psi_epsilon') }}
            as kl_divergence,
        abs(
            sum(case when bin_type = 'missing' then chunk_share else 0 end)
            - sum(case when bin_type = 'missing' then reference_share else 0 end)
        ) as missing_rate_change
    from chunk_histograms
    group by model_id, reference_id, chunk_index, feature_name
),

metrics as (
    {%- for metric in blocks %}
    select
        model_id,
        reference_id,
        chunk_index,
        feature_name,
        '{{ metric }}' as metric_name,
        cast({{ metric }} as {{ double }}) as metric_value,
        cast(chunk_rows as {{ dbt.type_bigint() }}) as chunk_rows
    from distances
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from metrics
