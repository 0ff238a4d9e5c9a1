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


{#- The levels every segment figure of one model is judged by (private helper of get_registry):
    PSI always, at the model's resolved levels; Jensen-Shannon and the chi-square p-value only
    when a registry layer (project, business unit, model) gives them a numeric level or the
    model's `methods` names them, as for whole batches (decisions 0008, 0011); else off. An
    `auto` level (decision 0009) is learned for whole batches: segments use the packaged one. -#}
{% macro _segment_thresholds(model_config, registry_thresholds) %}
    {%- set levels = {} -%}
    {%- set packaged = modelwatch.get_packaged_defaults().thresholds -%}
    {%- for metric in ['chi_square_pvalue', 'jensen_shannon', 'psi'] -%}
        {%- set given = registry_thresholds.get(metric, {}) -%}
        {%- set in_force = metric == 'psi'
            or given.values() | reject('sameas', false) | list | length > 0
            or metric in (model_config.get('methods') or []) -%}
        {%- set resolved = {} -%}
        {%- for level, value in model_config.thresholds.get(metric, {}).items() -%}
            {#- a level learned from whole-batch reference chunks (`auto`, decision 0009)
                does not fit a segment's size: the packaged level stands in -#}
            {%- do resolved.update({level: packaged.get(metric, {}).get(level, false)
                if value == 'auto' else value}) -%}
        {%- endfor -%}
        {%- do levels.update({metric: resolved if in_force else {'warn': false, 'error': false}}) -%}
    {%- endfor -%}
    {{ return(levels) }}
{% endmacro %}
