{#- The time the freshness check judges against, as a SQL timestamp: var
    `modelwatch_as_of` ('YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS', e.g. to replay a past run),
    else when this dbt invocation started. -#}
{% macro data_quality_as_of() %}
    {{ return(adapter.dispatch('data_quality_as_of', 'modelwatch')()) }}
{% endmacro %}

{% macro default__data_quality_as_of() %}
    {%- set as_of = var('modelwatch_as_of', none) -%}
    {%- if as_of is none or as_of == '' -%}
        {{ return(modelwatch.run_timestamp()) }}
    {%- endif -%}
    {%- set parsed = modelwatch._parse_window_bound(as_of | string | replace('T', ' '))
        if modules.re.match('^\\d{4}-\\d{2}-\\d{2}([ T]\\d{2}:\\d{2}(:\\d{2})?)?$', as_of | string)
        else none -%}
    {%- if parsed is none -%}
        {{ exceptions.raise_compiler_error("var modelwatch_as_of is '" ~ as_of
            ~ "'; give the time the freshness check judges against as 'YYYY-MM-DD' or "
            ~ "'YYYY-MM-DD HH:MM:SS' (default: when the run started)") }}
    {%- endif -%}
    {{ return("cast('" ~ parsed.strftime('%Y-%m-%d %H:%M:%S') ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{% endmacro %}
