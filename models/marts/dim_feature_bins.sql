{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'reference_id'],
    )
}}
{#- The frozen bins of every feature, per reference version: one row per model, reference,
    feature and bin, with the reference's count and share in it.

    Numeric: edges at the reference's quantiles i/k, i = 1..k-1 (inverted-CDF definition:
    the smallest value whose cumulative share reaches i/k), ties collapsed to one edge; bins
    closed on the right, (lower, upper], the first open below and the last open above so
    values outside the reference range are counted. Categorical: one bin per reference level,
    most frequent first, then one for levels never seen in the reference. Both: bin 0 holds
    missing values (null, and NaN for numbers). docs/drift-statistics.md has the details. -#}
{%- set stored = modelwatch.stored_references(this) -%}
{%- set text = dbt.type_string() -%}
{%- set double = modelwatch.type_double() -%}

with

reference_values as (
    select
        model_id,
        reference_id,
        feature_name,
        feature_kind,
        numeric_value,
        category_value,
        value_count
    from {{ ref('int_reference_values_counted') }}
    where {{ modelwatch.not_stored_reference(stored) }}
),

features as (
    select
        model_id,
        feature_name,
        bin_count
    from {{ ref('dim_monitored_features') }}
),

reference_sizes as (
    select
        model_id,
        reference_id,
        feature_name,
        feature_kind,
        cast(sum(value_count) as {{ dbt.type_bigint() }}) as reference_rows,
        cast(sum(
            case
                when numeric_value is null and category_value is null then value_count
                else 0
            end
        ) as {{ dbt.type_bigint() }}) as reference_missing
    from reference_values
    group by 1, 2, 3, 4
),

numeric_samples as (
    -- one integer key per numeric feature and reference: the sort partitions by it
    select
        reference_sizes.model_id,
        reference_sizes.reference_id,
        reference_sizes.feature_name,
        features.bin_count,
        reference_sizes.reference_rows - reference_sizes.reference_missing as present_count,
        row_number() over (
            order by
                reference_sizes.model_id,
                reference_sizes.reference_id,
                reference_sizes.feature_name
        ) as sample_key
    from reference_sizes
    inner join features
        on
            reference_sizes.model_id = features.model_id
            and reference_sizes.feature_name = features.feature_name
    where reference_sizes.feature_kind = 'numeric'
),

numeric_cumulated as (
    select
        numeric_samples.sample_key,
        reference_values.numeric_value,
        reference_values.value_count,
        sum(reference_values.value_count) over (
            partition by numeric_samples.sample_key
            order by reference_values.numeric_value
            rows between unbounded preceding and current row
        ) as cumulative_count
    from reference_values
    inner join numeric_samples
        on
            reference_values.model_id = numeric_samples.model_id
            and reference_values.reference_id = numeric_samples.reference_id
            and reference_values.feature_name = numeric_samples.feature_name
    where reference_values.numeric_value is not null
),

numeric_quantile_steps as (
    -- the value that is the i/k quantile for every step i it crosses: the quantile steps
    -- up to and including this value, and those strictly before it (one row per value)
    select
        numeric_samples.model_id,
        numeric_samples.reference_id,
        numeric_samples.feature_name,
        numeric_samples.bin_count,
        numeric_cumulated.numeric_value,
        numeric_cumulated.cumulative_count,
        floor(
            cast(numeric_cumulated.cumulative_count * numeric_samples.bin_count as {{ double }})
            / numeric_samples.present_count
        ) as steps_through,
        floor(
            cast(
                (numeric_cumulated.cumulative_count - numeric_cumulated.value_count)
                * numeric_samples.bin_count as {{ double }}
            )
            / numeric_samples.present_count
        ) as steps_before
    from numeric_cumulated
    inner join numeric_samples
        on numeric_cumulated.sample_key = numeric_samples.sample_key
),

numeric_edges as (
    select
        model_id,
        reference_id,
        feature_name,
        numeric_value as edge_value,
        cumulative_count,
        row_number() over (
            partition by model_id, reference_id, feature_name
            order by numeric_value
        ) as edge_index
    from numeric_quantile_steps
    where
        steps_through > steps_before
        and steps_before < bin_count - 1
),

numeric_upper_bins as (
    -- bins 1..E: (previous edge, edge], closed on the right
    select
        model_id,
        reference_id,
        feature_name,
        edge_index as bin_index,
        lag(edge_value) over (
            partition by model_id, reference_id, feature_name order by edge_index
        ) as lower_edge,
        edge_value as upper_edge,
        cumulative_count - coalesce(lag(cumulative_count) over (
            partition by model_id, reference_id, feature_name order by edge_index
        ), 0) as reference_count
    from numeric_edges
),

