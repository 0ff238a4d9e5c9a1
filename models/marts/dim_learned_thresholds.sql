{#- Thresholds learned from the reference (decision 0009, NannyML's rule): one row per model,
    reference version, feature and metric, from the metric's values on the reference's
    chunks (int_reference_chunk_metrics_computed): mean and population standard deviation
    (ddof 0, as NannyML's np.std), and the bounds mean +- k sd for the error level and
    mean +- warn_k sd for the warning level. The level in force (warn_threshold,
    error_threshold) follows the metric's direction: a distance is bad when large, so its
    upper bound; a p-value is bad when small, so its lower bound, clamped at 0 (is_*_clamped
    says so: such a level alerts only on a p-value of 0). No bounds (is_learned false, with
    the reason) when the reference gives fewer than two chunks or chunks smaller than the
    feature's min_batch_size: those batches are insufficient_data, never judged on a
    threshold learned from noise. -#}
{%- set settings = modelwatch.registry_table('learned_thresholds') -%}
{%- set double = modelwatch.type_double() -%}
{%- set below = [] -%}
{%- for metric, spec in modelwatch.get_metric_catalog().items() if spec.direction == 'below' -%}
{%- do below.append(modelwatch.string_literal(metric)) -%}
{%- endfor -%}

with

chunk_metrics as (
    select
        model_id,
        reference_id,
        chunk_index,
        feature_name,
        metric_name,
        metric_value,
        chunk_rows
    from {{ ref('int_reference_chunk_metrics_computed') }}
),

features as (
    select
        model_id,
        feature_name,
        min_batch_size
    from {{ ref('dim_monitored_features') }}
),

learning_settings as (
    {{ modelwatch.literal_rows(settings.columns, settings.rows) }}
),

chunks_averaged as (
    -- the mean and (below) sigma add their terms in a fixed order, so a rebuild gives the
    -- same bits (avg and stddev_pop do not: decision 0022)
    select
        model_id,
        reference_id,
        feature_name,
        metric_name,
        case
            when metric_name in ({{ below | join(', ') }}) then 'below' else 'above'
        end as threshold_direction,
        count(metric_value) as chunk_count,
        min(chunk_rows) as min_chunk_rows,
        max(chunk_rows) as max_chunk_rows,
        {{ modelwatch.ordered_sum('metric_value') }} / nullif(count(metric_value), 0)
            as chunk_mean
    from chunk_metrics
    group by 1, 2, 3, 4, 5
),

chunks_summarised as (
    -- sigma with ddof 0 (NannyML's np.std), two passes: the deviations from the mean
    select
        chunks_averaged.model_id,
        chunks_averaged.reference_id,
        chunks_averaged.feature_name,
        chunks_averaged.metric_name,
        chunks_averaged.threshold_direction,
        chunks_averaged.chunk_count,
        chunks_averaged.min_chunk_rows,
        chunks_averaged.max_chunk_rows,
        chunks_averaged.chunk_mean,
        sqrt(
            {{ modelwatch.ordered_sum(
                '(chunk_metrics.metric_value - chunks_averaged.chunk_mean)'
                ~ ' * (chunk_metrics.metric_value - chunks_averaged.chunk_mean)') }}
            / nullif(chunks_averaged.chunk_count, 0)
        ) as chunk_std
    from chunks_averaged
    inner join chunk_metrics
        on
            chunks_averaged.model_id = chunk_metrics.model_id
            and chunks_averaged.reference_id = chunk_metrics.reference_id
            and chunks_averaged.feature_name = chunk_metrics.feature_name
            and chunks_averaged.metric_name = chunk_metrics.metric_name
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9
),

bounds as (
    select
        chunks_summarised.model_id,
        chunks_summarised.reference_id,
        chunks_summarised.feature_name,
        chunks_summarised.metric_name,
        chunks_summarised.threshold_direction,
        chunks_summarised.chunk_count,
        chunks_summarised.min_chunk_rows,
        chunks_summarised.max_chunk_rows,
        cast(chunks_summarised.chunk_mean as {{ double }}) as chunk_mean,
        cast(chunks_summarised.chunk_std as {{ double }}) as chunk_std,
        learning_settings.k,
        learning_settings.warn_k,
        case
            when chunks_summarised.chunk_count < 2
                then 'fewer than two reference chunks'
            when chunks_summarised.min_chunk_rows < features.min_batch_size
                then 'reference chunks of ' || cast(
                    chunks_summarised.min_chunk_rows
                    as {{ dbt.type_string() }}
                ) || ' rows, below min_batch_size '
                || cast(features.min_batch_size as {{ dbt.type_string() }})
        end as not_learned_reason
    from chunks_summarised
    inner join features
        on
            chunks_summarised.model_id = features.model_id
            and chunks_summarised.feature_name = features.feature_name
    inner join learning_settings
        on chunks_summarised.model_id = learning_settings.model_id
),

bounds_computed as (
    select
        model_id,
        reference_id,
        feature_name,
        metric_name,
        threshold_direction,
        chunk_count,
        min_chunk_rows,
        max_chunk_rows,
        chunk_mean,
        chunk_std,
        k,
        warn_k,
        not_learned_reason is null as is_learned,
        not_learned_reason,
        case when not_learned_reason is null then chunk_mean - k * chunk_std end
            as error_lower,
        case when not_learned_reason is null then chunk_mean + k * chunk_std end
            as error_upper,
        case when not_learned_reason is null then chunk_mean - warn_k * chunk_std end
            as warn_lower,
        case when not_learned_reason is null then chunk_mean + warn_k * chunk_std end
            as warn_upper
    from bounds
),

learned as (
    select
        *,
        case
            when threshold_direction = 'above' then warn_upper
            when warn_lower < 0 then 0.0
            else warn_lower
        end as warn_threshold,
        case
            when threshold_direction = 'above' then error_upper
            when error_lower < 0 then 0.0
            else error_lower
        end as error_threshold,
        coalesce(threshold_direction = 'below' and warn_lower < 0, false)
            as is_warn_clamped,
        coalesce(threshold_direction = 'below' and error_lower < 0, false)
            as is_error_clamped
    from bounds_computed
)

select * from learned
