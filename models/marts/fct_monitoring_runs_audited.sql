{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='append_new_columns',
    )
}}
{#- Append-only audit of every monitoring run: one row per dbt invocation, model and batch it
    computed. Which data (batch, row counts, a fingerprint of the batch's value distribution),
    which configuration (hash of the resolved registry entry), which code (hash of the
    package's macros and models, git commit when MODELWATCH_GIT_SHA is set, dbt version,
    warehouse version) and which results (status, counts, a hash of every drift figure).
    full_refresh=false: `dbt build --full-refresh` appends to it, never rebuilds it.
    Only batches whose status row this invocation wrote are recorded, so running this model
    on its own records nothing twice. docs/decisions/0016-audit.md. -#}
{%- set run = modelwatch.run_provenance() -%}
{%- set rerun_list = [] -%}
{%- for batch_id in run.rerun_batches -%}
    {%- do rerun_list.append(modelwatch.string_literal(batch_id)) -%}
{%- endfor -%}
{%- set rerun_sql = rerun_list | join(', ') if rerun_list else "''" -%}
{%- set text = dbt.type_string() -%}

with

pending_batches as (
    select
        model_id,
        batch_id
    from {{ ref('int_prediction_batches_pending') }}
),

batch_status as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_started_at,
        batch_ended_at,
        batch_rows,
        model_version,
        features_assessed,
        features_alerting,
        features_warning,
        drifted_features,
        batch_status,
        dq_status,
        config_hash,
        dbt_invocation_id
    from {{ ref('fct_model_batch_status') }}
),

drift as (
    select
        model_id,
        batch_id,
        feature_name,
        metric_name,
        metric_value,
        assessed_value,
        warn_threshold,
        error_threshold,
        reference_size,
        batch_size,
        status
    from {{ ref('fct_feature_drift') }}
),

batch_values as (
    select
        model_id,
        batch_id,
        feature_name,
        numeric_value,
        category_value,
        value_count
    from {{ ref('int_batch_values_counted') }}
),

batches_of_this_run as (
    select *
    from batch_status
    where dbt_invocation_id = '{{ invocation_id }}'
),

inputs_fingerprinted as (
    select
        model_id,
        batch_id,
        count(*) as value_rows,
        {{ modelwatch.multiset_fingerprint([
            'feature_name', 'numeric_value', 'category_value', 'value_count']) }}
            as input_fingerprint
    from batch_values
    group by 1, 2
),

drift_of_pending as (
    -- the figures as stored, to the bit: a rerun reproduces them exactly (decision 0022)
    select drift.*
    from drift
    inner join pending_batches
        on
            drift.model_id = pending_batches.model_id
            and drift.batch_id = pending_batches.batch_id
),

results_hashed as (
    select
        model_id,
        batch_id,
        count(*) as figures_computed,
        max(case when metric_name = 'psi' then reference_size end) as reference_rows,
        {{ modelwatch.multiset_fingerprint([
            'feature_name', 'metric_name', 'metric_value', 'assessed_value', 'warn_threshold',
            'error_threshold', 'reference_size', 'batch_size', 'status']) }}
            as results_hash
    from drift_of_pending
    group by 1, 2
),

runs_audited as (
    select
        batches_of_this_run.dbt_invocation_id,
        {{ modelwatch.run_timestamp() }} as run_started_at,
        case
            when '{{ run.trigger }}' = 'full_refresh' then 'full_refresh'
            when batches_of_this_run.batch_id in ({{ rerun_sql }}) then 'rerun'
            else '{{ run.trigger }}'
        end as run_trigger,
        batches_of_this_run.model_id,
        batches_of_this_run.reference_id,
        batches_of_this_run.batch_id,
        batches_of_this_run.batch_started_at,
        batches_of_this_run.batch_ended_at,
        batches_of_this_run.model_version,
        batches_of_this_run.batch_rows,
        results_hashed.reference_rows,
        inputs_fingerprinted.value_rows,
        inputs_fingerprinted.input_fingerprint,
        batches_of_this_run.config_hash,
        cast('{{ run.code_version }}' as {{ text }}) as code_version,
        cast({{ modelwatch.string_literal(run.git_sha) if run.git_sha else 'null' }} as {{ text }})
            as git_sha,
        cast('{{ run.dbt_version }}' as {{ text }}) as dbt_version,
        cast({{ modelwatch.warehouse_version() }} as {{ text }}) as warehouse_version,
        batches_of_this_run.batch_status,
        batches_of_this_run.dq_status,
        batches_of_this_run.features_assessed,
        batches_of_this_run.features_alerting,
        batches_of_this_run.features_warning,
        batches_of_this_run.drifted_features,
        results_hashed.figures_computed,
        results_hashed.results_hash
    from batches_of_this_run
    left join inputs_fingerprinted
        on
            batches_of_this_run.model_id = inputs_fingerprinted.model_id
            and batches_of_this_run.batch_id = inputs_fingerprinted.batch_id
    left join results_hashed
        on
            batches_of_this_run.model_id = results_hashed.model_id
            and batches_of_this_run.batch_id = results_hashed.batch_id
)

select * from runs_audited
