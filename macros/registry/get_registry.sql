{#- The registry of monitored models.

    A monitored model is declared once, under `meta: modelwatch:` of the dbt source table that
    holds its prediction log (see README "Put your own model under monitoring"). This macro
    reads every such source from the graph, validates it and returns one resolved entry per
    model, sorted by model_id: every default filled in, every threshold resolved through the
    layers (packaged < var `modelwatch` < risk tier < business unit < model < feature;
    decision 0013), every column quoted for the adapter. All models and tests read the
    registry through here and nowhere else.

    A business unit's defaults live in the source-level `config.meta.modelwatch_business_unit`
    of its registry file ({name: <unit>, <config keys>}); the inventory keys (validator,
    risk_tier, lifecycle_stage, dates, production_version, retrain_policy, labels) are
    validated here and carried into dim_monitored_models.

    Structural errors (unknown key, unknown kind, bad threshold…) raise a compiler error that
    names the YAML file, the model and the key. Columns and types are checked against the
    warehouse by `modelwatch.validate_registry`, which runs before anything is built. -#}
{% macro get_registry() %}
    {#- resolved once per invocation, not once per node (modelwatch._invocation_memo) -#}
    {% set memo = modelwatch._invocation_memo('registry') %}
    {% if memo is none %}
        {{ return(adapter.dispatch('get_registry', 'modelwatch')()) }}
    {% endif %}
    {% if 'entries' not in memo %}
        {% do memo.update({'entries': adapter.dispatch('get_registry', 'modelwatch')()}) %}
    {% endif %}
    {{ return(memo['entries']) }}
{% endmacro %}

{% macro default__get_registry() %}
    {% if not execute %}
        {{ return([]) }}
    {% endif %}
    {% set entries = [] %}
    {% set seen_ids = {} %}
    {% set layers = {
        'business_units': modelwatch._business_unit_layers(),
        'risk_tiers': modelwatch.get_risk_tiers()} %}
    {% for node in graph.sources.values() %}
        {% set node_meta = node.get('config', {}).get('meta', {}) or {} %}
        {% set spec = node_meta.get('modelwatch') or (node.get('meta', {}) or {}).get('modelwatch') %}
        {% if spec is not none %}
            {% set entry = modelwatch._resolve_registry_entry(node, spec, layers) %}
            {% if entry.model_id in seen_ids %}
                {{ modelwatch._registry_error(
                    node.original_file_path, entry.model_id, none,
                    "model_id is declared twice (also in " ~ seen_ids[entry.model_id]
                    ~ "); every monitored model needs its own model_id") }}
            {% endif %}
            {% do seen_ids.update({entry.model_id: node.original_file_path}) %}
            {% do entries.append(entry) %}
        {% endif %}
    {% endfor %}
    {{ return(entries | sort(attribute='model_id')) }}
{% endmacro %}


{% macro _registry_error(file_path, model_id, feature_name, message) %}
    {% set where = "modelwatch registry error in " ~ file_path %}
    {% if model_id is not none %}
        {% set where = where ~ ", model '" ~ model_id ~ "'" %}
    {% endif %}
    {% if feature_name is not none %}
        {% set where = where ~ ", feature '" ~ feature_name ~ "'" %}
    {% endif %}
    {{ exceptions.raise_compiler_error(where ~ ": " ~ message) }}
{% endmacro %}


{% macro _check_keys(spec, allowed, file_path, model_id, feature_name, what) %}
    {% if spec is not mapping %}
        {{ modelwatch._registry_error(file_path, model_id, feature_name,
            what ~ " must be a mapping of keys to values, got: " ~ spec) }}
    {% endif %}
    {% for key in spec %}
        {% if key not in allowed %}
            {{ modelwatch._registry_error(file_path, model_id, feature_name,
                "unknown key '" ~ key ~ "' in " ~ what ~ "; allowed keys: "
                ~ (allowed | sort | join(', '))) }}
        {% endif %}
    {% endfor %}
{% endmacro %}


{% macro _require_text(spec, key, file_path, model_id, hint) %}
    {% set value = spec.get(key) %}
    {% if value is none or value is not string or value | trim == '' %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "'" ~ key ~ "' is missing or empty; " ~ hint) }}
    {% endif %}
    {{ return(value | trim) }}
{% endmacro %}


