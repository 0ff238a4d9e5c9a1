{#- The slot columns of one model's rows in the staging union, in slot order: the model's
    feature cast to the slot's type (NaN read as missing), or a typed null where the model has
    no feature in that slot, or its column is in `null_columns` (a schema change, read as
    missing: modelwatch.get_schema_changes). -#}
{% macro slot_columns(entry, slots, null_columns=[]) %}
    {{ return(adapter.dispatch('slot_columns', 'modelwatch')(entry, slots, null_columns)) }}
{% endmacro %}

{% macro default__slot_columns(entry, slots, null_columns=[]) -%}
    {%- set double = modelwatch.type_double() -%}
    {%- set text = dbt.type_string() -%}
    {%- set by_slot = {} -%}
    {%- for feature in entry.features if feature.column not in null_columns -%}
        {%- do by_slot.update({feature.slot: feature}) -%}
    {%- endfor -%}
    {%- set columns = [] -%}
    {%- for slot in slots.numeric -%}
        {%- if slot in by_slot -%}
            {%- do columns.append(modelwatch.nan_to_null(
                'cast(' ~ by_slot[slot].quoted_column ~ ' as ' ~ double ~ ')') ~ ' as ' ~ slot) -%}
        {%- else -%}
            {%- do columns.append('cast(null as ' ~ double ~ ') as ' ~ slot) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for slot in slots.categorical -%}
        {%- if slot in by_slot -%}
            {%- do columns.append('cast(' ~ by_slot[slot].quoted_column ~ ' as ' ~ text ~ ') as ' ~ slot) -%}
        {%- else -%}
            {%- do columns.append('cast(null as ' ~ text ~ ') as ' ~ slot) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set segments = {} -%}
    {%- for segment in entry.get('segments') or [] -%}
        {%- do segments.update({segment.slot: segment}) -%}
    {%- endfor -%}
    {%- for slot in slots.segment or [] -%}
        {%- if slot in segments -%}
            {%- do columns.append('cast(' ~ segments[slot].quoted_column ~ ' as ' ~ text ~ ') as ' ~ slot) -%}
        {%- else -%}
            {%- do columns.append('cast(null as ' ~ text ~ ') as ' ~ slot) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- columns | join(',\n        ') -}}
{%- endmacro %}
