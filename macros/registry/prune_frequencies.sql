{#- The statement an incremental dim_multivariate_frequencies runs before it adds rows: drop
    the rows of models whose multivariate check is no longer in the registry (removed, or
    `enabled: false`), so the table lists what is monitored. A no-op statement on a first run
    or a full refresh. -#}
{% macro prune_frequencies(relation) %}
    {{ return(adapter.dispatch('prune_frequencies', 'modelwatch')(relation)) }}
{% endmacro %}

{% macro default__prune_frequencies(relation) %}
    {%- if not (execute and is_incremental()) -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set enabled = [] -%}
    {%- for entry in modelwatch.get_registry() if entry.multivariate.enabled -%}
        {%- do enabled.append(modelwatch.string_literal(entry.model_id)) -%}
    {%- endfor -%}
    {%- if enabled -%}
        {{ return('delete from ' ~ relation ~ ' where model_id not in ('
            ~ enabled | join(', ') ~ ')') }}
    {%- endif -%}
    {{ return('delete from ' ~ relation) }}
{% endmacro %}
