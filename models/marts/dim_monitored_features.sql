{#- One row per monitored column of each model (its features and its score), with the
    settings resolved through every configuration layer. -#}
{%- set text = dbt.type_string() -%}
{%- set columns = [
    ('model_id', text), ('feature_name', text), ('feature_kind', text), ('feature_role', text),
    ('slot_name', text), ('feature_description', text), ('bin_count', dbt.type_int()),
    ('min_batch_size', dbt.type_int()), ('psi_epsilon', modelwatch.type_double())] -%}
{%- set rows = [] -%}
{%- for entry in modelwatch.get_registry() -%}
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
        }) -%}
    {%- endfor -%}
{%- endfor -%}

with

features as (
    {{ modelwatch.literal_rows(columns, rows) }}
)

select * from features
