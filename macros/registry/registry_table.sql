{#- The registry as rows, for the dim_ tables analysts query: `what` is 'models' (one row per
    model: inventory and resolved configuration), 'features' (per model and monitored
    column), 'thresholds' (per model, feature and metric, levels switched off as null),
    'risk_tier_bounds' (per risk tier, metric and bounded threshold level) or
    'default_methods' (the packaged default-method table) or 'learned_thresholds' (per model
    learning levels from its reference). Returns {'columns': [(name, type)], 'rows': […]}
    for modelwatch.literal_rows. -#}
{% macro registry_table(what) %}
    {{ return(adapter.dispatch('registry_table', 'modelwatch')(what)) }}
{% endmacro %}

{% macro default__registry_table(what) %}
    {%- set text = dbt.type_string() -%}
    {%- set double = modelwatch.type_double() -%}
    {%- set registry = modelwatch.get_registry() -%}
    {%- set rows = [] -%}
    {%- if what == 'models' -%}
        {%- set columns = [
            ('model_id', text), ('owner', text), ('business_unit', text),
            ('model_description', text), ('log_source', text), ('registry_file', text),
            ('timestamp_column', text), ('batch_grain', text), ('batch_column', text),
            ('prediction_id_column', text), ('model_version_column', text),
            ('score_column', text), ('reference_id', text), ('reference_kind', text),
            ('reference_started_at', dbt.type_timestamp()),
            ('reference_ended_at', dbt.type_timestamp()), ('reference_source', text),
            ('retrain_window_days', dbt.type_int()), ('multiple_testing', text),
            ('feature_count', dbt.type_int()),
            ('model_purpose', text), ('validator', text), ('risk_tier', text),
            ('lifecycle_stage', text), ('deployment_date', 'date'),
            ('last_validation_date', 'date'), ('production_version', text),
            ('retrain_policy', text), ('label_source', text), ('label_delay_days', dbt.type_int()),
            ('sla_days', dbt.type_int()), ('drift_test_count', dbt.type_int()),
            ('resolved_config', text), ('version_references', text)] -%}
        {%- set drift_tests = modelwatch._drift_tests_by_model(registry) -%}
        {%- for entry in registry -%}
            {%- do rows.append({
                'model_id': entry.model_id,
                'owner': entry.owner,
                'business_unit': entry.business_unit,
                'model_description': entry.description,
                'log_source': entry.source_name ~ '.' ~ entry.table_name,
                'registry_file': entry.registry_file,
                'timestamp_column': entry.timestamp_column,
                'batch_grain': entry.batch_grain,
                'batch_column': entry.batch_column,
                'prediction_id_column': entry.prediction_id_column,
                'model_version_column': entry.model_version_column,
                'score_column': (entry.features | selectattr('role', 'equalto', 'score') | first).name,
                'reference_id': entry.reference_id,
                'reference_kind': entry.reference.kind,
                'reference_started_at': entry.reference.started_at,
                'reference_ended_at': entry.reference.ended_at,
                'reference_source': (entry.reference.source_name ~ '.' ~ entry.reference.table_name)
                    if entry.reference.kind == 'source' else none,
                'retrain_window_days': entry.retrain_window_days,
                'multiple_testing': entry.multiple_testing,
                'feature_count': entry.features | selectattr('role', 'equalto', 'feature') | list | length,
                'model_purpose': entry.purpose,
                'validator': entry.validator,
                'risk_tier': entry.risk_tier,
                'lifecycle_stage': entry.lifecycle_stage,
                'deployment_date': entry.deployment_date,
                'last_validation_date': entry.last_validation_date,
                'production_version': entry.production_version,
                'retrain_policy': tojson(entry.retrain_policy, sort_keys=true)
                    if entry.retrain_policy is not none else none,
                'label_source': entry.label_source,
                'label_delay_days': entry.label_delay_days,
                'sla_days': entry.sla_days,
                'drift_test_count': drift_tests.get(entry.model_id, 0),
                'resolved_config': tojson(entry.resolved_config, sort_keys=true),
                'version_references': tojson(entry.references, sort_keys=true)
                    if entry.get('references') else none,
            }) -%}
        {%- endfor -%}
    {%- elif what == 'features' -%}
        {%- set columns = [
            ('model_id', text), ('feature_name', text), ('feature_kind', text),
            ('feature_role', text), ('slot_name', text), ('feature_description', text),
            ('bin_count', dbt.type_int()), ('min_batch_size', dbt.type_int()),
            ('psi_epsilon', double), ('js_log_base', double), ('ecdf_method', text)] -%}
        {%- for entry in registry -%}
            {%- for feature in entry.features -%}
                {%- do rows.append({
                    'model_id': entry.model_id,
                    'feature_name': feature.name,
                    'feature_kind': feature.kind,
                    'feature_role': feature.role,
                    'slot_name': feature.slot,
                    'feature_description': feature.description,
                    'bin_count': feature.bins,
                    'min_batch_size': feature.min_batch_size,
                    'psi_epsilon': feature.psi_epsilon,
                    'js_log_base': feature.js_log_base,
                    'ecdf_method': feature.ecdf_method if feature.kind == 'numeric' else none,
                }) -%}
            {%- endfor -%}
            {#- the multivariate check (docs/multivariate-drift.md) reports as one more row -#}
            {%- if entry.multivariate.enabled -%}
                {%- do rows.append({
                    'model_id': entry.model_id,
                    'feature_name': entry.multivariate.feature_name,
                    'feature_kind': 'multivariate',
                    'feature_role': 'feature',
                    'feature_description': 'maximum mean discrepancy (random Fourier features) of '
                        ~ entry.multivariate.features | join(', '),
                    'min_batch_size': entry.multivariate.min_batch_size,
                }) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- elif what == 'thresholds' -%}
        {%- set catalog = modelwatch.get_metric_catalog() -%}
        {%- set columns = [
            ('model_id', text), ('feature_name', text), ('metric_name', text),
            ('threshold_direction', text), ('warn_threshold', double),
            ('error_threshold', double), ('threshold_source', text),
            ('is_warn_learned', dbt.type_boolean()), ('is_error_learned', dbt.type_boolean())] -%}
        {%- for entry in registry -%}
            {%- for feature in entry.features -%}
                {%- for metric in catalog.keys() | sort if feature.kind in catalog[metric].kinds -%}
                    {%- set levels = feature.thresholds.get(metric, {}) -%}
                    {%- set warn = levels.get('warn') -%}
                    {%- set error = levels.get('error') -%}
                    {%- do rows.append({
                        'model_id': entry.model_id,
                        'feature_name': feature.name,
                        'metric_name': metric,
                        'threshold_direction': catalog[metric].direction,
                        'warn_threshold': none if warn is boolean or warn == 'auto' else warn,
                        'error_threshold': none if error is boolean or error == 'auto' else error,
                        'threshold_source': feature.threshold_sources.get(metric, 'not_in_force'),
                        'is_warn_learned': warn == 'auto',
                        'is_error_learned': error == 'auto',
                    }) -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- for metric in catalog.keys() | sort
                if entry.multivariate.enabled and 'multivariate' in catalog[metric].kinds -%}
                {%- set levels = entry.multivariate.thresholds.get(metric, {}) -%}
                {%- do rows.append({
                    'model_id': entry.model_id,
                    'feature_name': entry.multivariate.feature_name,
                    'metric_name': metric,
                    'threshold_direction': catalog[metric].direction,
                    'warn_threshold': none if levels.get('warn') is boolean else levels.get('warn'),
                    'error_threshold': none if levels.get('error') is boolean else levels.get('error'),
                    'threshold_source': 'multivariate_check',
                }) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- elif what == 'risk_tier_bounds' -%}
        {%- set columns = [
            ('risk_tier', text), ('tier_description', text), ('metric_name', text),
            ('threshold_level', text), ('min_threshold', double), ('max_threshold', double)] -%}
        {%- set tiers = modelwatch.get_risk_tiers() -%}
        {%- for tier_name in tiers.keys() | sort -%}
            {%- set bounds = tiers[tier_name].threshold_bounds -%}
            {%- for metric in bounds.keys() | sort -%}
                {%- for level in bounds[metric].keys() | sort -%}
                    {%- do rows.append({
                        'risk_tier': tier_name,
                        'tier_description': tiers[tier_name].get('description'),
                        'metric_name': metric,
                        'threshold_level': level,
                        'min_threshold': bounds[metric][level].get('min'),
                        'max_threshold': bounds[metric][level].get('max'),
                    }) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- elif what == 'learned_thresholds' -%}
        {#- per model that learns thresholds from its reference (decision 0009) -#}
        {%- set columns = [
            ('model_id', text), ('chunks', dbt.type_int()), ('chunk_rows', dbt.type_bigint()),
            ('k', double), ('warn_k', double)] -%}
        {%- for entry in registry if entry.learned_thresholds -%}
            {%- do rows.append({
                'model_id': entry.model_id,
                'chunks': entry.learned_thresholds.chunks,
                'chunk_rows': entry.learned_thresholds.chunk_rows,
                'k': entry.learned_thresholds.k,
                'warn_k': entry.learned_thresholds.warn_k,
            }) -%}
        {%- endfor -%}
    {%- elif what == 'default_methods' -%}
        {#- the packaged default-method table (decision 0008): per feature class and metric,
            the batch-size cut-off and the packaged levels -#}
        {%- set packaged = modelwatch.get_packaged_defaults() -%}
        {%- set catalog = modelwatch.get_metric_catalog() -%}
        {%- set columns = [
            ('feature_class', text), ('metric_name', text), ('min_batch_rows', dbt.type_bigint()),
            ('threshold_direction', text), ('warn_threshold', double),
            ('error_threshold', double)] -%}
        {%- for feature_class, metrics in packaged.default_methods.items() -%}
            {%- for metric, min_rows in metrics.items() -%}
                {%- set levels = packaged.thresholds.get(metric, {}) -%}
                {%- do rows.append({
                    'feature_class': feature_class,
                    'metric_name': metric,
                    'min_batch_rows': min_rows,
                    'threshold_direction': catalog[metric].direction,
                    'warn_threshold': none if levels.get('warn') is boolean else levels.get('warn'),
                    'error_threshold': none if levels.get('error') is boolean else levels.get('error'),
                }) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "registry_table: what is '" ~ what ~ "'; use models, features, thresholds or "
            ~ "risk_tier_bounds, default_methods or learned_thresholds") }}
    {%- endif -%}
    {{ return({'columns': columns, 'rows': rows}) }}
{% endmacro %}


{#- How many drift tests (no_feature_drift, no_score_drift) the project attaches to each
    model: by their model_id argument, or by the source table they are attached to. A model
    with none can never alert (governance: production_model_is_monitored). -#}
{% macro _drift_tests_by_model(registry) %}
    {% set counts = {} %}
    {% if not execute %}
        {{ return(counts) }}
    {% endif %}
    {% for node in graph.nodes.values() if node.resource_type == 'test'
        and (node.get('test_metadata') or {}).get('name') in ['no_feature_drift', 'no_score_drift']
        and node.config.get('enabled', true) %}
        {% set kwargs = node.test_metadata.get('kwargs') or {} %}
        {% for entry in registry %}
            {% if (kwargs.get('model_id') is not none and kwargs.get('model_id') == entry.model_id)
                or (kwargs.get('model_id') is none and node.get('sources')
                    and [entry.source_name, entry.table_name] == node.sources[0] | list) %}
                {% do counts.update({entry.model_id: counts.get(entry.model_id, 0) + 1}) %}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {{ return(counts) }}
{% endmacro %}
