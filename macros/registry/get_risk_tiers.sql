{#- The risk tiers a model can be given (registry key `risk_tier`), packaged and overridable
    in the project var `modelwatch: {risk_tiers: {tier_1: {...}}}` (a tier named there is
    merged over the packaged one key by key, thresholds level by level; a new name adds a
    tier). A tier is a configuration layer between the project vars and the business unit
    (decision 0013): it sets default thresholds and the monitoring frequency (batch_grain,
    sla_days), and `threshold_bounds`, the range each threshold level in force must lie in
    (checked by the governance test thresholds_within_tier_bounds, decision 0014).

    threshold_bounds: {metric: {warn|error: {min: x, max: y}}}; a bounded level may not be
    switched off. For a distance (psi) a `max` stops a model loosening its alert level; for
    a p-value a `min` does. -#}
{% macro get_risk_tiers() %}
    {{ return(adapter.dispatch('get_risk_tiers', 'modelwatch')()) }}
{% endmacro %}

{% macro default__get_risk_tiers() %}
    {% set tiers = {
        'tier_1': {
            'description': 'high risk: decisions about customers, capital or compliance',
            'batch_grain': 'week',
            'sla_days': 8,
            'thresholds': {
                'psi': {'warn': 0.10, 'error': 0.20}},
            'threshold_bounds': {
                'psi': {'warn': {'max': 0.10}, 'error': {'max': 0.25}}}},
        'tier_2': {
            'description': 'medium risk',
            'batch_grain': 'week',
            'sla_days': 8,
            'thresholds': {
                'psi': {'warn': 0.10, 'error': 0.25}},
            'threshold_bounds': {
                'psi': {'error': {'max': 0.35}}}},
        'tier_3': {
            'description': 'low risk: internal or easily reversed decisions',
            'batch_grain': 'month',
            'sla_days': 35,
            'thresholds': {
                'psi': {'warn': 0.15, 'error': 0.35}},
            'threshold_bounds': {
                'psi': {'error': {'max': 0.50}}}},
    } %}
    {% set overrides = (var('modelwatch', {}) or {}).get('risk_tiers') or {} %}
    {% set where = 'dbt_project.yml (vars: modelwatch: risk_tiers)' %}
    {% if overrides is not mapping %}
        {{ modelwatch._registry_error(where, none, none,
            "risk_tiers must map tier names to {thresholds, threshold_bounds, batch_grain, "
            ~ "sla_days, description}") }}
    {% endif %}
    {% set merged = {} %}
    {% for name in (tiers.keys() | list) + (overrides.keys() | list) if name not in merged %}
        {% set layers = [tiers.get(name, {}), overrides.get(name, {})] %}
        {% set tier = modelwatch.resolve_config(layers) %}
        {% set bounds = {} %}
        {% for layer in layers %}
            {% for metric, levels in ((layer or {}).get('threshold_bounds') or {}).items() %}
                {% set combined = {} %}
                {% do combined.update(bounds.get(metric, {})) %}
                {% do combined.update(levels if levels is mapping else {'invalid': levels}) %}
                {% do bounds.update({metric: combined}) %}
            {% endfor %}
        {% endfor %}
        {% do tier.update({'threshold_bounds': bounds}) %}
        {{ modelwatch._validate_risk_tier(name, tier, overrides.get(name), where) }}
        {% do merged.update({name: tier}) %}
    {% endfor %}
    {{ return(merged) }}
{% endmacro %}


{% macro _validate_risk_tier(name, tier, override, where) %}
    {% set label = "risk tier '" ~ name ~ "'" %}
    {% if not modules.re.match('^[A-Za-z0-9][A-Za-z0-9_.-]*$', name | string) %}
        {{ modelwatch._registry_error(where, none, none,
            label ~ ": name tiers with letters, digits, '_', '.' or '-'") }}
    {% endif %}
    {% if override is not none %}
        {{ modelwatch._check_keys(override,
            ['description', 'threshold_bounds'] + modelwatch._config_keys(),
            where, none, none, label) }}
    {% endif %}
    {% set checked = modelwatch.resolve_config([modelwatch.get_packaged_defaults(), tier]) %}
    {% do checked.pop('threshold_bounds', none) %}
    {% do checked.pop('description', none) %}
    {{ modelwatch._validate_feature_config(checked, where ~ ', ' ~ label, none, none) }}
    {{ modelwatch._validate_model_config(checked, where ~ ', ' ~ label, none) }}
    {% set catalog = modelwatch.get_metric_catalog() %}
    {% for metric, levels in tier.threshold_bounds.items() %}
        {% if metric not in catalog %}
            {{ modelwatch._registry_error(where, none, none, label ~ ": unknown metric '" ~ metric
                ~ "' in threshold_bounds; known metrics: " ~ (catalog.keys() | sort | join(', '))) }}
        {% endif %}
        {% for level, bound in levels.items() %}
            {% if level not in ['warn', 'error'] or bound is not mapping %}
                {{ modelwatch._registry_error(where, none, none, label ~ ": threshold_bounds."
                    ~ metric ~ " must be {warn: {min: x, max: y}, error: {min: x, max: y}}") }}
            {% endif %}
            {{ modelwatch._check_keys(bound, ['min', 'max'], where, none, none,
                label ~ " threshold_bounds." ~ metric ~ "." ~ level) }}
            {% for side, value in bound.items() %}
                {% if value is boolean or value is not number %}
                    {{ modelwatch._registry_error(where, none, none, label ~ ": threshold_bounds."
                        ~ metric ~ "." ~ level ~ "." ~ side ~ " is '" ~ value ~ "'; give a number") }}
                {% endif %}
            {% endfor %}
        {% endfor %}
    {% endfor %}
{% endmacro %}