{#- The keys a configuration layer (project var, risk tier, business unit, model) may set;
    features set only those of feature_keys in _resolve_registry_entry. -#}
{% macro _config_keys() %}
    {{ return(['bins', 'min_batch_size', 'psi_epsilon', 'js_log_base', 'thresholds',
        'ecdf_method', 'retrain_window_days', 'multiple_testing', 'batch_grain', 'sla_days', 'data_quality',
        'methods', 'learned_thresholds']) }}
{% endmacro %}


{#- The business units' default layers, by name: {name: {'file', 'source', 'layer'}}, from the
    source-level `config.meta.modelwatch_business_unit` blocks (dbt hands a source's own meta
    to every table node as `source_meta`). A unit declared twice must say the same thing. -#}
{% macro _business_unit_layers() %}
    {% set units = {} %}
    {% set allowed = ['name', 'description'] + modelwatch._config_keys() %}
    {% for node in graph.sources.values() %}
        {% set block = (node.get('source_meta') or {}).get('modelwatch_business_unit') %}
        {% set file_path = node.original_file_path %}
        {% set table_block = ((node.get('config') or {}).get('meta') or {}).get(
            'modelwatch_business_unit') %}
        {% if table_block is not none and table_block != block %}
            {{ modelwatch._registry_error(file_path, none, none,
                "modelwatch_business_unit is set on table " ~ node.source_name ~ "." ~ node.name
                ~ "; declare a business unit's defaults once, in the source-level config.meta "
                ~ "of its registry file") }}
        {% endif %}
        {% if block is not none %}
            {% set where = "the modelwatch_business_unit block of source " ~ node.source_name %}
            {{ modelwatch._check_keys(block, allowed, file_path, none, none, where) }}
            {% set name = block.get('name') %}
            {% if name is not string or not modules.re.match('^[A-Za-z0-9][A-Za-z0-9_.-]*$', name) %}
                {{ modelwatch._registry_error(file_path, none, none, where ~ " has name '" ~ name
                    ~ "'; name the business unit (name: retail_credit)") }}
            {% endif %}
            {% set layer = {} %}
            {% for key, value in block.items() if key not in ['name', 'description'] %}
                {% do layer.update({key: value}) %}
            {% endfor %}
            {% set checked = modelwatch.resolve_config([modelwatch.get_packaged_defaults(), layer]) %}
            {% set label = file_path ~ " (business unit '" ~ name ~ "')" %}
            {{ modelwatch._validate_feature_config(checked, label, none, none) }}
            {{ modelwatch._validate_model_config(checked, label, none) }}
            {% set known = units.get(name) %}
            {% if known is none %}
                {% do units.update({name: {
                    'file': file_path, 'source': node.source_name,
                    'description': block.get('description'), 'layer': layer}}) %}
            {% elif known.layer != layer or known.description != block.get('description') %}
                {% if not (known.file == file_path and known.source == node.source_name) %}
                    {{ modelwatch._registry_error(file_path, none, none,
                        "business unit '" ~ name ~ "' is declared in " ~ where ~ " and, differently, "
                        ~ "in source " ~ known.source ~ " of " ~ known.file ~ " (" ~ known.layer
                        ~ " vs " ~ layer ~ "); keep one declaration of its defaults, or make "
                        ~ "them identical") }}
                {% endif %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {{ return(units) }}
{% endmacro %}


{#- Model-level settings a layer may set: batch_grain (the monitoring frequency) and sla_days
    (how old the newest monitored batch may be, checked by governance). -#}
{% macro _validate_model_config(config, file_path, model_id) %}
    {% if config.get('batch_grain') not in ['day', 'week', 'month'] %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "batch_grain '" ~ config.get('batch_grain') ~ "' is not supported; use day, week or month") }}
    {% endif %}
    {% set sla = config.get('sla_days') %}
    {% if sla is not none and (sla is boolean or sla is not number or sla != sla | int or sla < 1) %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "sla_days is '" ~ sla ~ "'; give a whole number of days of at least 1 (how old the "
            ~ "newest monitored batch may be)") }}
    {% endif %}
{% endmacro %}


{#- An inventory date as 'YYYY-MM-DD' (YAML may hand an unquoted date over as a date), or a
    registry error naming the key. -#}
{% macro _inventory_date(spec, key, file_path, model_id) %}
    {% set value = spec.get(key) %}
    {% if value is none %}
        {{ return(none) }}
    {% endif %}
    {% set text = value | string %}
    {% if not modules.re.match('^\\d{4}-\\d{2}-\\d{2}$', text)
        or modelwatch._parse_window_bound(text) is none %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            key ~ " is '" ~ value ~ "'; write a real date as 'YYYY-MM-DD'") }}
    {% endif %}
    {{ return(text) }}
{% endmacro %}


{#- An optional inventory text; numbers (a version 2) are taken as text. -#}
{% macro _optional_text(spec, key, file_path, model_id) %}
    {% set value = spec.get(key) %}
    {% if value is none %}
        {{ return(none) }}
    {% endif %}
    {% if value is boolean or value is mapping or (value is iterable and value is not string)
        or value | string | trim == '' %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            key ~ " is '" ~ value ~ "'; give a text (or leave the key out)") }}
    {% endif %}
    {{ return(value | string | trim) }}
{% endmacro %}


