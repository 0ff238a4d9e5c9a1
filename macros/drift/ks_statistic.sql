{#- The exact two-sample Kolmogorov-Smirnov statistic D = max_x |F_ref(x) - F_batch(x)|, from
    the raw value distributions, not from bins. `relation` has, per group, rows of a value with
    a `reference_count` and a `batch_count` (either may be 0; a value may appear on several
    rows). The two empirical CDFs are cumulated over the ordered values (RANGE framing, so
    rows of the same value count together, as ties must) and D is their largest gap. Returns
    one row per group: the group columns, ks_statistic, reference_size (n) and batch_size (m).
    D is null when a sample is empty. Equal to scipy.stats.ks_2samp's statistic.
    For speed, group by one integer key: see docs/decisions/0006-performance.md. -#}
{% macro ks_statistic(relation, group_columns, value_column) %}
    {{ return(adapter.dispatch('ks_statistic', 'modelwatch')(relation, group_columns, value_column)) }}
{% endmacro %}

{% macro default__ks_statistic(relation, group_columns, value_column) -%}
    {%- set keys = group_columns | join(', ') -%}
    {%- set double = modelwatch.type_double() -%}
    with

    sample_sizes as (
        select
            {{ keys }},
            sum(reference_count) as reference_size,
            sum(batch_count) as batch_size
        from {{ relation }}
        group by {{ keys }}
    ),

    cumulated as (
        select
            {{ keys }},
            sum(reference_count) over cumulative_window as cumulative_reference,
            sum(batch_count) over cumulative_window as cumulative_batch
        from {{ relation }}
        window cumulative_window as (
            partition by {{ keys }}
            order by {{ value_column }}
            range between unbounded preceding and current row
        )
    ),

    gaps as (
        select
            {%- for key in group_columns %}
            cumulated.{{ key }},
            {%- endfor %}
            max(abs(
                cast(cumulated.cumulative_reference as {{ double }})
                / nullif(sample_sizes.reference_size, 0)
                - cast(cumulated.cumulative_batch as {{ double }})
                / nullif(sample_sizes.batch_size, 0)
            )) as ks_statistic,
            cast(max(sample_sizes.reference_size) as {{ dbt.type_bigint() }}) as reference_size,
            cast(max(sample_sizes.batch_size) as {{ dbt.type_bigint() }}) as batch_size
        from cumulated
        inner join sample_sizes
            on
            {%- for key in group_columns %}
                {{ 'and ' if not loop.first }}cumulated.{{ key }} = sample_sizes.{{ key }}
            {%- endfor %}
        group by
            {%- for key in group_columns %}
            cumulated.{{ key }}{{ ',' if not loop.last }}
            {%- endfor %}
    )

    select * from gaps
{%- endmacro %}
