{#- The SQL expressions that read one registered log in staging: when each prediction was
    made, whether a row belongs to the reference window, its batch key and the batch's start,
    its model version and the reference version it is compared with (per model version when
    the entry lists `references:`, decision 0015).
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
    {%- set model_version = ('cast(' ~ adapter.quote(entry.model_version_column) ~ ' as ' ~ text
        ~ ')') if entry.model_version_column else 'cast(null as ' ~ text ~ ')' -%}
    {%- set reference_id = modelwatch.string_literal(entry.reference_id) -%}
    {%- if entry.get('references') -%}
        {#- per-version references (decision 0015): a row of a listed version is read against
            its own version's reference: its reference_id, its window (a version whose
            reference is a table has no reference rows in the log), its scope (not before its
            own window) and a batch of its own, '<period>@<version>' -#}
        {%- set cases = {'reference_id': [], 'in_reference': [], 'in_scope': [], 'batch_key': []} -%}
        {%- for version in entry.references -%}
            {%- set when = 'when ' ~ model_version ~ ' = ' ~ modelwatch.string_literal(
                version.model_version) ~ ' then ' -%}
            {%- if version.kind == 'window' -%}
                {%- set version_start = "cast('" ~ version.started_at ~ "' as " ~ ts ~ ")" -%}
                {%- set version_end = "cast('" ~ version.ended_at ~ "' as " ~ ts ~ ")" -%}
                {%- do cases.in_reference.append(when ~ '(' ~ predicted_at ~ ' >= ' ~ version_start
                    ~ ' and ' ~ predicted_at ~ ' < ' ~ version_end ~ ')') -%}
                {%- do cases.in_scope.append(when ~ predicted_at ~ ' >= ' ~ version_start) -%}
            {%- else -%}
                {%- do cases.in_reference.append(when ~ 'false') -%}
                {%- do cases.in_scope.append(when ~ 'true') -%}
            {%- endif -%}
            {%- do cases.reference_id.append(
                when ~ modelwatch.string_literal(version.reference_id)) -%}
            {%- do cases.batch_key.append(when ~ dbt.concat(
                [batch_key, modelwatch.string_literal('@' ~ version.model_version)])) -%}
        {%- endfor -%}
        {%- set reference_id = 'case ' ~ cases.reference_id | join(' ') ~ ' else '
            ~ reference_id ~ ' end' -%}
        {%- set in_reference = '(case ' ~ cases.in_reference | join(' ') ~ ' else '
            ~ in_reference ~ ' end)' -%}
        {%- set in_scope = '(case ' ~ cases.in_scope | join(' ') ~ ' else ' ~ in_scope ~ ' end)' -%}
        {%- set batch_key = 'case ' ~ cases.batch_key | join(' ') ~ ' else ' ~ batch_key ~ ' end' -%}
    {%- endif -%}
    {{ return({
        'predicted_at': predicted_at,
        'in_reference': in_reference,
        'in_scope': in_scope,
        'batch_key': batch_key,
        'batch_truncated_at': batch_truncated_at,
        'prediction_id': 'cast(' ~ adapter.quote(entry.prediction_id_column) ~ ' as ' ~ text ~ ')',
        'model_version': model_version,
        'reference_id': reference_id,
    }) }}
{% endmacro %}