{% macro _resolve_registry_entry(node, spec, layers) %}
    {% set file_path = node.original_file_path %}
    {% set source_label = node.source_name ~ '.' ~ node.name %}
    {% set feature_keys = [
        'bins', 'min_batch_size', 'psi_epsilon', 'js_log_base', 'thresholds', 'methods',
        'ecdf_method'] %}
    {% set config_keys = modelwatch._config_keys() %}
    {% set inventory_keys = [
        'purpose', 'validator', 'risk_tier', 'lifecycle_stage', 'deployment_date',
        'last_validation_date', 'production_version', 'retrain_policy', 'label_source',
        'label_delay_days'] %}
    {% set model_keys = [
        'model_id', 'owner', 'business_unit', 'description', 'timestamp_column', 'batch',
        'prediction_id_column', 'model_version_column', 'score_column', 'score', 'reference',
        'references',
        'features', 'multivariate', 'segments'] + inventory_keys + config_keys %}
    {% if spec is not mapping %}
        {{ modelwatch._registry_error(file_path, none, none,
            "meta.modelwatch of source " ~ source_label ~ " must be a mapping (model_id, owner, …)") }}
    {% endif %}
    {% set model_id = spec.get('model_id') %}
    {% if model_id is none or model_id is not string
        or not modules.re.match('^[A-Za-z0-9][A-Za-z0-9_.-]*$', model_id) %}
        {{ modelwatch._registry_error(file_path, none, none,
            "source " ~ source_label ~ " has model_id '" ~ model_id
            ~ "'; give a model_id made of letters, digits, '_', '.' or '-'") }}
    {% endif %}
    {{ modelwatch._check_keys(spec, model_keys, file_path, model_id, none, 'the model entry') }}

    {% set owner = modelwatch._require_text(spec, 'owner', file_path, model_id,
        "name the team or person who owns the model (owner: risk-analytics@example.com)") %}
    {#- a model in a file whose source declares a business unit belongs to it unless it says
        otherwise -#}
    {% set source_unit = ((node.get('source_meta') or {}).get('modelwatch_business_unit') or {}) %}
    {% if spec.get('business_unit') is none and source_unit.get('name') is not none %}
        {% set business_unit = source_unit.get('name') %}
    {% else %}
        {% set business_unit = modelwatch._require_text(spec, 'business_unit', file_path, model_id,
            "name the business unit the model serves (business_unit: retail_credit), or declare "
            ~ "it for the whole file as a source-level config.meta.modelwatch_business_unit") %}
    {% endif %}

    {#- inventory (model risk management) -#}
    {% set lifecycle_stage = spec.get('lifecycle_stage', 'development') %}
    {% if lifecycle_stage not in ['development', 'production', 'retired'] %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "lifecycle_stage is '" ~ lifecycle_stage ~ "'; use development, production or retired") }}
    {% endif %}
    {% set risk_tier = spec.get('risk_tier') %}
    {% if risk_tier is not none and risk_tier not in layers.risk_tiers %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "risk_tier is '" ~ risk_tier ~ "'; use one of the tiers defined: "
            ~ (layers.risk_tiers.keys() | sort | join(', '))
            ~ " (or define it under vars: modelwatch: risk_tiers)") }}
    {% endif %}
    {% set label_delay_days = spec.get('label_delay_days') %}
    {% if label_delay_days is not none and (label_delay_days is boolean
        or label_delay_days is not number or label_delay_days != label_delay_days | int
        or label_delay_days < 0) %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "label_delay_days is '" ~ label_delay_days ~ "'; give the whole number of days "
            ~ "until a prediction's outcome is known (0 or more)") }}
    {% endif %}
    {% set inventory = {
        'purpose': modelwatch._optional_text(spec, 'purpose', file_path, model_id),
        'validator': modelwatch._optional_text(spec, 'validator', file_path, model_id),
        'risk_tier': risk_tier,
        'lifecycle_stage': lifecycle_stage,
        'deployment_date': modelwatch._inventory_date(spec, 'deployment_date', file_path, model_id),
        'last_validation_date': modelwatch._inventory_date(
            spec, 'last_validation_date', file_path, model_id),
        'production_version': modelwatch._optional_text(
            spec, 'production_version', file_path, model_id),
        'label_source': modelwatch._optional_text(spec, 'label_source', file_path, model_id),
        'label_delay_days': label_delay_days} %}
    {% set timestamp_column = modelwatch._require_text(spec, 'timestamp_column', file_path, model_id,
        "name the column holding when each prediction was made") %}
    {% set prediction_id_column = modelwatch._require_text(spec, 'prediction_id_column', file_path,
        model_id, "name the column that identifies each logged prediction") %}

    {#- layered configuration: packaged < var < risk tier < business unit < model -#}
    {% set project_vars = var('modelwatch', {}) or {} %}
    {{ modelwatch._check_keys(project_vars, config_keys + ['risk_tiers'], 'dbt_project.yml (vars)',
        none, none, "var 'modelwatch'") }}
    {% set project_layer = {} %}
    {% for key, value in project_vars.items() if key != 'risk_tiers' %}
        {% do project_layer.update({key: value}) %}
    {% endfor %}
    {% set tier_layer = {} %}
    {% for key, value in (layers.risk_tiers.get(risk_tier) or {}).items()
        if key not in ['description', 'threshold_bounds'] %}
        {% do tier_layer.update({key: value}) %}
    {% endfor %}
    {% set unit_layer = (layers.business_units.get(business_unit) or {}).get('layer', {}) %}
    {% set model_layer = {} %}
    {% for key in config_keys %}
        {% if key in spec %}
            {% do model_layer.update({key: spec[key]}) %}
        {% endif %}
    {% endfor %}
    {% set model_config = modelwatch.resolve_config([
        modelwatch.get_packaged_defaults(), project_layer, tier_layer, unit_layer, model_layer]) %}
    {{ modelwatch._validate_model_config(model_config, file_path, model_id) }}
    {% set data_quality = modelwatch._resolve_data_quality([
        modelwatch.get_packaged_defaults().data_quality, project_layer.get('data_quality'),
        tier_layer.get('data_quality'), unit_layer.get('data_quality'),
        model_layer.get('data_quality')], file_path, model_id) %}
    {% do model_config.update({'data_quality': data_quality}) %}

    {#- batch grain -#}
    {% set batch = spec.get('batch', {'grain': model_config.batch_grain}) %}
    {% if batch is string %}
        {% set batch = {'grain': batch} %}
    {% endif %}
    {{ modelwatch._check_keys(batch, ['grain', 'column'], file_path, model_id, none, 'batch') }}
    {% if batch.get('column') is not none and batch.get('grain') is not none %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "batch has both 'grain' and 'column'; give one: grain: week, or column: <batch column>") }}
    {% endif %}
    {% set batch_column = batch.get('column') %}
    {% set batch_grain = none if batch_column is not none else batch.get('grain', model_config.batch_grain) %}
    {% if batch_grain is not none and batch_grain not in ['day', 'week', 'month'] %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "batch grain '" ~ batch_grain ~ "' is not supported; use day, week or month, "
            ~ "or column: <batch column>") }}
    {% endif %}

    {#- how old the newest batch may be: set, or one batch period and a day -#}
    {% set sla_days = model_config.get('sla_days') %}
    {% if sla_days is none %}
        {% set sla_days = {'day': 2, 'week': 8, 'month': 32}.get(batch_grain, 8) %}
    {% endif %}

    {#- features, the score first -#}
    {% set raw_features = [] %}
    {% set score = spec.get('score') %}
    {% if score is none and spec.get('score_column') is not none %}
        {% set score = {'column': spec.get('score_column')} %}
    {% elif score is not none and spec.get('score_column') is not none %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "give the score either as score_column: <col> or as score: {column: <col>, …}, not both") }}
    {% endif %}
    {% if score is none %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "score_column is missing; name the column that holds the model's output") }}
    {% endif %}
    {{ modelwatch._check_keys(score, ['column'] + feature_keys,
        file_path, model_id, none, 'score') }}
    {% set score_feature = {'name': score.get('column'), 'kind': 'numeric', 'role': 'score'} %}
    {% do score_feature.update(score) %}
    {% do score_feature.pop('column') %}
    {% do raw_features.append(score_feature) %}

    {% set declared = spec.get('features') %}
    {% if declared is none or declared is string or declared is mapping or declared | length == 0 %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "features must be a non-empty list of {name: <column>, kind: numeric|categorical}") }}
    {% endif %}
    {% for feature in declared %}
        {% if feature is string %}
            {{ modelwatch._registry_error(file_path, model_id, feature,
                "each feature needs a kind: write {name: " ~ feature ~ ", kind: numeric} "
                ~ "or kind: categorical") }}
        {% endif %}
        {{ modelwatch._check_keys(feature,
            ['name', 'kind', 'description'] + feature_keys,
            file_path, model_id, feature.get('name') if feature is mapping else none, 'a feature') }}
        {% set with_role = {'role': 'feature'} %}
        {% do with_role.update(feature) %}
        {% do raw_features.append(with_role) %}
    {% endfor %}

    {% set features = [] %}
    {% set seen_names = [] %}
    {% set slot_counts = {'numeric': 0, 'categorical': 0} %}
    {#- fix: the model's own layer is checked before the features inherit it; checked after,
        a bad model-level threshold was reported against the first feature (the score). -#}
    {{ modelwatch._validate_feature_config(model_config, file_path, model_id, none) }}
    {% for feature in raw_features %}
        {% set name = feature.get('name') %}
        {% if name is none or name is not string or name | trim == '' %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "a feature has no name; give the column name as name: <column>") }}
        {% endif %}
        {% if name | lower in seen_names %}
            {{ modelwatch._registry_error(file_path, model_id, name,
                "column is declared twice (names are compared case-insensitively; "
                ~ "the score column may not also be a feature)") }}
        {% endif %}
        {% do seen_names.append(name | lower) %}
        {% set kind = feature.get('kind') %}
        {% if kind not in ['numeric', 'categorical'] %}
            {{ modelwatch._registry_error(file_path, model_id, name,
                "unknown kind '" ~ kind ~ "'; use kind: numeric or kind: categorical") }}
        {% endif %}
        {% set feature_layer = {} %}
        {% for key in feature_keys %}
            {% if key in feature %}
                {% do feature_layer.update({key: feature[key]}) %}
            {% endif %}
        {% endfor %}
        {% set resolved = modelwatch.resolve_config([model_config, feature_layer]) %}
        {{ modelwatch._validate_feature_config(resolved, file_path, model_id, name) }}
        {#- which metrics are in force, and why (decision 0008): the registry's own layers
            (everything above the packaged defaults) decide before the default table -#}
        {#- the risk tier's levels are packaged-like defaults: they set levels, not what is in
            force (decision 0008) -#}
        {% set registry_layers = modelwatch.resolve_config(
            [project_layer, unit_layer, model_layer, feature_layer]) %}
        {% set threshold_sources = modelwatch._threshold_sources(
            resolved, registry_layers.thresholds, kind, 'methods' in feature_layer,
            file_path, model_id, name) %}
        {% do slot_counts.update({kind: slot_counts[kind] + 1}) %}
        {% set slot = ('num_' if kind == 'numeric' else 'cat_') ~ '%02d' % slot_counts[kind] %}
        {% do features.append({
            'name': name,
            'column': name,
            'quoted_column': adapter.quote(name),
            'kind': kind,
            'role': feature.get('role'),
            'description': feature.get('description', ''),
            'slot': slot,
            'bins': resolved.bins,
            'min_batch_size': resolved.min_batch_size,
            'psi_epsilon': resolved.psi_epsilon,
            'js_log_base': resolved.js_log_base,
            'ecdf_method': resolved.ecdf_method,
            'thresholds': resolved.thresholds,
            'methods': resolved.methods,
            'threshold_sources': threshold_sources,
        }) %}
    {% endfor %}

    {#- thresholds learned from the reference (decision 0009): the settings, when any level
        is `auto` or a registry layer sets learned_thresholds -#}
    {% set learned = modelwatch._learned_settings(
        model_config, 'learned_thresholds' in model_layer or 'learned_thresholds' in project_layer,
        features, file_path, model_id) %}

    {#- the reference -#}
    {% set reference = spec.get('reference') %}
    {% if reference is not mapping %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "reference is missing; give a window of the same log, reference: {window: "
            ~ "{start: '2026-01-05', end: '2026-03-02'}}, or a table, reference: {source: "
            ~ "<source_name>.<table_name>}") }}
    {% endif %}
    {% set reference_resolved = modelwatch._resolve_reference(
        reference, [], 'reference', file_path, model_id) %}

    {% set model_version_column = spec.get('model_version_column') %}
    {% set identity = {
        'model_id': model_id,
        'reference': reference_resolved,
        'features': features | map(attribute='name') | list,
        'kinds': features | map(attribute='kind') | list,
        'bins': features | map(attribute='bins') | list} %}
    {% set reference_id = local_md5(tojson(identity, sort_keys=true))[:12] %}
    {#- per-version references (decision 0015): one more frozen reference per listed
        model_version; none declared leaves the entry as it was -#}
    {% set version_references = modelwatch._resolve_version_references(
        spec.get('references'), model_version_column, identity, file_path, model_id) %}
    {% set multivariate = modelwatch._resolve_multivariate(
        spec.get('multivariate'), model_config, features, file_path, model_id, reference_id) %}
    {% if multivariate.enabled and version_references %}
        {#- one embedding per reference version: the frequencies are the same, the reference
            moments and mean embedding are the version's own -#}
        {% set embedding_ids = {reference_id: multivariate.embedding_id} %}
        {% for version in version_references %}
            {% do embedding_ids.update({version.reference_id: modelwatch._resolve_multivariate(
                spec.get('multivariate'), model_config, features, file_path, model_id,
                version.reference_id).embedding_id}) %}
        {% endfor %}
        {% do multivariate.update({'embedding_ids': embedding_ids}) %}
    {% endif %}
    {% set segments = modelwatch._resolve_segments(spec.get('segments'), file_path, model_id) %}
    {#- segment keys only when `segments:` is declared: an entry without them (and its audit
        hash) is unchanged (decision 0011) -#}
    {% set segment_keys = {} if not segments else {
        'segments': segments,
        'segmentation_id': local_md5(tojson(modelwatch._segmentation_identity(
            reference_id, version_references, segments)))[:12],
        'segment_thresholds': modelwatch._segment_thresholds(model_config,
            modelwatch.resolve_config([project_layer, unit_layer, model_layer]).get('thresholds')
            or {})} %}
    {% set resolved_entry = {
        'model_id': model_id,
        'owner': owner,
        'business_unit': business_unit,
        'description': spec.get('description', node.get('description', '')) or '',
        'source_name': node.source_name,
        'table_name': node.name,
        'source_database': node.database,
        'source_schema': node.schema,
        'source_identifier': node.identifier,
        'registry_file': file_path,
        'timestamp_column': timestamp_column,
        'batch_grain': batch_grain,
        'batch_column': batch_column,
        'prediction_id_column': prediction_id_column,
        'model_version_column': model_version_column,
        'reference': reference_resolved,
        'reference_id': reference_id,
        'reference_key': model_id ~ '|' ~ reference_id,
        'retrain_window_days': model_config.retrain_window_days,
        'multiple_testing': model_config.multiple_testing,
        'data_quality': data_quality,
        'learned_thresholds': learned,
        'features': features,
        'retrain_policy': modelwatch._resolve_retrain_policy(
            spec.get('retrain_policy'), spec.get('risk_tier'), file_path, model_id),
        'purpose': inventory.purpose or spec.get('description', node.get('description', '')) or '',
        'validator': inventory.validator,
        'risk_tier': inventory.risk_tier,
        'lifecycle_stage': inventory.lifecycle_stage,
        'deployment_date': inventory.deployment_date,
        'last_validation_date': inventory.last_validation_date,
        'production_version': inventory.production_version,
        'label_source': inventory.label_source,
        'label_delay_days': inventory.label_delay_days,
        'sla_days': sla_days,
        'resolved_config': model_config,
        'multivariate': multivariate,
    } %}
    {% do resolved_entry.update(segment_keys) %}
    {% if version_references %}
        {% do resolved_entry.update({'references': version_references}) %}
    {% endif %}
    {% do return(resolved_entry) %}
{% endmacro %}


{% macro _validate_feature_config(config, file_path, model_id, feature_name) %}
    {% set catalog = modelwatch.get_metric_catalog() %}
    {% for key in ['bins', 'min_batch_size', 'retrain_window_days'] %}
        {% set value = config.get(key) %}
        {% if key in config and (value is none or value is boolean or value is not number
            or value != value | int or value < (2 if key == 'bins' else 1)) %}
            {{ modelwatch._registry_error(file_path, model_id, feature_name,
                key ~ " is '" ~ value ~ "'; give a whole number of at least "
                ~ (2 if key == 'bins' else 1)) }}
        {% endif %}
    {% endfor %}
    {% set epsilon = config.get('psi_epsilon') %}
    {% if epsilon is none or epsilon is boolean or epsilon is not number
        or epsilon <= 0 or epsilon >= 0.01 %}
        {{ modelwatch._registry_error(file_path, model_id, feature_name,
            "psi_epsilon is '" ~ epsilon ~ "'; give a small positive number below 0.01 "
            ~ "(default 0.0001)") }}
    {% endif %}
    {% if config.get('multiple_testing', 'none') not in ['none', 'bonferroni', 'benjamini_hochberg'] %}
        {{ modelwatch._registry_error(file_path, model_id, feature_name,
            "multiple_testing is '" ~ config.get('multiple_testing')
            ~ "'; use none, bonferroni or benjamini_hochberg") }}
    {% endif %}
    {% set methods = config.get('methods') %}
    {% if methods is not none and (methods is string or methods is mapping
        or methods is not iterable or methods | length == 0) %}
        {{ modelwatch._registry_error(file_path, model_id, feature_name,
            "methods is '" ~ methods ~ "'; give a non-empty list of metrics, e.g. methods: "
            ~ "[psi, wasserstein_normed]; allowed names: " ~ (catalog.keys() | sort | join(', '))) }}
    {% endif %}
    {% for method in (methods or []) if method not in catalog %}
        {{ modelwatch._registry_error(file_path, model_id, feature_name,
            "unknown method '" ~ method ~ "' in methods; allowed names: "
            ~ (catalog.keys() | sort | join(', '))) }}
    {% endfor %}
    {% if config.get('ecdf_method', 'lookup') not in ['lookup', 'merge'] %}
        {{ modelwatch._registry_error(file_path, model_id, feature_name,
            "ecdf_method is '" ~ config.get('ecdf_method') ~ "'; use lookup (KS and "
            ~ "Wasserstein from the frozen reference ECDF, the default) or merge (the batch "
            ~ "merged with the whole reference: less memory for batches as large as the "
            ~ "reference; docs/decisions/0021-ecdf-asof.md)") }}
    {% endif %}
    {% set log_base = config.get('js_log_base', 2) %}
    {% if log_base is none or log_base is boolean or log_base is not number or log_base <= 1 %}
        {{ modelwatch._registry_error(file_path, model_id, feature_name,
            "js_log_base is '" ~ log_base ~ "'; give a logarithm base above 1 (default 2)") }}
    {% endif %}
    {% set thresholds = config.get('thresholds') %}
    {% if thresholds is not mapping %}
        {{ modelwatch._registry_error(file_path, model_id, feature_name,
            "thresholds must map metric names to {warn: <number>, error: <number>}") }}
    {% endif %}
    {% for metric, levels in thresholds.items() %}
        {% if metric not in catalog %}
            {{ modelwatch._registry_error(file_path, model_id, feature_name,
                "unknown metric '" ~ metric ~ "' in thresholds; known metrics: "
                ~ (catalog.keys() | sort | join(', '))) }}
        {% endif %}
        {% if levels is not mapping %}
            {{ modelwatch._registry_error(file_path, model_id, feature_name,
                "thresholds." ~ metric ~ " must be {warn: <number>, error: <number>}") }}
        {% endif %}
        {% for level, value in levels.items() %}
            {% if level not in ['warn', 'error'] %}
                {{ modelwatch._registry_error(file_path, model_id, feature_name,
                    "unknown level '" ~ level ~ "' in thresholds." ~ metric ~ "; use warn and error") }}
            {% endif %}
            {% if value is none %}
                {{ modelwatch._registry_error(file_path, model_id, feature_name,
                    "threshold " ~ metric ~ "." ~ level ~ " is empty; give a number, "
                    ~ "or false to switch this level off") }}
            {% endif %}
            {% if value == 'auto' and metric not in modelwatch._learnable_metrics() %}
                {{ modelwatch._registry_error(file_path, model_id, feature_name,
                    "threshold " ~ metric ~ "." ~ level ~ " is 'auto', but levels are learned "
                    ~ "only for the per-feature metrics, not for the multivariate check's "
                    ~ "mmd and mmd_pvalue; give a number for " ~ metric) }}
            {% endif %}
            {% if value != 'auto' and not (value is boolean and not value)
                and (value is boolean or value is not number or value < 0
                     or (catalog[metric].direction == 'below' and value > 1)) %}
                {{ modelwatch._registry_error(file_path, model_id, feature_name,
                    "threshold " ~ metric ~ "." ~ level ~ " is '" ~ value ~ "'; give a number "
                    ~ ("between 0 and 1 (a p-value)" if catalog[metric].direction == 'below'
                       else "of at least 0") ~ ", auto to learn it from the reference, "
                    ~ "or false to switch this level off") }}
            {% endif %}
        {% endfor %}
        {% set warn = levels.get('warn') %}
        {% set error = levels.get('error') %}
        {% if warn is number and warn is not boolean and error is number and error is not boolean %}
            {% if (catalog[metric].direction == 'above' and warn > error)
                or (catalog[metric].direction == 'below' and warn < error) %}
                {{ modelwatch._registry_error(file_path, model_id, feature_name,
                    "thresholds." ~ metric ~ ": warn (" ~ warn ~ ") is past error (" ~ error
                    ~ "); the warning level must be reached first") }}
            {% endif %}
        {% endif %}
    {% endfor %}
{% endmacro %}


{#- fix: a reference window bound as a datetime, or none when it is no real date or time
    (month 13, 30 February, hour 25…). Expects text that matched the date pattern. -#}
{% macro _parse_window_bound(value) %}
    {% set match = modules.re.match(
        '^(\\d{4})-(\\d{2})-(\\d{2})(?:[ T](\\d{2}):(\\d{2})(?::(\\d{2}))?)?$', value | string) %}
    {% if match is none %}
        {{ return(none) }}
    {% endif %}
    {% set parts = [] %}
    {% for group in match.groups() %}
        {% do parts.append((group or '0') | int) %}
    {% endfor %}
    {% set year, month, day, hour, minute, second = parts %}
    {% set leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 %}
    {% if year < 1 or month < 1 or month > 12 or hour > 23 or minute > 59 or second > 59 %}
        {{ return(none) }}
    {% endif %}
    {% set month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] %}
    {% if day < 1 or day > month_days[month - 1] %}
        {{ return(none) }}
    {% endif %}
    {{ return(modules.datetime.datetime(year, month, day, hour, minute, second)) }}
{% endmacro %}


{#- Why each metric of a feature is (or may be) in force, decision 0008:
    registry_thresholds: a registry layer gave the metric a numeric level: always in force;
    registry_methods: named by the nearest `methods` list: always in force;
    default_table: the packaged default-method table decides per batch at run time (the
        feature's class and the batch's rows; dim_default_methods);
    not_in_force: computed and stored, never judged.
    A level set to false in the registry only switches that level off. -#}
{% macro _threshold_sources(resolved, registry_thresholds, kind, feature_sets_methods,
    file_path, model_id, feature_name) %}
    {% set catalog = modelwatch.get_metric_catalog() %}
    {% set table = modelwatch.get_packaged_defaults().default_methods %}
    {% set classes = ['numeric', 'score'] if kind == 'numeric' else ['categorical', 'binary'] %}
    {% set methods = resolved.get('methods') %}
    {% set sources = {} %}
    {% set applicable = [] %}
    {% for metric in catalog.keys() | sort if kind in catalog[metric].kinds %}
        {% do applicable.append(metric) %}
    {% endfor %}
    {% for method in (methods or []) if method not in applicable and feature_sets_methods %}
        {{ modelwatch._registry_error(file_path, model_id, feature_name,
            "method '" ~ method ~ "' does not apply to a " ~ kind ~ " feature; allowed names: "
            ~ (applicable | join(', '))) }}
    {% endfor %}
    {% for metric in catalog.keys() | sort if kind in catalog[metric].kinds %}
        {% set given = registry_thresholds.get(metric, {}) %}
        {% set has_level = given.values() | reject('sameas', false) | list | length > 0 %}
        {% if has_level %}
            {% do sources.update({metric: 'registry_thresholds'}) %}
        {% elif methods is not none %}
            {% if metric in methods %}
                {% set levels = resolved.thresholds.get(metric, {}) %}
                {% if levels.values() | reject('sameas', false) | list | length == 0 %}
                    {{ modelwatch._registry_error(file_path, model_id, feature_name,
                        "method '" ~ metric ~ "' has no default threshold (its scale depends "
                        ~ "on the data); give one: thresholds: {" ~ metric
                        ~ ": {warn: <number>, error: <number>}}") }}
                {% endif %}
                {% do sources.update({metric: 'registry_methods'}) %}
            {% else %}
                {% do sources.update({metric: 'not_in_force'}) %}
            {% endif %}
        {% else %}
            {% set in_table = [] %}
            {% for class in classes if metric in table[class] %}
                {% do in_table.append(class) %}
            {% endfor %}
            {% do sources.update({metric: 'default_table' if in_table else 'not_in_force'}) %}
        {% endif %}
    {% endfor %}
    {{ return(sources) }}
{% endmacro %}


{#- The metrics whose levels can be learned from reference chunks (`auto`, decision 0009):
    every per-feature metric; not the multivariate check (mmd, mmd_pvalue). -#}
{% macro _learnable_metrics() %}
    {{ return(['psi', 'jensen_shannon', 'hellinger', 'total_variation', 'l_infinity',
        'kl_divergence', 'missing_rate_change', 'chi_square_statistic', 'chi_square_pvalue',
        'z_test_pvalue', 'ks_statistic', 'ks_pvalue', 'wasserstein', 'wasserstein_normed']) }}
{% endmacro %}


{#- The learned-threshold settings of one model (packaged values filled in), validated; none
    when the model learns nothing (no `auto` level and no learned_thresholds set). -#}
{% macro _learned_settings(model_config, is_set, features, file_path, model_id) %}
    {% set uses_auto = [] %}
    {% for feature in features %}
        {% for metric, levels in feature.thresholds.items() if levels is mapping
            and 'auto' in levels.values() | list %}
            {% do uses_auto.append(metric) %}
        {% endfor %}
    {% endfor %}
    {% if not uses_auto and not is_set %}
        {{ return(none) }}
    {% endif %}
    {% set given = model_config.get('learned_thresholds') %}
    {% if given is not mapping %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "learned_thresholds must be a mapping such as {chunks: 10, k: 3}") }}
    {% endif %}
    {{ modelwatch._check_keys(given, ['chunks', 'k', 'warn_k', 'chunk_rows'],
        file_path, model_id, none, 'learned_thresholds') }}
    {% set settings = {} %}
    {% do settings.update(modelwatch.get_packaged_defaults().learned_thresholds) %}
    {% do settings.update(given) %}
    {% for key in ['chunks', 'chunk_rows'] %}
        {% set value = settings.get(key) %}
        {% if (key == 'chunks' or value is not none) and (value is boolean or value is not number
            or value != value | int or value < (2 if key == 'chunks' else 1)) %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "learned_thresholds." ~ key ~ " is '" ~ value ~ "'; give a whole number of at least "
                ~ (2 if key == 'chunks' else 1)
                ~ (" (the reference is cut into this many chunks; 10 or more is steadier)"
                   if key == 'chunks' else " (rows per chunk: the typical batch size)")) }}
        {% endif %}
    {% endfor %}
    {% for key in ['k', 'warn_k'] %}
        {% set value = settings.get(key) %}
        {% if value is boolean or value is not number or value <= 0 %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "learned_thresholds." ~ key ~ " is '" ~ value ~ "'; give a positive number of "
                ~ "standard deviations (default k: 3, warn_k: 2)") }}
        {% endif %}
    {% endfor %}
    {% if settings.warn_k > settings.k %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "learned_thresholds: warn_k (" ~ settings.warn_k ~ ") is above k (" ~ settings.k
            ~ "); the warning level must be reached first") }}
    {% endif %}
    {{ return(settings) }}
{% endmacro %}


