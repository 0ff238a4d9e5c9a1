{#- The z statistic of the two-proportion test: did the share of a binary feature's first
    level move between the reference (x1 of n1) and the batch (x2 of n2)?
        z = (x2/n2 - x1/n1) / sqrt(p (1 - p) (1/n1 + 1/n2)),  p = (x1 + x2) / (n1 + n2)
    Zero when both samples hold one level only (no variance, no change); null when a sample
    is empty. Its two-sided p-value is 2 * normal_sf(abs(z)). -#}
{% macro two_proportion_z(x1, n1, x2, n2) %}
    {{ return(adapter.dispatch('two_proportion_z', 'modelwatch')(x1, n1, x2, n2)) }}
{% endmacro %}

{% macro default__two_proportion_z(x1, n1, x2, n2) -%}
    {%- set double = modelwatch.type_double() -%}
    {%- set pooled = '((cast(' ~ x1 ~ ' as ' ~ double ~ ') + ' ~ x2 ~ ') / (' ~ n1 ~ ' + ' ~ n2 ~ '))' -%}
    case
        when {{ n1 }} = 0 or {{ n2 }} = 0 then null
        when {{ pooled }} <= 0 or {{ pooled }} >= 1 then 0.0
        else (cast({{ x2 }} as {{ double }}) / {{ n2 }} - cast({{ x1 }} as {{ double }}) / {{ n1 }})
            / sqrt({{ pooled }} * (1 - {{ pooled }}) * (1.0 / {{ n1 }} + 1.0 / {{ n2 }}))
    end
{%- endmacro %}
