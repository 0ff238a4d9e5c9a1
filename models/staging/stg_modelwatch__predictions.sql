{#- Every registered prediction log (and every reference table) in one shape: one row per
    logged prediction, its batch, and its features laid into positional slots. Renames and
    casts only; the registry (macros/registry/get_registry.sql) says which column is what. -#}
{%- set registry = modelwatch.get_registry() -%}
{%- set slots = modelwatch.get_registry_slots(registry) -%}
{%- set text = dbt.type_string() -%}
{%- set ts = dbt.type_timestamp() -%}

with

{% for entry in registry %}
{%- set log_index = loop.index %}
{%- set log = modelwatch.log_expressions(entry) %}
{%- set changed = modelwatch.get_schema_changes(entry) | map(attribute='column') | list %}
prediction_log_{{ loop.index }} as (
    -- {{ entry.model_id }}: {{ entry.source_name }}.{{ entry.table_name }}

    select
        {{ modelwatch.string_literal(entry.model_id) }} as model_id,
        {{ log.reference_id }} as reference_id,
        {{ log.in_reference }} as is_reference,
        {{ log.prediction_id }} as prediction_id,
        {{ log.predicted_at }} as predicted_at,
        case
            when {{ log.in_reference }} then 'reference'
            else {{ log.batch_key }}
        end as batch_id,
        case
            when {{ log.in_reference }} then null
            else {{ log.batch_truncated_at }}
        end as batch_truncated_at,
        {{ log.model_version }} as model_version,
        {{ modelwatch.slot_columns(entry, slots, changed) }}
    from {{ source(entry.source_name, entry.table_name) }}
    where {{ log.in_scope }}
),

{% for reference in modelwatch.entry_references(entry) if reference.kind == 'source' %}
reference_sample_{{ log_index }}_{{ loop.index }} as (
    -- {{ entry.model_id }}: its reference table
    -- {{ reference.source_name }}.{{ reference.table_name }}

    select
        {{ modelwatch.string_literal(entry.model_id) }} as model_id,
        {{ modelwatch.string_literal(reference.reference_id) }} as reference_id,
        true as is_reference,
        cast(null as {{ text }}) as prediction_id,
        cast(null as {{ ts }}) as predicted_at,
        'reference' as batch_id,
        cast(null as {{ ts }}) as batch_truncated_at,
        {{ modelwatch.string_literal(reference.model_version)
            if reference.model_version else 'cast(null as ' ~ text ~ ')' }} as model_version,
        {{ modelwatch.slot_columns(entry, slots) }}
    from {{ source(reference.source_name, reference.table_name) }}
),

{% endfor %}
{% endfor %}
unioned as (
    {% for entry in registry %}
    {%- set log_index = loop.index %}
    select * from prediction_log_{{ log_index }}
    {% for reference in modelwatch.entry_references(entry) if reference.kind == 'source' %}
    union all
    select * from reference_sample_{{ log_index }}_{{ loop.index }}
    {% endfor %}
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
