{#- Distances between the two empirical CDFs of a numeric feature, exact, from the raw value
    distributions (not from bins). `relation` has, per group, rows of a value with a
    `reference_count` and a `batch_count` (either may be 0; a value may appear on several
    rows). Both CDFs are cumulated over the ordered values (RANGE framing, so rows of the same
    value count together, as ties must). Returns one row per group with:
      ks_statistic          D = max_x |F_ref(x) - F_batch(x)|   (scipy.stats.ks_2samp)
      wasserstein_distance  W1 = sum_i |F_ref(x_i) - F_batch(x_i)| (x_(i+1) - x_i), the area
                            between the CDFs (scipy.stats.wasserstein_distance); null when a
                            sample holds an infinite value
      reference_size, batch_size: n and m
    Both are null when a sample is empty. For speed, group by one integer key
    (docs/decisions/0006-performance.md). -#}
{% macro ecdf_distances(relation, group_columns, value_column) %}
    {{ return(adapter.dispatch('ecdf_distances', 'modelwatch')(relation, group_columns, value_column)) }}
{% endmacro %}

{% macro default__ecdf_distances(relation, group_columns, value_column) -%}
    {%- set keys = group_columns | join(', ') -%}
    {%- set double = modelwatch.type_double() -%}
    with

    sample_sizes as (
        select
            {{ keys }},
            sum(reference_count) as reference_size,
            sum(batch_count) as batch_size,
            max(abs({{ value_column }})) as largest_magnitude
        from {{ relation }}
        group by {{ keys }}
    ),

    cumulated as (
        select
            {{ keys }},
            sum(reference_count) over cumulative_window as cumulative_reference,
            sum(batch_count) over cumulative_window as cumulative_batch,
            {#- lead ignores the frame: one window, so one sort -#}
            lead({{ value_column }}) over cumulative_window - {{ value_column }} as gap_to_next
        from {{ relation }}
        window cumulative_window as (
            partition by {{ keys }}
            order by {{ value_column }}
            range between unbounded preceding and current row
        )
    ),

    differences as (
        select
            {%- for key in group_columns %}
            cumulated.{{ key }},
            {%- endfor %}
            abs(
                cast(cumulated.cumulative_reference as {{ double }})
                / nullif(sample_sizes.reference_size, 0)
                - cast(cumulated.cumulative_batch as {{ double }})
                / nullif(sample_sizes.batch_size, 0)
            ) as cdf_gap,
            cumulated.gap_to_next,
            sample_sizes.reference_size,
            sample_sizes.batch_size,
            sample_sizes.largest_magnitude
        from cumulated
        inner join sample_sizes
            on
            {%- for key in group_columns %}
                {{ 'and ' if not loop.first }}cumulated.{{ key }} = sample_sizes.{{ key }}
            {%- endfor %}
    ),

    distances as (
        select
            {{ keys }},
            max(cdf_gap) as ks_statistic,
            case
                {#- an infinite value: the area is infinite or undefined #}
                when max(largest_magnitude) > 1.7976931348623157e308 then null
                {#- fix: an empty sample has no ECDF (every cdf_gap is null); the sum below
                    gave 0 instead of null #}
                when max(reference_size) = 0 or max(batch_size) = 0 then null
                else {{ modelwatch.ordered_sum(
                    'case when gap_to_next > 0 then cdf_gap * gap_to_next else 0 end') }}
            end as wasserstein_distance,
            cast(max(reference_size) as {{ dbt.type_bigint() }}) as reference_size,
            cast(max(batch_size) as {{ dbt.type_bigint() }}) as batch_size
        from differences
        group by {{ keys }}
    )

    select * from distances
{%- endmacro %}
