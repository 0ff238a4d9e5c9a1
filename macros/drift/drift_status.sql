{#- The status of a drift figure: 'insufficient_data' when it cannot be judged (too few rows,
    no value, an `auto` level not learned), else 'alert' at threshold level 2, 'warn' at 1,
    'ok' at 0 (the level from `severity_level`). Arguments are column expressions: a boolean
    and the level. One rule for whole batches (fct_feature_drift) and segments
    (fct_segment_drift). -#}
{% macro drift_status(threshold_level, is_insufficient) %}
    {{ return(adapter.dispatch('drift_status', 'modelwatch')(threshold_level, is_insufficient)) }}
{% endmacro %}

{% macro default__drift_status(threshold_level, is_insufficient) -%}
    case
        when {{ is_insufficient }} then 'insufficient_data'
        when {{ threshold_level }} = 2 then 'alert'
        when {{ threshold_level }} = 1 then 'warn'
        else 'ok'
    end
{%- endmacro %}
