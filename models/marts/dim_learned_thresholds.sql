{#- Thresholds learned from the reference (decision 0009, NannyML's rule): one row per model,
    reference version, feature and bin metric, from the metric's values on the reference's
    chunks (int_reference_chunk_metrics_computed): mean and population standard deviation
    (ddof 0, as NannyML's np.std), and the bounds mean +- k sd for the error level and
    mean +- warn_k sd for the warning level. Distances are bad when large, so fct_feature_drift
    uses the upper bounds where a level is `auto`. No bounds (is_learned false, with the
    reason) when the reference gives fewer than two chunks or chunks smaller than the
    feature's min_batch_size: those batches are insufficient_data, never judged on a
    threshold learned from noise. -#}
{%- set settings = modelwatch.registry_table('learned_thresholds') -%}
{%- set double = modelwatch.type_double() -%}

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

chunks_summarised as (
    select
        model_id,
        reference_id,
        feature_name,
        metric_name,
        count(*) as chunk_count,
        min(chunk_rows) as min_chunk_rows,
        max(chunk_rows) as max_chunk_rows,
        avg(metric_value) as chunk_mean,
        stddev_pop(metric_value) as chunk_std
    from chunk_metrics
    group by 1, 2, 3, 4
),

bounds as (
    select
        chunks_summarised.model_id,
        chunks_summarised.reference_id,
        chunks_summarised.feature_name,
        chunks_summarised.metric_name,
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

learned as (
    select
        model_id,
        reference_id,
        feature_name,
        metric_name,
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
)

select * from learned
