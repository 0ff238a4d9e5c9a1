{#- The bottom layer of the configuration: what modelwatch does when nobody said otherwise.
    Layers, lowest first: these packaged defaults < project var `modelwatch` < model entry
    < feature entry < generic-test argument. `modelwatch.resolve_config` merges them. -#}
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
        },
    }) }}
{% endmacro %}
