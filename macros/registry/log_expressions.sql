{#- The SQL expressions that read one registered log in staging: when each prediction was
    made, whether a row belongs to the reference window, its batch key and the batch's start.
    Returned as a mapping so the staging model stays a plain select per log. -#}
{% macro log_expressions(entry) %}
    {{ return(adapter.dispatch('log_expressions', 'modelwatch')(entry)) }}
{% endmacro %}

{% macro default__log_expressions(entry) %}
    {%- set ts = dbt.type_timestamp() -%}
    {%- set text = dbt.type_string() -%}
    {%- set predicted_at = 'cast(' ~ adapter.quote(entry.timestamp_column) ~ ' as ' ~ ts ~ ')' -%}
    {%- if entry.reference.kind == 'window' -%}
        {%- set reference_start = "cast('" ~ entry.reference.started_at ~ "' as " ~ ts ~ ")" -%}
        {%- set reference_end = "cast('" ~ entry.reference.ended_at ~ "' as " ~ ts ~ ")" -%}
        {%- set in_reference = '(' ~ predicted_at ~ ' < ' ~ reference_end ~ ')' -%}
        {%- set in_scope = predicted_at ~ ' >= ' ~ reference_start -%}
    {%- else -%}
        {%- set in_reference = 'false' -%}
        {%- set in_scope = 'true' -%}
    {%- endif -%}
    {%- if entry.batch_column -%}
        {%- set batch_truncated_at = 'cast(null as ' ~ ts ~ ')' -%}
        {%- set batch_key = 'cast(' ~ adapter.quote(entry.batch_column) ~ ' as ' ~ text ~ ')' -%}
    {%- else -%}
        {%- set batch_truncated_at = dbt.date_trunc(entry.batch_grain, predicted_at) -%}
        {%- set batch_key = 'cast(cast(' ~ batch_truncated_at ~ ' as date) as ' ~ text ~ ')' -%}
    {%- endif -%}
    {{ return({
        'predicted_at': predicted_at,
        'in_reference': in_reference,
        'in_scope': in_scope,
        'batch_key': batch_key,
        'batch_truncated_at': batch_truncated_at,
        'prediction_id': 'cast(' ~ adapter.quote(entry.prediction_id_column) ~ ' as ' ~ text ~ ')',
        'model_version': ('cast(' ~ adapter.quote(entry.model_version_column) ~ ' as ' ~ text ~ ')')
            if entry.model_version_column else 'cast(null as ' ~ text ~ ')',
    }) }}
{% endmacro %}
