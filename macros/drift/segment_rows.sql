{#- The rows of `relation` (stg_modelwatch__predictions' shape) once per segment column of
    their model: every column, plus segment_slot and segment_value (text; a missing value is
    the segment '(missing)'). A model without segments gives no row. -#}
{% macro segment_rows(relation, registry) %}
    {{ return(adapter.dispatch('segment_rows', 'modelwatch')(relation, registry)) }}
{% endmacro %}

{% macro default__segment_rows(relation, registry) -%}
    {%- set by_slot = {} -%}
    {%- for entry in registry -%}
        {%- for segment in entry.get('segments') or [] -%}
            {%- do by_slot.setdefault(segment.slot, []).append(
                modelwatch.string_literal(entry.model_id)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set blocks = [] -%}
    {%- for slot in by_slot | sort -%}
        {%- do blocks.append(
            "select *, '" ~ slot ~ "' as segment_slot, coalesce(" ~ slot
            ~ ", '(missing)') as segment_value from " ~ relation
            ~ " where model_id in (" ~ by_slot[slot] | join(', ') ~ ")") -%}
    {%- endfor -%}
    {%- if blocks | length == 0 -%}
        select *, cast(null as {{ dbt.type_string() }}) as segment_slot,
            cast(null as {{ dbt.type_string() }}) as segment_value
        from {{ relation }} where 1 = 0
    {%- else -%}
        {{ blocks | join('\n    union all\n    ') }}
    {%- endif -%}
{%- endmacro %}
