{#- The drift metrics computed on the frozen bins of this run's batches, one row per model,
    batch, feature and metric: PSI, Jensen-Shannon, Hellinger, total variation, L-infinity,
    KL divergence and the change in the missing share (all kinds); chi-square and, for
    two-level features, the two-proportion z-test (categorical). Formulas:
    docs/drift-statistics.md. -#}
{%- set double = modelwatch.type_double() -%}
{#- the metrics that depend on the epsilon in force, stored with them -#}
{%- set epsilon_metrics = ['psi', 'kl_divergence'] -%}
{#- the metrics' selects: (metric, value expression, source CTE, filter), unioned below -#}
{%- set blocks = [
    ('psi', 'psi', 'distances', 'true'),
    ('jensen_shannon', 'jensen_shannon', 'distances', 'true'),
    ('hellinger', 'hellinger', 'distances', 'true'),
    ('total_variation', 'total_variation', 'distances', 'true'),
    ('l_infinity', 'l_infinity', 'distances', 'true'),
    ('kl_divergence', 'kl_divergence', 'distances', 'true'),
    ('missing_rate_change', 'missing_rate_change', 'distances', 'true'),
    ('chi_square_statistic', 'chi_square_statistic', 'contingency_metrics', 'true'),
    ('chi_square_pvalue', 'chi_square_pvalue', 'contingency_metrics', 'true'),
    ('z_test_pvalue', 'z_test_pvalue', 'contingency_metrics', 'reference_level_count = 2'),
] -%}
{#- the z-test row exists for every two-level feature, null (insufficient_data) when a sample
    has no value, as for the other metrics -#}

with

pending_batches as (
    select
        model_id,
        batch_id
    from {{ ref('int_prediction_batches_pending') }}
),

features as (
    select
        model_id,
        feature_name,
        feature_kind,
        psi_epsilon,
        js_log_base
    from {{ ref('dim_monitored_features') }}
),

histograms as (
    select
        model_id,
        batch_id,
        feature_name,
        bin_index,
        bin_type,
        batch_count,
        batch_share,
        batch_rows as batch_size,
        reference_count,
        reference_share,
        reference_rows as reference_size
    from {{ ref('fct_feature_histograms') }}
),

pending_histograms as (
    select
        histograms.*,
        features.feature_kind,
        features.psi_epsilon,
        features.js_log_base
    from histograms
    inner join pending_batches
        on
            histograms.model_id = pending_batches.model_id
            and histograms.batch_id = pending_batches.batch_id
    inner join features
        on
            histograms.model_id = features.model_id
            and histograms.feature_name = features.feature_name
),

distances as (
    {{ modelwatch.bin_distance_metrics(
        'pending_histograms', ['model_id', 'batch_id'],
        ['reference_size', 'batch_size', 'psi_epsilon']) }}
),

contingency_metrics as (
    {{ modelwatch.contingency_tests('pending_histograms', ['model_id', 'batch_id']) }}
),

metrics as (
    {%- for metric, expression, relation, condition in blocks %}
    select
        model_id,
        batch_id,
        feature_name,
        '{{ metric }}' as metric_name,
        cast({{ expression }} as {{ double }}) as metric_value,
        reference_size,
        batch_size,
        {{ 'psi_epsilon' if metric in epsilon_metrics else 'cast(null as ' ~ double ~ ')' }}
            as epsilon
    from {{ relation }}
    where {{ condition }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from metrics
