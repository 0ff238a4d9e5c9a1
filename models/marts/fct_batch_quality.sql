{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'batch_id'],
    )
}}
{#- The data-quality checks of every batch, before any drift figure is trusted: one row per
    model, batch, check and column, with the observed figure, what was expected, the levels,
    status pass / warn / fail, whether a failure should block retraining, and a message naming
    the model, batch and column. Checks (decision 0018): row_count_factor (rows against the
    usual volume), null_rate_jump, all_null, unseen_share, out_of_range_share,
    duplicate_id_share, schema_change, and freshness_hours_late (a row per model for the next
    expected batch, keyed by that batch's id, replaced when it arrives).

    Computed from this run's aggregates (batch sizes, histograms, value counts), so the log is
    not scanned again. Incremental like the other marts: a run rewrites its pending batches. -#}
{%- set models_table = modelwatch.data_quality_table('models') -%}
{%- set limits_table = modelwatch.data_quality_table('limits') -%}
{%- set changes_table = modelwatch.data_quality_table('schema_changes') -%}
{%- set as_of = modelwatch.data_quality_as_of() -%}
{%- set double = modelwatch.type_double() -%}
{%- set text = dbt.type_string() -%}
{#- a figure as text in the messages: round(x, 4) -#}
{%- set r0 = 'cast(round(' -%}
{%- set r1 = ', 4) as ' ~ text ~ ')' -%}
{%- set stored_volumes_sql = (
    "select model_id, batch_id, batch_started_at, observed_value as batch_rows from "
    ~ this ~ " where check_name = 'row_count_factor'") if is_incremental() else (
    "select model_id, batch_id, batch_started_at, cast(null as " ~ double
    ~ ") as batch_rows from pending_batches where 1 = 0") -%}

with

pending_batches as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_started_at,
        batch_rows,
        duplicate_prediction_ids
    from {{ ref('int_prediction_batches_pending') }}
),

features as (
    select
        model_id,
        feature_name,
        feature_kind
    from {{ ref('dim_monitored_features') }}
    -- the multivariate check's row (docs/multivariate-drift.md) is no column of the log
    where feature_kind != 'multivariate'
),

histograms as (
    select
        model_id,
        batch_id,
        feature_name,
        bin_type,
        batch_count,
        batch_rows,
        batch_share,
        reference_share
    from {{ ref('fct_feature_histograms') }}
    where bin_type in ('missing', 'unseen')
),

batch_values as (
    select
        model_id,
        reference_id,
        batch_id,
        feature_name,
        numeric_value,
        value_count
    from {{ ref('int_batch_values_counted') }}
    where feature_kind = 'numeric'
),

reference_ranges as (
    select
        model_id,
        reference_id,
        feature_name,
        reference_min,
        reference_max
    from {{ ref('int_reference_ranges_computed') }}
),

reference_sizes as (
    select
        model_id,
        reference_id,
        max(reference_rows) as reference_rows
    from {{ ref('dim_feature_bins') }}
    group by 1, 2
),

model_settings as (
    {{ modelwatch.literal_rows(models_table.columns, models_table.rows) }}
),

check_limits as (
    {{ modelwatch.literal_rows(limits_table.columns, limits_table.rows) }}
),

schema_changes as (
    {{ modelwatch.literal_rows(changes_table.columns, changes_table.rows) }}
),

stored_volumes as (
    {{ stored_volumes_sql }}
),

volumes as (
    -- the row counts of earlier batches (stored) and of this run's batches
    select
        model_id,
        batch_id,
        batch_started_at,
        batch_rows
    from stored_volumes
    where
        not exists (
            select 1
            from pending_batches
            where
                pending_batches.model_id = stored_volumes.model_id
                and pending_batches.batch_id = stored_volumes.batch_id
        )
    union all
    select
        model_id,
        batch_id,
        batch_started_at,
        cast(batch_rows as {{ double }}) as batch_rows
    from pending_batches
),

volumes_ranked as (
    select
        *,
        row_number() over (
            partition by model_id order by batch_started_at, batch_id
        ) as batch_rank
    from volumes
),

usual_volumes as (
    -- the median row count of the previous history_batches batches
    select
        current_batch.model_id,
        current_batch.batch_id,
        percentile_cont(0.5) within group (order by earlier.batch_rows) as usual_rows,
        count(*) as history_count
    from volumes_ranked as current_batch
    inner join model_settings
        on current_batch.model_id = model_settings.model_id
    inner join volumes_ranked as earlier
        on
            current_batch.model_id = earlier.model_id
            and current_batch.batch_rank > earlier.batch_rank
            and earlier.batch_rank
            >= current_batch.batch_rank - model_settings.history_batches
    group by 1, 2
),

row_count_checks as (
    select
        pending_batches.model_id,
        pending_batches.batch_id,
        pending_batches.batch_started_at,
        'row_count_factor' as check_name,
        cast(null as {{ text }}) as column_name,
        cast(pending_batches.batch_rows as {{ double }}) as observed_value,
        coalesce(
            usual_volumes.usual_rows,
            reference_sizes.reference_rows / model_settings.reference_periods
        ) as expected_value,
        case
            when usual_volumes.usual_rows is not null
                then {{ dbt.concat([
                    "' (median of the previous '",
                    "cast(usual_volumes.history_count as " ~ text ~ ")",
                    "' batches)'"]) }}
            when model_settings.reference_periods is not null
                then ' (reference rows per batch period)'
        end as volume_basis
    from pending_batches
    inner join model_settings
        on pending_batches.model_id = model_settings.model_id
    left join usual_volumes
        on
            pending_batches.model_id = usual_volumes.model_id
            and pending_batches.batch_id = usual_volumes.batch_id
    left join reference_sizes
        on
            pending_batches.model_id = reference_sizes.model_id
            and pending_batches.reference_id = reference_sizes.reference_id
),

row_count_assessed as (
    select
        model_id,
        batch_id,
        batch_started_at,
        check_name,
        column_name,
        observed_value,
        expected_value,
        greatest(observed_value / expected_value, expected_value / observed_value)
            as assessed_value,
        case
            when expected_value is null
                then {{ dbt.concat([
                    "cast(cast(observed_value as " ~ dbt.type_bigint() ~ ") as " ~ text ~ ")",
                    "' rows; no earlier batch or reference period to compare with yet'"]) }}
            else {{ dbt.concat([
                "cast(cast(observed_value as " ~ dbt.type_bigint() ~ ") as " ~ text ~ ")",
                "' rows, '",
                r0 ~ "greatest(observed_value / expected_value, "
                ~ "expected_value / observed_value)" ~ r1,
                "' times '",
                "case when observed_value < expected_value then 'fewer' else 'more' end",
                "' than the usual '",
                r0 ~ "expected_value" ~ r1,
                "volume_basis"]) }}
        end as detail
    from row_count_checks
),

missing_bins as (
    select
        histograms.model_id,
        histograms.batch_id,
        pending_batches.batch_started_at,
        histograms.feature_name,
        histograms.batch_count,
        histograms.batch_rows,
        histograms.batch_share,
        histograms.reference_share
    from histograms
    inner join pending_batches
        on
            histograms.model_id = pending_batches.model_id
            and histograms.batch_id = pending_batches.batch_id
    where histograms.bin_type = 'missing'
),

null_rate_checks as (
    select
        model_id,
        batch_id,
        batch_started_at,
        'null_rate_jump' as check_name,
        feature_name as column_name,
        batch_share as observed_value,
        reference_share as expected_value,
        batch_share - reference_share as assessed_value,
        {{ dbt.concat([
            "'missing share '", r0 ~ "batch_share" ~ r1,
            "' against '", r0 ~ "reference_share" ~ r1,
            "' in the reference'"]) }} as detail
    from missing_bins
),

all_null_checks as (
    select
        model_id,
        batch_id,
        batch_started_at,
        'all_null' as check_name,
        feature_name as column_name,
        batch_share as observed_value,
        reference_share as expected_value,
        case
            when batch_rows > 0 and batch_count = batch_rows then 1.0 else 0.0
        end as assessed_value,
        case
            when batch_rows > 0 and batch_count = batch_rows
                then 'every value of the batch is missing'
            else {{ dbt.concat([
                r0 ~ "1 - batch_share" ~ r1, "' of the values are present'"]) }}
        end as detail
    from missing_bins
),

unseen_checks as (
    select
        histograms.model_id,
        histograms.batch_id,
        pending_batches.batch_started_at,
        'unseen_share' as check_name,
        histograms.feature_name as column_name,
        histograms.batch_share as observed_value,
        0.0 as expected_value,
        histograms.batch_share as assessed_value,
        {{ dbt.concat([
            r0 ~ "histograms.batch_share" ~ r1,
            "' of the values are categories never seen in the reference'"]) }} as detail
    from histograms
    inner join pending_batches
        on
            histograms.model_id = pending_batches.model_id
            and histograms.batch_id = pending_batches.batch_id
    where histograms.bin_type = 'unseen'
),

values_against_range as (
    select
        batch_values.model_id,
        batch_values.batch_id,
        batch_values.feature_name,
        max(reference_ranges.reference_min) as reference_min,
        max(reference_ranges.reference_max) as reference_max,
        sum(batch_values.value_count) as value_rows,
        sum(
            case
                when batch_values.numeric_value is null then 0
                when reference_ranges.reference_min is null then batch_values.value_count
                when
                    batch_values.numeric_value < reference_ranges.reference_min
                    or batch_values.numeric_value > reference_ranges.reference_max
                    then batch_values.value_count
                else 0
            end
        ) as outside_rows
    from batch_values
    left join reference_ranges
        on
            batch_values.model_id = reference_ranges.model_id
            and batch_values.reference_id = reference_ranges.reference_id
            and batch_values.feature_name = reference_ranges.feature_name
    group by 1, 2, 3
),

out_of_range_checks as (
    select
        values_against_range.model_id,
        values_against_range.batch_id,
        pending_batches.batch_started_at,
        'out_of_range_share' as check_name,
        values_against_range.feature_name as column_name,
        cast(values_against_range.outside_rows as {{ double }})
        / nullif(values_against_range.value_rows, 0) as observed_value,
        0.0 as expected_value,
        cast(values_against_range.outside_rows as {{ double }})
        / nullif(values_against_range.value_rows, 0) as assessed_value,
        {{ dbt.concat([
            r0 ~ "cast(values_against_range.outside_rows as " ~ double ~ ")"
            ~ " / nullif(values_against_range.value_rows, 0)" ~ r1,
            "' of the values fall outside the reference range ['",
            "coalesce(cast(values_against_range.reference_min as " ~ text ~ "), 'none')",
            "', '",
            "coalesce(cast(values_against_range.reference_max as " ~ text ~ "), 'none')",
            "']'"]) }} as detail
    from values_against_range
    inner join pending_batches
        on
            values_against_range.model_id = pending_batches.model_id
            and values_against_range.batch_id = pending_batches.batch_id
),

duplicate_checks as (
    select
        pending_batches.model_id,
        pending_batches.batch_id,
        pending_batches.batch_started_at,
        'duplicate_id_share' as check_name,
        model_settings.prediction_id_column as column_name,
        cast(pending_batches.duplicate_prediction_ids as {{ double }})
        / nullif(pending_batches.batch_rows, 0) as observed_value,
        0.0 as expected_value,
        cast(pending_batches.duplicate_prediction_ids as {{ double }})
        / nullif(pending_batches.batch_rows, 0) as assessed_value,
        {{ dbt.concat([
            "cast(pending_batches.duplicate_prediction_ids as " ~ text ~ ")",
            "' of '",
            "cast(pending_batches.batch_rows as " ~ text ~ ")",
            "' rows repeat a prediction id already in the batch'"]) }}
            as detail
    from pending_batches
    inner join model_settings
        on pending_batches.model_id = model_settings.model_id
),

schema_checks as (
    select
        pending_batches.model_id,
        pending_batches.batch_id,
        pending_batches.batch_started_at,
        'schema_change' as check_name,
        features.feature_name as column_name,
        case when schema_changes.model_id is null then 0.0 else 1.0 end as observed_value,
        0.0 as expected_value,
        case when schema_changes.model_id is null then 0.0 else 1.0 end as assessed_value,
        case
            when schema_changes.schema_change = 'missing'
                then {{ dbt.concat([
                    "'the column is missing from the log '",
                    "model_settings.log_source",
                    "'; read as null'"]) }}
            when schema_changes.schema_change = 'retyped'
                then {{ dbt.concat([
                    "'the column of the log '",
                    "model_settings.log_source",
                    "' holds '",
                    "schema_changes.found_type",
                    "', not a number; read as null'"]) }}
            else 'the column is in the log with a readable type'
        end as detail
    from pending_batches
    inner join model_settings
        on pending_batches.model_id = model_settings.model_id
    inner join features
        on pending_batches.model_id = features.model_id
    left join schema_changes
        on
            features.model_id = schema_changes.model_id
            and features.feature_name = schema_changes.column_name
),

newest_batches as (
    select
        model_id,
        max(batch_started_at) as newest_started_at
    from volumes
    group by 1
),

expected_batches as (
    -- the batch after the newest one, due in full by its end
    select
        newest_batches.model_id,
        model_settings.timestamp_column,
        case model_settings.batch_grain
            when 'day'
                then {{ dbt.dateadd('day', 1, 'newest_batches.newest_started_at') }}
            when 'week'
                then {{ dbt.dateadd('day', 7, 'newest_batches.newest_started_at') }}
            else {{ dbt.dateadd('month', 1, 'newest_batches.newest_started_at') }}
        end as expected_started_at,
        case model_settings.batch_grain
            when 'day'
                then {{ dbt.dateadd('day', 2, 'newest_batches.newest_started_at') }}
            when 'week'
                then {{ dbt.dateadd('day', 14, 'newest_batches.newest_started_at') }}
            else {{ dbt.dateadd('month', 2, 'newest_batches.newest_started_at') }}
        end as expected_due_at
    from newest_batches
    inner join model_settings
        on newest_batches.model_id = model_settings.model_id
    where model_settings.batch_grain is not null
),

freshness_checks as (
    select
        model_id,
        cast(cast(expected_started_at as date) as {{ text }}) as batch_id,
        cast(expected_started_at as {{ dbt.type_timestamp() }}) as batch_started_at,
        'freshness_hours_late' as check_name,
        timestamp_column as column_name,
        {{ dbt.datediff('expected_due_at', as_of, 'second') }} / 3600.0 as observed_value,
        0.0 as expected_value,
        {{ dbt.datediff('expected_due_at', as_of, 'second') }} / 3600.0 as assessed_value,
        {{ dbt.concat([
            "'no prediction logged in the batch after the newest one, due in full by '",
            "cast(expected_due_at as " ~ text ~ ")",
            "'; as of '",
            "cast(" ~ as_of ~ " as " ~ text ~ ")",
            "', '",
            r0 ~ dbt.datediff('expected_due_at', as_of, 'second') ~ " / 3600.0" ~ r1,
            "' hours late'"]) }} as detail
    from expected_batches
),

all_checks as (
    select * from row_count_assessed
    union all
    select * from null_rate_checks
    union all
    select * from all_null_checks
    union all
    select * from unseen_checks
    union all
    select * from out_of_range_checks
    union all
    select * from duplicate_checks
    union all
    select * from schema_checks
    union all
    select * from freshness_checks
),

checks_assessed as (
    select
        all_checks.model_id,
        all_checks.batch_id,
        all_checks.batch_started_at,
        all_checks.check_name,
        all_checks.column_name,
        cast(all_checks.observed_value as {{ double }}) as observed_value,
        cast(all_checks.expected_value as {{ double }}) as expected_value,
        cast(all_checks.assessed_value as {{ double }}) as assessed_value,
        check_limits.warn_limit,
        check_limits.error_limit,
        {{ modelwatch.severity_level(
            'all_checks.assessed_value', 'check_limits.warn_limit',
            'check_limits.error_limit', "'above'") }} as severity_level,
        check_limits.is_blocking_check,
        all_checks.detail
    from all_checks
    inner join check_limits
        on
            all_checks.model_id = check_limits.model_id
            and all_checks.check_name = check_limits.check_name
),

checks_reported as (
    select
        model_id,
        batch_id,
        batch_started_at,
        check_name,
        column_name,
        observed_value,
        expected_value,
        assessed_value,
        warn_limit,
        error_limit,
        severity_level,
        case severity_level
            when 2 then 'fail'
            when 1 then 'warn'
            else 'pass'
        end as status,
        coalesce(severity_level = 2 and is_blocking_check, false) as is_blocking,
        {{ dbt.concat([
            "check_name",
            "case severity_level when 2 then ' fails' when 1 then ' warns' "
            ~ "else ' passes' end",
            "': model '''", "model_id", "''', batch '", "batch_id",
            "coalesce(', column ''' || column_name || '''', '')",
            "': '",
            "detail",
            "' (warn at '",
            "coalesce(cast(warn_limit as " ~ text ~ "), 'off')",
            "', fail at '",
            "coalesce(cast(error_limit as " ~ text ~ "), 'off')",
            "')'"]) }} as message,
        {{ modelwatch.run_timestamp() }} as computed_at,
        '{{ invocation_id }}' as dbt_invocation_id
    from checks_assessed
)

select * from checks_reported
