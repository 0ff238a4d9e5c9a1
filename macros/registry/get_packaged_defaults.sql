{#- The bottom layer of the configuration: what modelwatch does when nobody said otherwise.
    Layers, lowest first: these packaged defaults < project var `modelwatch` < risk tier
    < business unit < model entry < feature entry < generic-test argument (decision 0013). `modelwatch.resolve_config` merges them. -#}

    `thresholds` are the levels a metric is judged by *when it is in force*; they do not put
    it in force. What is in force (decision 0008, docs/drift-statistics.md "Default methods"):
    - a metric given a numeric threshold level in a registry layer (project, model, feature):
      always, as before;
    - else, when `methods` is set (nearest layer wins): exactly the metrics it names;
    - else the default-method table `default_methods`: per feature class (numeric, score,
      categorical with three or more reference levels, binary: two reference levels) the
      metrics in force from a batch size on (`min_batch_rows`: rows in the batch). The
      batch's size picks the row at run time, in SQL (fct_feature_drift).
    Effect sizes only: p-values are never in force by default (opt in with `methods`). -#}
{% macro get_packaged_defaults() %}
    {{ return(adapter.dispatch('get_packaged_defaults', 'modelwatch')()) }}
{% endmacro %}

{% macro default__get_packaged_defaults() %}
    {{ return({
        'bins': 10,
        'min_batch_size': 100,
        'psi_epsilon': 0.0001,
        'js_log_base': 2,
        'ecdf_method': 'lookup',
        'retrain_window_days': 84,
        'multiple_testing': 'none',
        'data_quality': modelwatch._packaged_data_quality(),
        'batch_grain': 'week',
        'sla_days': none,
        'methods': none,
        'learned_thresholds': {'chunks': 10, 'k': 3, 'warn_k': 2, 'chunk_rows': none},
        'default_methods': {
            'numeric': {'missing_rate_change': 0, 'psi': 500, 'wasserstein_normed': 1000},
            'score': {'missing_rate_change': 0, 'psi': 500, 'wasserstein_normed': 1000},
            'categorical': {'missing_rate_change': 0, 'psi': 500, 'jensen_shannon': 1000},
            'binary': {'missing_rate_change': 0, 'psi': 500, 'total_variation': 1000},
        },
        'thresholds': {
            'psi': {'warn': 0.10, 'error': 0.25},
            'missing_rate_change': {'warn': 0.10, 'error': 0.20},
            'wasserstein_normed': {'warn': 0.10, 'error': 0.20},
            'jensen_shannon': {'warn': 0.10, 'error': 0.20},
            'total_variation': {'warn': 0.10, 'error': 0.20},
            'hellinger': {'warn': 0.10, 'error': 0.20},
            'l_infinity': {'warn': 0.10, 'error': 0.20},
            'ks_statistic': {'warn': 0.10, 'error': 0.20},
            'kl_divergence': {'warn': 0.10, 'error': 0.25},
            'ks_pvalue': {'warn': false, 'error': 0.01},
            'chi_square_pvalue': {'warn': false, 'error': 0.01},
            'z_test_pvalue': {'warn': false, 'error': 0.01},
            'wasserstein': {'warn': false, 'error': false},
            'chi_square_statistic': {'warn': false, 'error': false},
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
