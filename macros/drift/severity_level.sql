{#- The alert level of a metric value: 2 at or past the error threshold, 1 at or past the
    warning threshold, else 0. `direction` is 'above' (a distance: bad when large) or
    'below' (a p-value: bad when small); a null threshold is a level switched off. -#}
{% macro severity_level(value, warn_threshold, error_threshold, direction) %}
    {{ return(adapter.dispatch('severity_level', 'modelwatch')(
        value, warn_threshold, error_threshold, direction)) }}
{% endmacro %}

{% macro default__severity_level(value, warn_threshold, error_threshold, direction) -%}
    case
        when {{ value }} is null then 0
        when {{ direction }} = 'above' and {{ value }} >= {{ error_threshold }} then 2
        when {{ direction }} = 'below' and {{ value }} <= {{ error_threshold }} then 2
        when {{ direction }} = 'above' and {{ value }} >= {{ warn_threshold }} then 1
        when {{ direction }} = 'below' and {{ value }} <= {{ warn_threshold }} then 1
        else 0
    end
{%- endmacro %}
