{#- One row per model, feature and metric: the thresholds in force, resolved through the
    layers (packaged defaults < var `modelwatch` < model < feature). A level switched off is
    null. Tests may still override a threshold with an argument. -#}
{%- set text = dbt.type_string() -%}
{%- set double = modelwatch.type_double() -%}
{%- set catalog = modelwatch.get_metric_catalog() -%}
{%- set columns = [
    ('model_id', text), ('feature_name', text), ('metric_name', text),
    ('threshold_direction', text), ('warn_threshold', double), ('error_threshold', double)] -%}
{%- set rows = [] -%}
{%- for entry in modelwatch.get_registry() -%}
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

with

thresholds as (
    {{ modelwatch.literal_rows(columns, rows) }}
)

select * from thresholds
