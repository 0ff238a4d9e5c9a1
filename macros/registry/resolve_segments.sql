{#- The `segments:` list of one registry entry, validated (private helper of get_registry):
    the columns of the log (and of the reference table) whose values split every batch into
    segments, e.g. segments: [region, channel]. Each gets a text slot seg_01 … in staging.
    Drift per segment lands in fct_segment_drift (docs/decisions/0011-segments.md). -#}
{% macro _resolve_segments(spec, file_path, model_id) %}
    {%- if spec is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if spec is string or spec is mapping or spec | length == 0 -%}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "segments must be a non-empty list of column names, e.g. segments: [region, channel]") }}
    {%- endif -%}
    {%- set segments = [] -%}
    {%- set seen = [] -%}
    {%- for name in spec -%}
        {%- if name is not string or name | trim == '' -%}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "segments lists '" ~ name ~ "'; give column names, e.g. segments: [region]") }}
        {%- endif -%}
        {%- if name | lower in seen -%}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "segments lists column '" ~ name ~ "' twice") }}
        {%- endif -%}
        {%- do seen.append(name | lower) -%}
        {%- do segments.append({
            'name': name,
            'column': name,
            'quoted_column': adapter.quote(name),
            'slot': 'seg_%02d' % loop.index,
        }) -%}
    {%- endfor -%}
    {{ return(segments) }}
{% endmacro %}