{#- One reference definition ({window: {start, end}} or {source: <source>.<table>}) resolved
    to {kind, started_at, ended_at, source_name, table_name}, or a registry error naming
    `label` (reference, or references[v2] for a version's own). `extra_keys` are allowed
    beside window and source (model_version in a `references:` item). -#}
{% macro _resolve_reference(reference, extra_keys, label, file_path, model_id) %}
    {{ modelwatch._check_keys(reference, ['window', 'source'] + extra_keys,
        file_path, model_id, none, label) }}
    {% if (reference.get('window') is none) == (reference.get('source') is none) %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            label ~ " needs exactly one of window: {start, end} or source: "
            ~ "<source_name>.<table_name>") }}
    {% endif %}
    {% set date_pattern = '^\\d{4}-\\d{2}-\\d{2}([ T]\\d{2}:\\d{2}(:\\d{2})?)?$' %}
    {% if reference.get('window') is not none %}
        {% set window_spec = reference.window %}
        {{ modelwatch._check_keys(window_spec, ['start', 'end'], file_path, model_id, none,
            label ~ '.window') }}
        {#- fix: the pattern alone let impossible dates (2026-13-45, 2026-02-30) through to a
            cast error in the middle of the build, and start/end were compared as text; each
            bound is now parsed (modelwatch._parse_window_bound) and compared as a timestamp. -#}
        {% set bounds_at = {} %}
        {% for bound in ['start', 'end'] %}
            {% set bound_at = modelwatch._parse_window_bound(window_spec.get(bound))
                if window_spec.get(bound) is not none
                and modules.re.match(date_pattern, window_spec.get(bound) | string) else none %}
            {% if bound_at is none %}
                {{ modelwatch._registry_error(file_path, model_id, none,
                    label ~ ".window." ~ bound ~ " is '" ~ window_spec.get(bound)
                    ~ "'; write a date or timestamp as 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'") }}
            {% endif %}
            {% do bounds_at.update({bound: bound_at}) %}
        {% endfor %}
        {% if bounds_at.start >= bounds_at.end %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                label ~ ".window.start (" ~ window_spec.start ~ ") must be before its end ("
                ~ window_spec.end ~ "); the end is exclusive") }}
        {% endif %}
        {{ return({
            'kind': 'window',
            'started_at': window_spec.start | string | replace('T', ' '),
            'ended_at': window_spec.end | string | replace('T', ' '),
            'source_name': none, 'table_name': none}) }}
    {% endif %}
    {% set parts = (reference.source | string).split('.') %}
    {% if parts | length != 2 %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            label ~ ".source is '" ~ reference.source
            ~ "'; write it as <source_name>.<table_name> of a dbt source") }}
    {% endif %}
    {{ return({
        'kind': 'source', 'started_at': none, 'ended_at': none,
        'source_name': parts[0], 'table_name': parts[1]}) }}
{% endmacro %}


