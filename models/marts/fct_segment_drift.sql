{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'batch_id'],
    )
}}
{#- Drift per segment: one row per model, batch, segment column, segment value, feature and
    metric, for the models that declare `segments:`. Each segment of the batch is compared
    with the reference rows of the same segment on the feature's frozen bins: PSI,
    Jensen-Shannon and the chi-square test of the bins (missing left out), whose p-values
    are adjusted with Benjamini-Hochberg across the segments and features of one model and
    batch. Thresholds are the model's; a segment with fewer rows than min_batch_size in the
    batch, or none in the reference, is insufficient_data (docs/decisions/0011-segments.md).
    Incremental: a run writes only its pending batches, replacing earlier rows of them. -#}
{%- set double = modelwatch.type_double() -%}
{%- set segment_thresholds = modelwatch.segment_table('thresholds') -%}

with

pending_batches as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_started_at,
        model_version
    from {{ ref('int_prediction_batches_pending') }}
),

features as (
    select
        model_id,
        feature_name,
        feature_kind,
        min_batch_size,
        psi_epsilon,
        js_log_base
    from {{ ref('dim_monitored_features') }}
),

segmentations as (
    select distinct
        model_id,
        segmentation_id
    from {{ ref('dim_monitored_segments') }}
),

thresholds as (
    {{ modelwatch.literal_rows(segment_thresholds.columns, segment_thresholds.rows) }}
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
        category_value
    from {{ ref('dim_feature_bins') }}
),

batch_values as (
    select
        model_id,
        reference_id,
        batch_id,
        segment_column,
        segment_value,
        feature_name,
        feature_kind,
        numeric_value,
        category_value,
        value_count
    from {{ ref('int_segment_values_counted') }}
),

reference_values as (
    select
        reference_values.model_id,
        reference_values.reference_id,
        reference_values.segment_column,
        reference_values.segment_value,
        reference_values.feature_name,
        reference_values.feature_kind,
        reference_values.numeric_value,
        reference_values.category_value,
        reference_values.value_count
    from {{ ref('int_segment_reference_values_counted') }} as reference_values
    inner join segmentations
        on
            reference_values.model_id = segmentations.model_id
            and reference_values.segmentation_id = segmentations.segmentation_id
),

sample_values as (
    select
        'batch' as sample_name,
        model_id,
        reference_id,
        batch_id,
        segment_column,
        segment_value,
        feature_name,
        feature_kind,
        numeric_value,
        category_value,
        value_count
    from batch_values
    union all
    select
        'reference' as sample_name,
        model_id,
        reference_id,
        cast(null as {{ dbt.type_string() }}) as batch_id,
        segment_column,
        segment_value,
        feature_name,
        feature_kind,
        numeric_value,
        category_value,
        value_count
    from reference_values
),

bin_counts as (
    {{ modelwatch.binned_value_counts(
        'sample_values',
        ['sample_name', 'model_id', 'batch_id', 'segment_column', 'segment_value'],
        'bins') }}
),

sample_sizes as (
    select
        sample_name,
        model_id,
        batch_id,
        segment_column,
        segment_value,
        feature_name,
        sum(value_count) as sample_rows
    from sample_values
    group by 1, 2, 3, 4, 5, 6
),

