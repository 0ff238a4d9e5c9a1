{#- Every drift metric modelwatch computes: which feature kinds it applies to and which way
    is bad. `above`: the level is reached when value >= threshold (a distance);
    `below`: when value <= threshold (a p-value). -#}
{% macro get_metric_catalog() %}
    {{ return(adapter.dispatch('get_metric_catalog', 'modelwatch')()) }}
{% endmacro %}

{% macro default__get_metric_catalog() %}
    {{ return({
        'psi': {'direction': 'above', 'kinds': ['numeric', 'categorical']},
        'ks_statistic': {'direction': 'above', 'kinds': ['numeric']},
        'ks_pvalue': {'direction': 'below', 'kinds': ['numeric']},
    }) }}
{% endmacro %}
