{#- An aggregate: the sum of a double expression over the group, bit-identical however the
    warehouse splits and orders the work (threads, which other groups the run computes, a
    full refresh or an incremental run). A plain sum() of doubles adds the terms in the
    order they arrive, which a parallel hash aggregate does not fix: the last bits of the
    result move (measured on DuckDB: docs/decisions/0022-reproducible-figures.md). Here the
    terms are added one after the other in ascending order of their value: terms that tie
    are equal, so the order is total in effect and the sum depends on the multiset of terms
    only. Nulls are skipped, an empty or all-null group gives null, as sum() does.

    duckdb__ / postgres__: sum(x order by x), a sequential fold over the sorted terms
    (checked on DuckDB 2.0 against a Python loop over the sorted values, at 1, 2 and 4
    threads). spark__: the sorted collect_list folded with aggregate(). default__ is the
    plain sum(): no portable SQL orders an aggregate's input, so on other engines figures
    can differ in the last bit between reruns. Integer sums (counts) need none of this:
    they are exact in any order. -#}
{% macro ordered_sum(expression) %}
    {{ return(adapter.dispatch('ordered_sum', 'modelwatch')(expression)) }}
{% endmacro %}

{% macro default__ordered_sum(expression) -%}
    sum({{ expression }})
{%- endmacro %}

{% macro duckdb__ordered_sum(expression) -%}
    sum(({{ expression }}) order by ({{ expression }}))
{%- endmacro %}

{% macro postgres__ordered_sum(expression) -%}
    sum(({{ expression }}) order by ({{ expression }}))
{%- endmacro %}

{% macro spark__ordered_sum(expression) -%}
    case when count({{ expression }}) > 0 then aggregate(
        array_sort(collect_list(cast({{ expression }} as double))),
        cast(0 as double),
        (total, term) -> total + term
    ) end
{%- endmacro %}
