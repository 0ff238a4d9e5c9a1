{#- The `multivariate:` block of one registry entry, validated and resolved (private helper of
    get_registry). Keys, all optional:
      enabled     true / false (default: on when the check has at least two numeric columns)
      features    the numeric columns it looks at, by name (default: every numeric feature,
                  the score left out)
      dimensions  random Fourier features D (default 100)
      bandwidth   Gaussian kernel bandwidth on standardised data (default sqrt(p), p the
                  number of features: the median heuristic, docs/multivariate-drift.md)
      seed        seed of the frequencies (default 0)
      thresholds  {mmd: {warn, error}, mmd_pvalue: {warn, error}} over the model's own
    Its figures land in fct_feature_drift under the feature name `_multivariate`. -#}
{% macro _resolve_multivariate(spec, model_config, features, file_path, model_id, reference_id) %}
    {%- set where = '_multivariate' -%}
    {%- set spec = {} if spec is none else spec -%}
    {%- if spec is boolean -%}
        {%- set spec = {'enabled': spec} -%}
    {%- endif -%}
    {{ modelwatch._check_keys(spec, ['enabled', 'features', 'dimensions', 'bandwidth', 'seed',
        'thresholds'], file_path, model_id, none, 'multivariate') }}
    {%- set numeric = features | selectattr('kind', 'equalto', 'numeric') | list -%}
    {%- set chosen = [] -%}
    {%- if spec.get('features') is none -%}
        {%- for feature in numeric if feature.role == 'feature' -%}
            {%- do chosen.append(feature) -%}
        {%- endfor -%}
    {%- else -%}
        {%- set names = spec.get('features') -%}
        {%- if names is string or names is mapping or names | length == 0 -%}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "multivariate.features must be a list of numeric column names, "
                ~ "e.g. features: [income, debt_to_income]") }}
        {%- endif -%}
        {%- for name in names -%}
            {%- set matches = numeric | selectattr('name', 'equalto', name) | list -%}
            {%- if matches | length == 0 -%}
                {{ modelwatch._registry_error(file_path, model_id, name,
                    "multivariate.features names '" ~ name ~ "', which is not a declared "
                    ~ "numeric feature or the score; numeric columns: "
                    ~ (numeric | map(attribute='name') | join(', '))) }}
            {%- endif -%}
            {%- if matches[0] not in chosen -%}
                {%- do chosen.append(matches[0]) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set enabled = spec.get('enabled', chosen | length >= 2) -%}
    {%- if enabled is not boolean -%}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "multivariate.enabled is '" ~ enabled ~ "'; write true or false") }}
    {%- endif -%}
    {%- if enabled and chosen | length < 2 -%}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "multivariate is enabled but has " ~ chosen | length ~ " numeric column(s); it "
            ~ "needs at least two (declare more numeric features, or set multivariate: "
            ~ "{enabled: false})") }}
    {%- endif -%}
    {%- if enabled and features | selectattr('name', 'equalto', where) | list | length > 0 -%}
        {{ modelwatch._registry_error(file_path, model_id, where,
            "a column named _multivariate clashes with the multivariate check's figures; "
            ~ "rename the column or set multivariate: {enabled: false}") }}
    {%- endif -%}
    {%- set dimensions = spec.get('dimensions', 100) -%}
    {%- if dimensions is boolean or dimensions is not number or dimensions != dimensions | int
        or dimensions < 1 or dimensions > 1000 -%}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "multivariate.dimensions is '" ~ dimensions ~ "'; give a whole number from 1 to "
            ~ "1000 (default 100)") }}
    {%- endif -%}
    {%- set bandwidth = spec.get('bandwidth', (chosen | length) ** 0.5) -%}
    {%- if bandwidth is boolean or bandwidth is not number or bandwidth <= 0 -%}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "multivariate.bandwidth is '" ~ bandwidth ~ "'; give a positive number, in "
            ~ "standard deviations (default: the square root of the number of features)") }}
    {%- endif -%}
    {%- set seed = spec.get('seed', 0) -%}
    {%- if seed is boolean or seed is not number or seed != seed | int or seed < 0 -%}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "multivariate.seed is '" ~ seed ~ "'; give a whole number of at least 0") }}
    {%- endif -%}
    {%- set threshold_layer = spec.get('thresholds', {}) -%}
    {%- if threshold_layer is not mapping -%}
        {{ modelwatch._registry_error(file_path, model_id, where,
            "multivariate.thresholds must map mmd / mmd_pvalue to {warn: <number>, error: <number>}") }}
    {%- endif -%}
    {%- for metric in threshold_layer if metric not in ['mmd', 'mmd_pvalue'] -%}
        {{ modelwatch._registry_error(file_path, model_id, where,
            "multivariate.thresholds has '" ~ metric ~ "'; the multivariate check has the "
            ~ "metrics mmd and mmd_pvalue") }}
    {%- endfor -%}
    {%- set resolved = modelwatch.resolve_config([model_config, {'thresholds': threshold_layer}]) -%}
    {{ modelwatch._validate_feature_config(resolved, file_path, model_id, where) }}
    {%- set identity = {
        'reference_id': reference_id,
        'features': chosen | map(attribute='name') | list,
        'dimensions': dimensions | int,
        'bandwidth': bandwidth | float,
        'seed': seed | int} -%}
    {{ return({
        'enabled': enabled,
        'feature_name': where,
        'features': chosen | map(attribute='name') | list,
        'slots': chosen | map(attribute='slot') | list,
        'dimensions': dimensions | int,
        'bandwidth': bandwidth | float,
        'seed': seed | int,
        'embedding_id': local_md5(tojson(identity, sort_keys=true))[:12],
        'min_batch_size': resolved.min_batch_size,
        'thresholds': resolved.thresholds,
    }) }}
{% endmacro %}
