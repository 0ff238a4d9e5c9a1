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
        'retrain_window_days': 84,
        'thresholds': {
            'psi': {'warn': 0.10, 'error': 0.25},
            'ks_pvalue': {'warn': 0.01, 'error': false},
            'ks_statistic': {'warn': false, 'error': false},
        },
    }) }}
{% endmacro %}
