{#- Pearson's chi-square statistic of the 2 x L contingency table of reference and batch
    counts over a categorical feature's levels, an aggregate over the table's columns (one
    row per level with a non-zero total). Expected counts E = row total * column total / N;
    with one degree of freedom (L = 2) Yates' continuity correction shrinks each |O - E| by
    up to 0.5, exactly as scipy.stats.chi2_contingency does by default. Arguments are
    column expressions: the cell counts, the two row totals and the number of columns L. -#}
{% macro chi_square_statistic(reference_count, batch_count, reference_total, batch_total, level_count) %}
    {{ return(adapter.dispatch('chi_square_statistic', 'modelwatch')(
        reference_count, batch_count, reference_total, batch_total, level_count)) }}
{% endmacro %}

{% macro default__chi_square_statistic(reference_count, batch_count, reference_total, batch_total, level_count) -%}
    {%- set double = modelwatch.type_double() -%}
    {%- set column_total = '(cast(' ~ reference_count ~ ' as ' ~ double ~ ') + ' ~ batch_count ~ ')' -%}
    {%- set grand_total = '(cast(' ~ reference_total ~ ' as ' ~ double ~ ') + ' ~ batch_total ~ ')' -%}
    {%- set yates = '(case when ' ~ level_count ~ ' = 2 then 0.5 else 0.0 end)' -%}
    {%- set term -%}
        {%- for observed, row_total in [(reference_count, reference_total), (batch_count, batch_total)] %}
        {{ '+ ' if not loop.first }}power(greatest(
            abs({{ observed }} - {{ row_total }} * {{ column_total }} / {{ grand_total }}) - {{ yates }},
            0.0
        ), 2) / nullif({{ row_total }} * {{ column_total }} / {{ grand_total }}, 0)
        {%- endfor %}
    {%- endset %}
    {{ modelwatch.ordered_sum(term) }}
{%- endmacro %}
