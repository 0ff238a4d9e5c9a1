{#- The registry's data-quality settings as rows for fct_batch_quality (decision 0018), one
    of {'columns': [(name, type)], 'rows': […]} for modelwatch.literal_rows:
    'models': one row per model (batch grain, history length, reference rows per batch
        period for the fallback volume, the key columns the checks name);
    'limits': one row per model and check, its warn and error levels (null when off);
    'schema_changes': one row per registered column of a monitored log that is missing or
        retyped (modelwatch.get_schema_changes). -#}
{% macro data_quality_table(what) %}
    {{ return(adapter.dispatch('data_quality_table', 'modelwatch')(what)) }}
{% endmacro %}

{% macro default__data_quality_table(what) %}
    {%- set text = dbt.type_string() -%}
    {%- set double = modelwatch.type_double() -%}
    {%- set rows = [] -%}
    {%- set grain_days = {'day': 1, 'week': 7, 'month': 30.436875} -%}
    {%- if what == 'models' -%}
        {%- set columns = [
            ('model_id', text), ('reference_id', text), ('batch_grain', text),
            ('history_batches', dbt.type_int()), ('reference_periods', double),
            ('prediction_id_column', text), ('timestamp_column', text),
            ('log_source', text)] -%}
        {%- for entry in modelwatch.get_registry() -%}
            {%- set periods = none -%}
            {%- if entry.reference.kind == 'window' and entry.batch_grain -%}
                {%- set span = modelwatch._parse_window_bound(entry.reference.ended_at)
                    - modelwatch._parse_window_bound(entry.reference.started_at) -%}
                {%- set periods = (span.days + span.seconds / 86400.0) / grain_days[entry.batch_grain] -%}
            {%- endif -%}
            {%- do rows.append({
                'model_id': entry.model_id,
                'reference_id': entry.reference_id,
                'batch_grain': entry.batch_grain,
                'history_batches': entry.data_quality.history_batches,
                'reference_periods': periods,
                'prediction_id_column': entry.prediction_id_column,
                'timestamp_column': entry.timestamp_column,
                'log_source': entry.source_name ~ '.' ~ entry.table_name,
            }) -%}
        {%- endfor -%}
    {%- elif what == 'limits' -%}
        {%- set columns = [
            ('model_id', text), ('check_name', text), ('warn_limit', double),
            ('error_limit', double), ('is_blocking_check', dbt.type_boolean())] -%}
        {#- a failed batch is not fit to retrain on; a late batch is no batch at all -#}
        {%- set blocking = ['row_count_factor', 'null_rate_jump', 'all_null', 'unseen_share',
            'out_of_range_share', 'duplicate_id_share', 'schema_change'] -%}
        {%- for entry in modelwatch.get_registry() -%}
            {%- for check, levels in entry.data_quality.items() if levels is mapping -%}
                {%- do rows.append({
                    'model_id': entry.model_id,
                    'check_name': check,
                    'warn_limit': none if levels.get('warn') is boolean else levels.get('warn'),
                    'error_limit': none if levels.get('error') is boolean else levels.get('error'),
                    'is_blocking_check': check in blocking,
                }) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- elif what == 'schema_changes' -%}
        {%- set columns = [
            ('model_id', text), ('column_name', text), ('schema_change', text),
            ('found_type', text)] -%}
        {%- for entry in modelwatch.get_registry() -%}
            {%- for change in modelwatch.get_schema_changes(entry) -%}
                {%- do rows.append({
                    'model_id': entry.model_id,
                    'column_name': change.column,
                    'schema_change': change.change,
                    'found_type': change.found_type,
                }) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "data_quality_table: unknown table '" ~ what ~ "'; use models, limits or schema_changes") }}
    {%- endif -%}
    {{ return({'columns': columns, 'rows': rows}) }}
{% endmacro %}
