{#- The drift metrics computed on the frozen bins of this run's batches, one row per model,
    batch, feature and metric: PSI, Jensen-Shannon, Hellinger, total variation, L-infinity,
    KL divergence and the change in the missing share (all kinds); chi-square and, for
    two-level features, the two-proportion z-test (categorical). Formulas:
    docs/drift-statistics.md. -#}
{%- set double = modelwatch.type_double() -%}
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
    ('z_test_pvalue', '2 * ' ~ modelwatch.normal_sf('abs(z_statistic)'),
        'contingency_metrics', 'reference_level_count = 2'),
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
        batch_rows,
        reference_count,
        reference_share,
        reference_rows
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
    select
        model_id,
        batch_id,
        feature_name,
        max(reference_rows) as reference_size,
        max(batch_rows) as batch_size,
        max(psi_epsilon) as epsilon,
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
    from pending_histograms
    group by 1, 2, 3
),

category_cells as (
    -- the levels of a categorical feature (unseen included, missing left out) that either
    -- sample holds: the columns of the 2 x L contingency table
    select
        model_id,
        batch_id,
        feature_name,
        bin_index,
        bin_type,
        reference_count,
        batch_count,
        sum(reference_count) over feature_window as reference_total,
        sum(batch_count) over feature_window as batch_total,
        count(*) over feature_window as level_count,
        sum(case when bin_type = 'level' then 1 else 0 end) over feature_window
            as reference_level_count
    from pending_histograms
    where
        feature_kind = 'categorical'
        and bin_type != 'missing'
        and reference_count + batch_count > 0
    window feature_window as (partition by model_id, batch_id, feature_name)
),

contingency_tests as (
    select
        model_id,
        batch_id,
        feature_name,
        max(reference_total) as reference_size,
        max(batch_total) as batch_size,
        max(level_count) - 1 as degrees_of_freedom,
        {{ modelwatch.chi_square_statistic(
            'reference_count', 'batch_count', 'reference_total', 'batch_total', 'level_count') }}
            as chi_square_statistic,
        max(case when bin_index = 1 then reference_count else 0 end) as reference_first_level,
        max(case when bin_index = 1 then batch_count else 0 end) as batch_first_level,
        max(reference_level_count) as reference_level_count
    from category_cells
    group by 1, 2, 3
),

categorical_samples as (
    -- fix: every categorical feature of every pending batch, also one with no value in
    -- either sample (no row in category_cells, so none in contingency_tests): it gets null
    -- tests (insufficient_data) with sizes 0 instead of no row at all
    select distinct
        model_id,
        batch_id,
        feature_name
    from pending_histograms
    where feature_kind = 'categorical'
),

contingency_samples as (
    select
        categorical_samples.model_id,
        categorical_samples.batch_id,
        categorical_samples.feature_name,
        coalesce(contingency_tests.reference_size, 0) as reference_size,
        coalesce(contingency_tests.batch_size, 0) as batch_size,
        contingency_tests.degrees_of_freedom,
        contingency_tests.chi_square_statistic,
        contingency_tests.reference_first_level,
        contingency_tests.batch_first_level,
        coalesce(contingency_tests.reference_level_count, 0) as reference_level_count
    from categorical_samples
    left join contingency_tests
        on
            categorical_samples.model_id = contingency_tests.model_id
            and categorical_samples.batch_id = contingency_tests.batch_id
            and categorical_samples.feature_name = contingency_tests.feature_name
),

contingency_metrics as (
    select
        model_id,
        batch_id,
        feature_name,
        reference_size,
        batch_size,
        reference_level_count,
        chi_square_statistic,
        case
            -- fix: a sample without a value leaves a zero row (null statistic); the p-value
            -- is null too, not 1 when that table has a single column
            when chi_square_statistic is null then null
            when degrees_of_freedom = 0 then 1.0
            else {{ modelwatch.chi2_sf('chi_square_statistic', 'degrees_of_freedom') }}
        end as chi_square_pvalue,
        case
            when reference_level_count = 2
                then {{ modelwatch.two_proportion_z(
                    'reference_first_level', 'reference_size',
                    'batch_first_level', 'batch_size') }}
        end as z_statistic
    from contingency_samples
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
        {{ 'epsilon' if metric in ['psi', 'kl_divergence'] else 'cast(null as ' ~ double ~ ')' }}
            as epsilon
    from {{ relation }}
    where {{ condition }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from metrics
