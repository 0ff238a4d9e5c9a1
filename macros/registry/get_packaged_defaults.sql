{#- The bottom layer of the configuration: what modelwatch does when nobody said otherwise.
    Layers, lowest first: these packaged defaults < project var `modelwatch` < risk tier
    < business unit < model entry < feature entry < generic-test argument (decision 0013). `modelwatch.resolve_config` merges them. -#}
{% macro get_packaged_defaults() %}
    {{ return(adapter.dispatch('get_packaged_defaults', 'modelwatch')()) }}
{% endmacro %}

{% macro default__get_packaged_defaults() %}
    {{ return({
        'bins': 10,
        'min_batch_size': 100,
        'psi_epsilon': 0.0001,
        'js_log_base': 2,
        'retrain_window_days': 84,
        'multiple_testing': 'none',
        'data_quality': modelwatch._packaged_data_quality(),
        'batch_grain': 'week',
        'sla_days': none,
        'thresholds': {
            'psi': {'warn': 0.10, 'error': 0.25},
            'ks_pvalue': {'warn': 0.01, 'error': false},
            'ks_statistic': {'warn': false, 'error': false},
            'jensen_shannon': {'warn': false, 'error': false},
            'hellinger': {'warn': false, 'error': false},
            'total_variation': {'warn': false, 'error': false},
            'l_infinity': {'warn': false, 'error': false},
            'kl_divergence': {'warn': false, 'error': false},
            'missing_rate_change': {'warn': false, 'error': false},
            'wasserstein': {'warn': false, 'error': false},
            'wasserstein_normed': {'warn': false, 'error': false},
            'chi_square_statistic': {'warn': false, 'error': false},
            'chi_square_pvalue': {'warn': false, 'error': false},
            'z_test_pvalue': {'warn': false, 'error': false},
            'mmd': {'warn': false, 'error': false},
            'mmd_pvalue': {'warn': 0.01, 'error': 0.001},
        },
    }) }}
{% endmacro %}


{#- The data-quality checks of every batch (fct_batch_quality, decision 0018): for each check
    the level at or past which it warns or fails (false: level off), plus the number of
    earlier batches whose median row count is a model's usual volume. -#}
{% macro _packaged_data_quality() %}
    {{ return({
        'history_batches': 8,
        'row_count_factor': {'warn': 2, 'error': 5},
        'null_rate_jump': {'warn': 0.05, 'error': 0.2},
        'all_null': {'warn': false, 'error': 1},
        'unseen_share': {'warn': 0.01, 'error': 0.5},
        'out_of_range_share': {'warn': 0.01, 'error': 0.5},
        'duplicate_id_share': {'warn': 0.0001, 'error': 0.01},
        'schema_change': {'warn': false, 'error': 1},
        'freshness_hours_late': {'warn': 24, 'error': 72},
    }) }}
{% endmacro %}
