{#- Every reference of a registry entry, the default first: the entry's own `reference`
    ({model_version: none, reference_id, reference_key, kind, started_at, ended_at,
    source_name, table_name}) then one per item of its `references:` list, each with the
    model_version it is the reference of (decision 0015). -#}
{% macro entry_references(entry) %}
    {{ return(adapter.dispatch('entry_references', 'modelwatch')(entry)) }}
{% endmacro %}

{% macro default__entry_references(entry) %}
    {% set default = {'model_version': none, 'reference_id': entry.reference_id,
        'reference_key': entry.reference_key} %}
    {% do default.update(entry.reference) %}
    {{ return([default] + (entry.get('references') or [])) }}
{% endmacro %}
