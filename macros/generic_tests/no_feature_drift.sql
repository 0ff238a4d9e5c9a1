{#- Attach to the source of a monitored model: fails when any feature or the score of the
    asserted batch reaches an error threshold, warns at a warning threshold. Each failing row
    names the model, batch, feature, metric, value and thresholds. -#}
{% test no_feature_drift(model, model_id=none, batch_id=none, metrics=none, thresholds=none) %}
    {{ config(
        fail_calc='coalesce(max(severity_level), 0)',
        warn_if='>=1',
        error_if='>=2',
        store_failures=true,
    ) }}
    {{ modelwatch.drift_test_core(model, model_id, batch_id, metrics, thresholds, none) }}
{% endtest %}
