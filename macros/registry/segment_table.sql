{#- The registry's segments as rows for modelwatch.literal_rows: `what` is 'segments' (one row
    per model and segment column, with its staging slot) or 'thresholds' (per model and
    segment metric: the model-level thresholds that judge every segment figure). -#}
{% macro segment_table(what) %}
    {{ return(adapter.dispatch('segment_table', 'modelwatch')(what)) }}
{% endmacro %}

{% macro default__segment_table(what) %}
    {%- set text = dbt.type_string() -%}
    {%- set double = modelwatch.type_double() -%}
    {%- set catalog = modelwatch.get_metric_catalog() -%}
    {%- set rows = [] -%}
    {%- if what == 'segments' -%}
        {%- set columns = [('model_id', text), ('segment_column', text), ('slot_name', text),
            ('segmentation_id', text)] -%}
        {%- for entry in modelwatch.get_registry() -%}
            {%- for segment in entry.get('segments') or [] -%}
                {%- do rows.append({'model_id': entry.model_id, 'segment_column': segment.name,
                    'slot_name': segment.slot, 'segmentation_id': entry.segmentation_id}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- elif what == 'thresholds' -%}
        {%- set columns = [('model_id', text), ('metric_name', text),
            ('threshold_direction', text), ('warn_threshold', double),
            ('error_threshold', double)] -%}
        {%- for entry in modelwatch.get_registry() if entry.get('segments') -%}
            {%- for metric in ['chi_square_pvalue', 'jensen_shannon', 'psi'] -%}
                {%- set levels = entry.segment_thresholds.get(metric, {}) -%}
                {%- do rows.append({
                    'model_id': entry.model_id,
                    'metric_name': metric,
                    'threshold_direction': catalog[metric].direction,
                    'warn_threshold': none if levels.get('warn') is boolean else levels.get('warn'),
                    'error_threshold': none if levels.get('error') is boolean else levels.get('error'),
                }) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "segment_table: what is '" ~ what ~ "'; use segments or thresholds") }}
    {%- endif -%}
    {{ return({'columns': columns, 'rows': rows}) }}
{% endmacro %}
