{#- Every drift metric modelwatch computes: which feature kinds it applies to and which way
    is bad. `above`: the level is reached when value >= threshold (a distance);
    `below`: when value <= threshold (a p-value). -#}
{% macro get_metric_catalog() %}
    {{ return(adapter.dispatch('get_metric_catalog', 'modelwatch')()) }}
{% endmacro %}

{% macro default__get_metric_catalog() %}
    {%- set both = ['numeric', 'categorical'] -%}
    {{ return({
        'psi': {'direction': 'above', 'kinds': both},
        'jensen_shannon': {'direction': 'above', 'kinds': both},
        'hellinger': {'direction': 'above', 'kinds': both},
        'total_variation': {'direction': 'above', 'kinds': both},
        'l_infinity': {'direction': 'above', 'kinds': both},
        'kl_divergence': {'direction': 'above', 'kinds': both},
        'missing_rate_change': {'direction': 'above', 'kinds': both},
        'ks_statistic': {'direction': 'above', 'kinds': ['numeric']},
        'ks_pvalue': {'direction': 'below', 'kinds': ['numeric']},
        'wasserstein': {'direction': 'above', 'kinds': ['numeric']},
        'wasserstein_normed': {'direction': 'above', 'kinds': ['numeric']},
        'chi_square_statistic': {'direction': 'above', 'kinds': ['categorical']},
        'chi_square_pvalue': {'direction': 'below', 'kinds': ['categorical']},
        'z_test_pvalue': {'direction': 'below', 'kinds': ['categorical']},
        'mmd': {'direction': 'above', 'kinds': ['multivariate']},
        'mmd_pvalue': {'direction': 'below', 'kinds': ['multivariate']},
    }) }}
{% endmacro %}
