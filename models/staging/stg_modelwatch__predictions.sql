{#- Every registered prediction log (and every reference table) in one shape: one row per
    logged prediction, its batch, and its features laid into positional slots. Renames and
    casts only; the registry (macros/registry/get_registry.sql) says which column is what. -#}
{%- set registry = modelwatch.get_registry() -%}
{%- set slots = modelwatch.get_registry_slots(registry) -%}
{%- set double = modelwatch.type_double() -%}
{%- set text = dbt.type_string() -%}
{%- set ts = dbt.type_timestamp() -%}



with

{% for entry in registry %}
{%- set ts_column = adapter.quote(entry.timestamp_column) -%}
{%- set predicted_at = 'cast(' ~ ts_column ~ ' as ' ~ ts ~ ')' -%}
{%- if entry.reference.kind == 'window' -%}
    {%- set reference_start = "cast('" ~ entry.reference.started_at ~ "' as " ~ ts ~ ")" -%}
    {%- set reference_end = "cast('" ~ entry.reference.ended_at ~ "' as " ~ ts ~ ")" -%}
    {%- set in_reference = predicted_at ~ ' < ' ~ reference_end -%}
{%- else -%}
    {%- set in_reference = 'false' -%}
{%- endif -%}
{%- if entry.batch_column -%}
    {%- set batch_truncated_at = 'cast(null as ' ~ ts ~ ')' -%}
    {%- set batch_key = 'cast(' ~ adapter.quote(entry.batch_column) ~ ' as ' ~ text ~ ')' -%}
{%- else -%}
    {%- set batch_truncated_at = dbt.date_trunc(entry.batch_grain, predicted_at) -%}
    {%- set batch_key = 'cast(cast(' ~ batch_truncated_at ~ ' as date) as ' ~ text ~ ')' -%}
{%- endif %}
prediction_log_{{ loop.index }} as (
    -- {{ entry.model_id }}: {{ entry.source_name }}.{{ entry.table_name }}

    select
        {{ modelwatch.string_literal(entry.model_id) }} as model_id,
        {{ modelwatch.string_literal(entry.reference_id) }} as reference_id,
        {{ in_reference }} as is_reference,
        cast({{ adapter.quote(entry.prediction_id_column) }} as {{ text }}) as prediction_id,
        {{ predicted_at }} as predicted_at,
        case
            when {{ in_reference }} then 'reference'
            else {{ batch_key }}
        end as batch_id,
        case
            when {{ in_reference }} then null
            else {{ batch_truncated_at }}
        end as batch_truncated_at,
        {% if entry.model_version_column -%}
        cast({{ adapter.quote(entry.model_version_column) }} as {{ text }}) as model_version,
        {%- else -%}
        cast(null as {{ text }}) as model_version,
        {%- endif %}
        {{ modelwatch.slot_columns(entry, slots) }}

    from {{ source(entry.source_name, entry.table_name) }}
    {%- if entry.reference.kind == 'window' %}
    where {{ predicted_at }} >= {{ reference_start }}
    {%- endif %}
),

{% if entry.reference.kind == 'source' %}
reference_sample_{{ loop.index }} as (
    -- {{ entry.model_id }}: reference {{ entry.reference.source_name }}.{{ entry.reference.table_name }}

    select
        {{ modelwatch.string_literal(entry.model_id) }} as model_id,
        {{ modelwatch.string_literal(entry.reference_id) }} as reference_id,
        true as is_reference,
        cast(null as {{ text }}) as prediction_id,
        cast(null as {{ ts }}) as predicted_at,
        'reference' as batch_id,
        cast(null as {{ ts }}) as batch_truncated_at,
        cast(null as {{ text }}) as model_version,
        {{ modelwatch.slot_columns(entry, slots) }}

    from {{ source(entry.reference.source_name, entry.reference.table_name) }}
),

{% endif %}
{% endfor %}
unioned as (
{% for entry in registry %}
    select * from prediction_log_{{ loop.index }}
    {% if entry.reference.kind == 'source' -%}
    union all
    select * from reference_sample_{{ loop.index }}
    {% endif -%}
    {% if not loop.last %}union all{% endif %}
{% else %}
    {#- No model is registered yet: an empty relation of the right shape. -#}
    select
        cast(null as {{ text }}) as model_id,
        cast(null as {{ text }}) as reference_id,
        false as is_reference,
        cast(null as {{ text }}) as prediction_id,
        cast(null as {{ ts }}) as predicted_at,
        cast(null as {{ text }}) as batch_id,
        cast(null as {{ ts }}) as batch_truncated_at,
        cast(null as {{ text }}) as model_version
    where 1 = 0
{% endfor %}
)

select * from unioned
