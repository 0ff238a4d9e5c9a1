{#- SQL rounding a double to `digits` significant digits (zero, null, NaN and ±infinity
    pass through). The audit's results hash is taken over figures rounded to 10 significant
    digits: a batch's bins are summed in an order that depends on which other batches the
    run computes, so a rerun can differ from the first run in the last bit of a double
    (measured: 1 ulp), and a hash of the raw bits would call that a different result.
    docs/decisions/0016-audit.md. -#}
{% macro round_significant(expression, digits) %}
    {{ return(adapter.dispatch('round_significant', 'modelwatch')(expression, digits)) }}
{% endmacro %}

{% macro default__round_significant(expression, digits) -%}
    case
        when {{ expression }} is null or {{ expression }} = 0 or abs({{ expression }}) > 1e300
            then {{ expression }}
        else round(
            {{ expression }},
            {{ digits - 1 }} - cast(floor(log10(abs({{ expression }}))) as {{ dbt.type_int() }})
        )
    end
{%- endmacro %}
