{#- The exact two-sample Kolmogorov-Smirnov statistic D = max_x |F_ref(x) - F_batch(x)|, from
    the raw value distributions, not from bins. `relation` has one row per group and distinct
    value with `reference_count` and `batch_count` (either may be 0); the two empirical CDFs
    are cumulative sums over the merged, ordered values, and D is their largest gap. Returns
    one row per group: the group columns, ks_statistic, reference_size (n), batch_size (m).
    D is null when a sample is empty. Equal to scipy.stats.ks_2samp's statistic. -#}
{% macro ks_statistic(relation, group_columns, value_column) %}
    {{ return(adapter.dispatch('ks_statistic', 'modelwatch')(relation, group_columns, value_column)) }}
{% endmacro %}

{% macro default__ks_statistic(relation, group_columns, value_column) -%}
    {%- set keys = group_columns | join(', ') -%}
    {%- set double = modelwatch.type_double() -%}
    select
        {{ keys }},
        max(abs(
            cast(cumulative_reference as {{ double }}) / nullif(reference_size, 0)
            - cast(cumulative_batch as {{ double }}) / nullif(batch_size, 0)
        )) as ks_statistic,
        cast(max(reference_size) as {{ dbt.type_bigint() }}) as reference_size,
        cast(max(batch_size) as {{ dbt.type_bigint() }}) as batch_size
    from (
        select
            {{ keys }},
            sum(reference_count) over (
                partition by {{ keys }}
                order by {{ value_column }}
                range between unbounded preceding and current row
            ) as cumulative_reference,
            sum(batch_count) over (
                partition by {{ keys }}
                order by {{ value_column }}
                range between unbounded preceding and current row
            ) as cumulative_batch,
            sum(reference_count) over (partition by {{ keys }}) as reference_size,
            sum(batch_count) over (partition by {{ keys }}) as batch_size
        from {{ relation }}
    ) as cumulated
    group by {{ keys }}
{%- endmacro %}
