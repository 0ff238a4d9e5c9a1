{#- The inventory of monitored models, straight from the registry YAML. -#}
{%- set text = dbt.type_string() -%}
{%- set columns = [
    ('model_id', text), ('owner', text), ('business_unit', text), ('model_description', text),
    ('log_source', text), ('registry_file', text), ('timestamp_column', text),
    ('batch_grain', text), ('batch_column', text), ('prediction_id_column', text),
    ('model_version_column', text), ('score_column', text), ('reference_id', text),
    ('reference_kind', text), ('reference_started_at', dbt.type_timestamp()),
    ('reference_ended_at', dbt.type_timestamp()), ('reference_source', text),
    ('retrain_window_days', dbt.type_int()), ('feature_count', dbt.type_int())] -%}
{%- set rows = [] -%}
{%- for entry in modelwatch.get_registry() -%}
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
        'feature_count': entry.features | selectattr('role', 'equalto', 'feature') | list | length,
    }) -%}
{%- endfor -%}

with

registry as (
    {{ modelwatch.literal_rows(columns, rows) }}
)

select * from registry
