{#- One row per registered model for the audit: the hash of its resolved registry entry (every
    setting after the layers, as modelwatch.get_registry returns it: tojson with sorted keys,
    then md5) and the thresholds in force written out for people. Returns
    {'columns': [(name, type)], 'rows': […]} for modelwatch.literal_rows.
    See docs/decisions/0016-audit.md. -#}
{% macro registry_hashes() %}
    {{ return(adapter.dispatch('registry_hashes', 'modelwatch')()) }}
{% endmacro %}

{% macro default__registry_hashes() %}
    {%- set text = dbt.type_string() -%}
    {%- set rows = [] -%}
    {%- for entry in modelwatch.get_registry() -%}
        {%- do rows.append({
            'model_id': entry.model_id,
            'reference_id': entry.reference_id,
            'config_hash': local_md5(tojson(entry, sort_keys=true)),
            'thresholds_in_force': modelwatch._thresholds_in_force(entry),
        }) -%}
    {%- endfor -%}
    {{ return({
        'columns': [('model_id', text), ('reference_id', text), ('config_hash', text),
                    ('thresholds_in_force', text)],
        'rows': rows}) }}
{% endmacro %}


{#- The thresholds of one model as text: the levels most of its columns share, then every
    column that differs, e.g. "ks_pvalue warn 0.01, psi warn 0.1 error 0.25; income: psi warn
    0.1 error 0.4". Levels switched off are left out. -#}
{% macro _thresholds_in_force(entry) %}
    {%- set per_feature = [] -%}
    {%- set tally = {} -%}
    {%- set catalog = modelwatch.get_metric_catalog() -%}
    {#- the multivariate check is one more column (docs/multivariate-drift.md) -#}
    {%- set columns = entry.features + ([{'name': entry.multivariate.feature_name,
        'kind': 'multivariate', 'thresholds': entry.multivariate.thresholds}]
        if entry.multivariate and entry.multivariate.enabled else []) -%}
    {%- for feature in columns -%}
        {%- set levels = [] -%}
        {#- metrics never judged for this feature (decision 0008) are left out -#}
        {%- for metric in feature.thresholds.keys() | sort
            if (feature.threshold_sources or {}).get(metric, 'not_in_force') != 'not_in_force' -%}
            {%- set parts = [] -%}
            {%- for level in ['warn', 'error'] -%}
                {%- set value = feature.thresholds[metric].get(level) -%}
                {%- if value is not none and value is not boolean -%}
                    {%- do parts.append(level ~ ' ' ~ value) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if parts | length > 0 -%}
                {%- do levels.append(metric ~ ' ' ~ parts | join(' ')) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set summary = levels | join(', ') if levels else 'none' -%}
        {%- do per_feature.append((feature.name, summary)) -%}
        {%- do tally.update({summary: tally.get(summary, 0) + 1}) -%}
    {%- endfor -%}
    {%- set ranked = tally.items() | sort(attribute='0') | sort(attribute='1', reverse=true) -%}
    {%- set common = (ranked | first)[0] -%}
    {%- set out = [common] -%}
    {%- for name, summary in per_feature if summary != common -%}
        {%- do out.append(name ~ ': ' ~ summary) -%}
    {%- endfor -%}
    {{ return(out | join('; ')) }}
{% endmacro %}