{#- The `references:` list of one entry (decision 0015): one reference per listed
    model_version, each resolved like `reference` plus {model_version, reference_id,
    reference_key}. The reference_id hashes the default's identity (features, kinds, bins)
    with the version and its own window or table. Empty when the key is absent. -#}
{% macro _resolve_version_references(spec, model_version_column, identity, file_path, model_id) %}
    {% if spec is none %}
        {{ return([]) }}
    {% endif %}
    {% set example = "references: [{model_version: v2.0, window: {start: '2026-03-02', end: "
        ~ "'2026-03-16'}}] or [{model_version: v2.0, source: <source_name>.<table_name>}]" %}
    {% if spec is string or spec is mapping or spec is not iterable or spec | length == 0 %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "references must be a non-empty list, one reference per model version: " ~ example) }}
    {% endif %}
    {% if not model_version_column %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "references gives a reference per model version, but the entry has no "
            ~ "model_version_column; name the log column holding the version that made each "
            ~ "prediction (model_version_column: model_version)") }}
    {% endif %}
    {% set resolved = [] %}
    {% set seen = [] %}
    {% for item in spec %}
        {% if item is not mapping %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "references item '" ~ item ~ "' must be a mapping: " ~ example) }}
        {% endif %}
        {% set version = item.get('model_version') %}
        {% if version is none or version is boolean or version is mapping
            or (version is iterable and version is not string) or version | string | trim == '' %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "a references item has no model_version; name the version it is the reference "
                ~ "of, as logged in column '" ~ model_version_column ~ "': " ~ example) }}
        {% endif %}
        {% set version = version | string | trim %}
        {% if version in seen %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "references: model_version '" ~ version ~ "' is listed twice; give each version "
                ~ "one reference (remove or merge one of the two items)") }}
        {% endif %}
        {% do seen.append(version) %}
        {% set label = "references[model_version '" ~ version ~ "']" %}
        {% set reference = modelwatch._resolve_reference(
            item, ['model_version'], label, file_path, model_id) %}
        {% set version_identity = {} %}
        {% do version_identity.update(identity) %}
        {% do version_identity.update({'reference': reference, 'model_version': version}) %}
        {% set reference_id = local_md5(tojson(version_identity, sort_keys=true))[:12] %}
        {% do reference.update({
            'model_version': version,
            'reference_id': reference_id,
            'reference_key': model_id ~ '|' ~ reference_id}) %}
        {% do resolved.append(reference) %}
    {% endfor %}
    {{ return(resolved) }}
{% endmacro %}


{#- What a segmentation's id hashes: the reference version and the segment columns, plus the
    per-version references when the entry lists some (so a new version's reference is
    counted per segment; an entry without `references:` keeps its id). -#}
{% macro _segmentation_identity(reference_id, version_references, segments) %}
    {% set identity = {'reference_id': reference_id,
        'segments': segments | map(attribute='name') | list} %}
    {% if version_references %}
        {% do identity.update({'version_reference_ids':
            version_references | map(attribute='reference_id') | list}) %}
    {% endif %}
    {{ return(identity) }}
{% endmacro %}