histograms as (
    -- every frozen bin of every segment the batch holds, with both samples' counts
    select
        batch_sizes.model_id,
        batch_sizes.batch_id,
        batch_sizes.segment_column,
        batch_sizes.segment_value,
        batch_sizes.feature_name,
        bins.bin_index,
        bins.bin_type,
        features.psi_epsilon,
        features.js_log_base,
        coalesce(batch_counts.bin_count, 0) as batch_count,
        coalesce(reference_counts.bin_count, 0) as reference_count,
        batch_sizes.sample_rows as batch_rows,
        coalesce(reference_sizes.sample_rows, 0) as reference_rows,
        cast(coalesce(batch_counts.bin_count, 0) as {{ double }})
        / batch_sizes.sample_rows as batch_share,
        cast(coalesce(reference_counts.bin_count, 0) as {{ double }})
        / nullif(reference_sizes.sample_rows, 0) as reference_share
    from sample_sizes as batch_sizes
    inner join pending_batches
        on
            batch_sizes.model_id = pending_batches.model_id
            and batch_sizes.batch_id = pending_batches.batch_id
    inner join features
        on
            batch_sizes.model_id = features.model_id
            and batch_sizes.feature_name = features.feature_name
    inner join bins
        on
            pending_batches.model_id = bins.model_id
            and pending_batches.reference_id = bins.reference_id
            and batch_sizes.feature_name = bins.feature_name
    left join sample_sizes as reference_sizes
        on
            reference_sizes.sample_name = 'reference'
            and batch_sizes.model_id = reference_sizes.model_id
            and batch_sizes.segment_column = reference_sizes.segment_column
            and batch_sizes.segment_value = reference_sizes.segment_value
            and batch_sizes.feature_name = reference_sizes.feature_name
    left join bin_counts as batch_counts
        on
            batch_counts.sample_name = 'batch'
            and batch_sizes.model_id = batch_counts.model_id
            and batch_sizes.batch_id = batch_counts.batch_id
            and batch_sizes.segment_column = batch_counts.segment_column
            and batch_sizes.segment_value = batch_counts.segment_value
            and batch_sizes.feature_name = batch_counts.feature_name
            and bins.bin_index = batch_counts.bin_index
    left join bin_counts as reference_counts
        on
            reference_counts.sample_name = 'reference'
            and batch_sizes.model_id = reference_counts.model_id
            and batch_sizes.segment_column = reference_counts.segment_column
            and batch_sizes.segment_value = reference_counts.segment_value
            and batch_sizes.feature_name = reference_counts.feature_name
            and bins.bin_index = reference_counts.bin_index
    where batch_sizes.sample_name = 'batch'
),

distances as (
    select
        model_id,
        batch_id,
        segment_column,
        segment_value,
        feature_name,
        max(reference_rows) as reference_size,
        max(batch_rows) as batch_size,
        case
            when max(reference_rows) > 0
                then {{ modelwatch.ordered_sum(modelwatch.psi_term(
                    'batch_share', 'reference_share', 'psi_epsilon')) }}
        end as psi,
        case
            when max(reference_rows) > 0
                then {{ modelwatch.jensen_shannon_distance(
                    'batch_share', 'reference_share', 'max(js_log_base)') }}
        end as jensen_shannon
    from histograms
    group by 1, 2, 3, 4, 5
),

contingency_cells as (
    -- the bins either sample holds (missing left out): the columns of the 2 x L table
    select
        model_id,
        batch_id,
        segment_column,
        segment_value,
        feature_name,
        reference_count,
        batch_count,
        sum(reference_count) over cell_window as reference_total,
        sum(batch_count) over cell_window as batch_total,
        count(*) over cell_window as level_count
    from histograms
    where
        bin_type != 'missing'
        and reference_count + batch_count > 0
    window cell_window as (
        partition by model_id, batch_id, segment_column, segment_value, feature_name
    )
),

contingency_tests as (
    select
        model_id,
        batch_id,
        segment_column,
        segment_value,
        feature_name,
        max(reference_total) as reference_total,
        max(batch_total) as batch_total,
        max(level_count) - 1 as degrees_of_freedom,
        {{ modelwatch.chi_square_statistic(
            'reference_count', 'batch_count', 'reference_total', 'batch_total', 'level_count') }}
            as chi_square_statistic
    from contingency_cells
    group by 1, 2, 3, 4, 5
),

contingency_pvalues as (
    select
        model_id,
        batch_id,
        segment_column,
        segment_value,
        feature_name,
        case
            when reference_total = 0 or batch_total = 0 then null
            when degrees_of_freedom = 0 then 1.0
            else {{ modelwatch.chi2_sf('chi_square_statistic', 'degrees_of_freedom') }}
        end as chi_square_pvalue
    from contingency_tests
),