numeric_edge_summaries as (
    select
        model_id,
        reference_id,
        feature_name,
        max(edge_index) as edge_count,
        max(edge_value) as last_edge,
        max(cumulative_count) as count_through_last_edge
    from numeric_edges
    group by 1, 2, 3
),

numeric_last_bins as (
    -- bin E+1: above the last edge, open-ended (the only bin when there is no edge)
    select
        reference_sizes.model_id,
        reference_sizes.reference_id,
        reference_sizes.feature_name,
        coalesce(numeric_edge_summaries.edge_count, 0) + 1 as bin_index,
        numeric_edge_summaries.last_edge as lower_edge,
        cast(null as {{ double }}) as upper_edge,
        reference_sizes.reference_rows - reference_sizes.reference_missing
        - coalesce(numeric_edge_summaries.count_through_last_edge, 0) as reference_count
    from reference_sizes
    left join numeric_edge_summaries
        on
            reference_sizes.model_id = numeric_edge_summaries.model_id
            and reference_sizes.reference_id = numeric_edge_summaries.reference_id
            and reference_sizes.feature_name = numeric_edge_summaries.feature_name
    where reference_sizes.feature_kind = 'numeric'
),

numeric_bins as (
    select
        model_id,
        reference_id,
        feature_name,
        bin_index,
        lower_edge,
        upper_edge,
        cast(null as {{ text }}) as category_value,
        reference_count
    from numeric_upper_bins
    union all
    select
        model_id,
        reference_id,
        feature_name,
        bin_index,
        lower_edge,
        upper_edge,
        cast(null as {{ text }}) as category_value,
        reference_count
    from numeric_last_bins
),

category_levels as (
    select
        model_id,
        reference_id,
        feature_name,
        row_number() over (
            partition by model_id, reference_id, feature_name
            order by value_count desc, category_value asc
        ) as bin_index,
        cast(null as {{ double }}) as lower_edge,
        cast(null as {{ double }}) as upper_edge,
        category_value,
        value_count as reference_count
    from reference_values
    where
        feature_kind = 'categorical'
        and category_value is not null
),

category_unseen_bins as (
    select
        reference_sizes.model_id,
        reference_sizes.reference_id,
        reference_sizes.feature_name,
        coalesce(max(category_levels.bin_index), 0) + 1 as bin_index,
        cast(null as {{ double }}) as lower_edge,
        cast(null as {{ double }}) as upper_edge,
        cast(null as {{ text }}) as category_value,
        0 as reference_count
    from reference_sizes
    left join category_levels
        on
            reference_sizes.model_id = category_levels.model_id
            and reference_sizes.reference_id = category_levels.reference_id
            and reference_sizes.feature_name = category_levels.feature_name
    where reference_sizes.feature_kind = 'categorical'
    group by 1, 2, 3
),

missing_bins as (
    select
        model_id,
        reference_id,
        feature_name,
        0 as bin_index,
        cast(null as {{ double }}) as lower_edge,
        cast(null as {{ double }}) as upper_edge,
        cast(null as {{ text }}) as category_value,
        reference_missing as reference_count
    from reference_sizes
),

all_bins as (
    select
        *,
        'value' as bin_type
    from numeric_bins
    union all
    select
        *,
        'level' as bin_type
    from category_levels
    union all
    select
        *,
        'unseen' as bin_type
    from category_unseen_bins
    union all
    select
        *,
        'missing' as bin_type
    from missing_bins
),

bins_with_shares as (
    select
        all_bins.model_id,
        all_bins.reference_id,
        all_bins.feature_name,
        reference_sizes.feature_kind,
        all_bins.bin_index,
        all_bins.bin_type,
        case all_bins.bin_type
            when 'missing' then 'missing'
            when 'unseen' then 'unseen'
            when 'level' then all_bins.category_value
            else {{ dbt.concat([
                "'('",
                "coalesce(cast(all_bins.lower_edge as " ~ text ~ "), '-inf')",
                "', '",
                "coalesce(cast(all_bins.upper_edge as " ~ text ~ "), '+inf')",
                "case when all_bins.upper_edge is null then ')' else ']' end"]) }}
        end as bin_label,
        all_bins.lower_edge,
        all_bins.upper_edge,
        all_bins.category_value,
        all_bins.reference_count,
        reference_sizes.reference_rows,
        cast(all_bins.reference_count as {{ double }})
        / nullif(reference_sizes.reference_rows, 0) as reference_share
    from all_bins
    inner join reference_sizes
        on
            all_bins.model_id = reference_sizes.model_id
            and all_bins.reference_id = reference_sizes.reference_id
            and all_bins.feature_name = reference_sizes.feature_name
)

select * from bins_with_shares
