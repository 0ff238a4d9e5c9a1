{#- The registry as rows, for the dim_ tables analysts query: `what` is 'models' (one row per
    model), 'features' (per model and monitored column) or 'thresholds' (per model, feature
    and metric, levels switched off as null). Returns {'columns': [(name, type)], 'rows': […]}
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
            ('feature_count', dbt.type_int())] -%}
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
            }) -%}
        {%- endfor -%}
    {%- elif what == 'features' -%}
        {%- set columns = [
            ('model_id', text), ('feature_name', text), ('feature_kind', text),
            ('feature_role', text), ('slot_name', text), ('feature_description', text),
            ('bin_count', dbt.type_int()), ('min_batch_size', dbt.type_int()),
            ('psi_epsilon', double), ('js_log_base', double)] -%}
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
                }) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- elif what == 'thresholds' -%}
        {%- set catalog = modelwatch.get_metric_catalog() -%}
        {%- set columns = [
            ('model_id', text), ('feature_name', text), ('metric_name', text),
            ('threshold_direction', text), ('warn_threshold', double),
            ('error_threshold', double)] -%}
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
                        'warn_threshold': none if warn is boolean else warn,
                        'error_threshold': none if error is boolean else error,
                    }) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "registry_table: what is '" ~ what ~ "'; use models, features or thresholds") }}
    {%- endif -%}
    {{ return({'columns': columns, 'rows': rows}) }}
{% endmacro %}
