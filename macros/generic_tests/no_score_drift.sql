{#- Like no_feature_drift, on the model's score (its output distribution) only. -#}
{% test no_score_drift(model, model_id=none, batch_id=none, metrics=none, thresholds=none) %}
    {{ config(
        fail_calc='coalesce(max(severity_level), 0)',
        warn_if='>=1',
        error_if='>=2',
        store_failures=true,
    ) }}
    {{ modelwatch.drift_test_core(model, model_id, batch_id, metrics, thresholds, 'score') }}
{% endtest %}
