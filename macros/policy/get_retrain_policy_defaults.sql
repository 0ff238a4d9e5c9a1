{#- The packaged retrain policy (issue #5, decision 0019): `default` for every model, then
    per risk tier. Layers, lowest first: default < the model's risk tier < the model's
    `retrain_policy:` registry entry (merged by modelwatch.resolve_config).
    Keys: persistence ('<k> of <n>': drift in k of the last n usable batches), hysteresis
    (fire at the error threshold, clear below the warning one), cooldown_days,
    budget_per_quarter (false: no budget), quality_gate (never retrain on a batch that failed
    a blocking data-quality check). Riskier tiers get a smaller automatic budget: beyond it a
    person decides. -#}
{% macro get_retrain_policy_defaults() %}
    {{ return(adapter.dispatch('get_retrain_policy_defaults', 'modelwatch')()) }}
{% endmacro %}

{% macro default__get_retrain_policy_defaults() %}
    {{ return({
        'default': {
            'persistence': '2 of 3',
            'hysteresis': true,
            'cooldown_days': 28,
            'budget_per_quarter': 2,
            'quality_gate': true,
        },
        'tier_1': {'budget_per_quarter': 2},
        'tier_2': {'budget_per_quarter': 3},
        'tier_3': {'budget_per_quarter': 4},
    }) }}
{% endmacro %}


{#- A model's resolved retrain policy; a bad key or value is a registry error naming the
    file, the model, the key and the fix. -#}
{% macro _resolve_retrain_policy(spec, risk_tier, file_path, model_id) %}
    {% set defaults = modelwatch.get_retrain_policy_defaults() %}
    {% set allowed = ['persistence', 'hysteresis', 'cooldown_days', 'budget_per_quarter',
        'quality_gate'] %}
    {% if spec is not none %}
        {{ modelwatch._check_keys(spec, allowed, file_path, model_id, none, 'retrain_policy') }}
    {% endif %}
    {% set policy = modelwatch.resolve_config([
        defaults['default'], defaults.get(risk_tier, {}) if risk_tier else {}, spec or {}]) %}
    {% set match = modules.re.match('^\\s*(\\d+)\\s+of\\s+(\\d+)\\s*$', policy.persistence | string) %}
    {% if match is none or (match.group(1) | int) < 1
        or (match.group(1) | int) > (match.group(2) | int) %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "retrain_policy.persistence is '" ~ policy.persistence ~ "'; write '<k> of <n>' "
            ~ "with 1 <= k <= n, e.g. persistence: 2 of 3 (drift in 2 of the last 3 batches)") }}
    {% endif %}
    {% for key in ['hysteresis', 'quality_gate'] %}
        {% if policy[key] is not boolean %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "retrain_policy." ~ key ~ " is '" ~ policy[key] ~ "'; write true or false") }}
        {% endif %}
    {% endfor %}
    {% set cooldown = policy.cooldown_days %}
    {% if cooldown is boolean or cooldown is not number or cooldown != cooldown | int or cooldown < 0 %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "retrain_policy.cooldown_days is '" ~ cooldown ~ "'; give a whole number of days, "
            ~ "at least 0 (default 28)") }}
    {% endif %}
    {% set budget = policy.budget_per_quarter %}
    {% if not (budget is boolean and not budget)
        and (budget is boolean or budget is not number or budget != budget | int or budget < 0) %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "retrain_policy.budget_per_quarter is '" ~ budget ~ "'; give a whole number of "
            ~ "requests per quarter (beyond it a person is asked), or false for no budget") }}
    {% endif %}
    {{ return({
        'persistence_k': match.group(1) | int,
        'persistence_n': match.group(2) | int,
        'hysteresis': policy.hysteresis,
        'cooldown_days': cooldown | int,
        'budget_per_quarter': none if budget is boolean else budget | int,
        'quality_gate': policy.quality_gate,
        'risk_tier': risk_tier,
    }) }}
{% endmacro %}
