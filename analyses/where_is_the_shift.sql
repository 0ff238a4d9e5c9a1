-- Where is the shift? One model's latest batch (or --vars batch_id), segment by segment:
-- every segment and feature whose PSI or Benjamini-Hochberg-adjusted chi-square p-value
-- reaches a level, worst first, next to the same feature over the whole batch.
-- dbt compile --select where_is_the_shift --vars '{model_id: credit_default}'
{%- set batch_id = var('batch_id', none) %}
{%- set asserted = "'" ~ batch_id ~ "'" if batch_id else 'max(batch_id)' %}

with

segment_drift as (
    select * from {{ ref('fct_segment_drift') }}
),

feature_drift as (
    select * from {{ ref('fct_feature_drift') }}
),

asserted_batch as (
    -- one row, also when a batch_id is given
    select distinct {{ asserted }} as batch_id
    from segment_drift
    where model_id = '{{ var("model_id", "credit_default") }}'
),

segments_ranked as (
    select
        segment_drift.segment_column,
        segment_drift.segment_value,
        segment_drift.feature_name,
        segment_drift.batch_size,
        max(case when segment_drift.metric_name = 'psi' then segment_drift.metric_value end)
            as segment_psi,
        max(
            case
                when segment_drift.metric_name = 'chi_square_pvalue'
                    then segment_drift.assessed_value
            end
        ) as segment_adjusted_pvalue,
        max(segment_drift.severity_level) as severity_level
    from segment_drift
    inner join asserted_batch
        on segment_drift.batch_id = asserted_batch.batch_id
    where segment_drift.model_id = '{{ var("model_id", "credit_default") }}'
    group by
        segment_drift.segment_column,
        segment_drift.segment_value,
        segment_drift.feature_name,
        segment_drift.batch_size
),

whole_batch as (
    select
        feature_drift.feature_name,
        feature_drift.metric_value as batch_psi
    from feature_drift
    inner join asserted_batch
        on feature_drift.batch_id = asserted_batch.batch_id
    where
        feature_drift.model_id = '{{ var("model_id", "credit_default") }}'
        and feature_drift.metric_name = 'psi'
),

shift_located as (
    select
        segments_ranked.*,
        whole_batch.batch_psi
    from segments_ranked
    left join whole_batch
        on segments_ranked.feature_name = whole_batch.feature_name
    where segments_ranked.severity_level >= 1
)

select * from shift_located
order by severity_level desc, segment_psi desc