segment_figures as (
    select
        distances.*,
        contingency_pvalues.chi_square_pvalue,
        coalesce(
            distances.reference_size > 0
            and distances.batch_size >= features.min_batch_size,
            false
        ) as is_assessable
    from distances
    inner join features
        on
            distances.model_id = features.model_id
            and distances.feature_name = features.feature_name
    left join contingency_pvalues
        on
            distances.model_id = contingency_pvalues.model_id
            and distances.batch_id = contingency_pvalues.batch_id
            and distances.segment_column = contingency_pvalues.segment_column
            and distances.segment_value = contingency_pvalues.segment_value
            and distances.feature_name = contingency_pvalues.feature_name
),

metrics as (
    {%- for metric in ['psi', 'jensen_shannon', 'chi_square_pvalue'] %}
    select
        model_id,
        batch_id,
        segment_column,
        segment_value,
        feature_name,
        '{{ metric }}' as metric_name,
        cast({{ metric }} as {{ double }}) as metric_value,
        reference_size,
        batch_size,
        is_assessable
    from segment_figures
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

metrics_ranked as (
    -- the chi-square p-values of one model and batch, across the segments and features
    -- that can be assessed, form one family for Benjamini-Hochberg
    select
        *,
        case
            when metric_name = 'chi_square_pvalue' and is_assessable
                then count(metric_value) over pvalue_family
        end as family_size,
        row_number() over (
            partition by model_id, batch_id, metric_name, is_assessable
            order by metric_value asc nulls last
        ) as family_rank
    from metrics
    window pvalue_family as (partition by model_id, batch_id, metric_name, is_assessable)
),

metrics_adjusted as (
    select
        *,
        case
            when family_size is null or metric_value is null then metric_value
            else least(1.0, min(metric_value * family_size / family_rank) over (
                partition by model_id, batch_id, metric_name, is_assessable
                order by family_rank desc
                rows between unbounded preceding and current row
            ))
        end as assessed_value,
        case when family_size is not null then 'benjamini_hochberg' end as pvalue_adjustment
    from metrics_ranked
),

metrics_assessed as (
    select
        metrics.model_id,
        pending_batches.reference_id,
        metrics.batch_id,
        pending_batches.batch_started_at,
        pending_batches.model_version,
        metrics.segment_column,
        metrics.segment_value,
        metrics.feature_name,
        features.feature_kind,
        metrics.metric_name,
        metrics.metric_value,
        cast(metrics.assessed_value as {{ double }}) as assessed_value,
        metrics.pvalue_adjustment,
        metrics.reference_size,
        metrics.batch_size,
        thresholds.threshold_direction,
        thresholds.warn_threshold,
        thresholds.error_threshold,
        features.min_batch_size,
        case
            when metrics.metric_value is null then true
            else not metrics.is_assessable
        end as is_insufficient,
        {{ modelwatch.severity_level(
            'metrics.assessed_value', 'thresholds.warn_threshold',
            'thresholds.error_threshold', 'thresholds.threshold_direction') }}
            as threshold_level
    from metrics_adjusted as metrics
    inner join pending_batches
        on
            metrics.model_id = pending_batches.model_id
            and metrics.batch_id = pending_batches.batch_id
    inner join features
        on
            metrics.model_id = features.model_id
            and metrics.feature_name = features.feature_name
    left join thresholds
        on
            metrics.model_id = thresholds.model_id
            and metrics.metric_name = thresholds.metric_name
),

segment_drift as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_started_at,
        model_version,
        segment_column,
        segment_value,
        feature_name,
        feature_kind,
        metric_name,
        metric_value,
        assessed_value,
        pvalue_adjustment,
        reference_size,
        batch_size,
        threshold_direction,
        warn_threshold,
        error_threshold,
        min_batch_size,
        case when is_insufficient then 0 else threshold_level end as severity_level,
        {{ modelwatch.drift_status('threshold_level', 'is_insufficient') }} as status,
        {{ modelwatch.run_timestamp() }} as computed_at,
        '{{ invocation_id }}' as dbt_invocation_id
    from metrics_assessed
)

select * from segment_drift
