{#- The exact KS statistic and Wasserstein-1 distance of every sample (model x batch x numeric
    feature) between its batch values and its reference's frozen ECDF. Arguments are relation
    (CTE) names:
      samples            sample_key, model_id, reference_id, batch_id, feature_name
      batch_values       model_id, batch_id, feature_name, numeric_value, value_count
                         (non-null values, one row per distinct value)
      reference_values   model_id, reference_id, feature_name, numeric_value, value_count
      reference_ecdfs    int_reference_ecdfs_computed (cumulative counts and running areas)
    Returns one row per sample: sample_key, ks_statistic, wasserstein_distance (null as in
    modelwatch.ecdf_distances: an empty sample, an infinite value), reference_size, batch_size.

    default__ merges the reference's values with each batch's and sorts them per sample
    (modelwatch.ecdf_distances_merged): portable, but its work is batches x reference values.
    duckdb__ looks F_ref up at the batch's own values with ASOF joins: batch-sized work
    (docs/decisions/0021-ecdf-asof.md). -#}
{% macro ecdf_distances_asof(samples, batch_values, reference_values, reference_ecdfs) %}
    {{ return(adapter.dispatch('ecdf_distances_asof', 'modelwatch')(
        samples, batch_values, reference_values, reference_ecdfs)) }}
{% endmacro %}

{% macro default__ecdf_distances_asof(samples, batch_values, reference_values, reference_ecdfs) -%}
    {{ return(modelwatch.ecdf_distances_merged(samples, batch_values, reference_values)) }}
{%- endmacro %}

{% macro duckdb__ecdf_distances_asof(samples, batch_values, reference_values, reference_ecdfs) -%}
    {%- set double = modelwatch.type_double() -%}
    {#- The Wasserstein area of a sample is a sum of differences of products (magnitude M_i
        per interval) that can be far larger than the area A itself. Its rounding error was
        measured at ~0.1 x 2^-52 x sqrt(sum M_i^2) / A (decision 0021); a sample where that
        ratio exceeds this limit (error above ~1e-12) is merged exactly instead. -#}
    {%- set condition_limit = 100000 -%}
    with

    sample_references as (
        -- one integer key per reference ECDF in use: the ASOF joins partition by it
        select
            model_id,
            reference_id,
            feature_name,
            row_number() over (order by model_id, reference_id, feature_name) as ecdf_key
        from (select distinct model_id, reference_id, feature_name from {{ samples }})
    ),

    ecdfs as (
        select
            sample_references.ecdf_key,
            ecdf.numeric_value,
            cast(ecdf.value_count as bigint) as value_count,
            cast(ecdf.cumulative_count as bigint) as cumulative_count,
            cast(ecdf.reference_size as bigint) as reference_size,
            ecdf.largest_magnitude,
            ecdf.area_below,
            ecdf.area_above
        from {{ reference_ecdfs }} as ecdf
        inner join sample_references
            on
                ecdf.model_id = sample_references.model_id
                and ecdf.reference_id = sample_references.reference_id
                and ecdf.feature_name = sample_references.feature_name
    ),

    reference_sizes as (
        select
            ecdf_key,
            max(reference_size) as reference_size,
            min(numeric_value) as reference_min,
            arg_min(area_above, numeric_value) as area_above_min,
            max(largest_magnitude) as reference_largest
        from ecdfs
        group by ecdf_key
    ),

    batch_points as (
        select
            {{ samples }}.sample_key,
            sample_references.ecdf_key,
            {{ batch_values }}.numeric_value,
            cast({{ batch_values }}.value_count as bigint) as value_count
        from {{ batch_values }}
        inner join {{ samples }}
            on
                {{ batch_values }}.model_id = {{ samples }}.model_id
                and {{ batch_values }}.batch_id = {{ samples }}.batch_id
                and {{ batch_values }}.feature_name = {{ samples }}.feature_name
        inner join sample_references
            on
                {{ samples }}.model_id = sample_references.model_id
                and {{ samples }}.reference_id = sample_references.reference_id
                and {{ samples }}.feature_name = sample_references.feature_name
    ),

    batch_cumulated as (
        select
            batch_points.*,
            cast(sum(value_count) over point_window as bigint) as batch_cumulative,
            lead(numeric_value) over point_window as next_value,
            cast(sum(value_count) over sample_window as bigint) as batch_size,
            max(abs(numeric_value)) over sample_window as batch_largest
        from batch_points
        window
            sample_window as (partition by sample_key),
            point_window as (
                partition by sample_key
                order by numeric_value
                rows between unbounded preceding and current row
            )
    ),

    batch_thresholds as (
        -- B = batch_cumulative on [b_i, b_(i+1)); F_ref >= B / m from the first reference
        -- value whose count C has C m >= B n, i.e. C >= ceil(B n / m): integers, exact
        select
            batch_cumulated.*,
            reference_sizes.reference_size,
            reference_sizes.reference_min,
            reference_sizes.area_above_min,
            reference_sizes.reference_largest,
            (batch_cumulative * reference_sizes.reference_size + batch_size - 1) // batch_size
                as split_count
        from batch_cumulated
        left join reference_sizes
            on batch_cumulated.ecdf_key = reference_sizes.ecdf_key
    ),

    points_located as (
        -- the reference value at or below each batch value: F_ref(b_i) and the areas there
        select
            batch_thresholds.*,
            at_point.numeric_value as at_value,
            at_point.value_count as at_count,
            at_point.cumulative_count as at_cumulative,
            at_point.area_below as at_below,
            at_point.area_above as at_above
        from batch_thresholds
        asof left join ecdfs as at_point
            on
                batch_thresholds.ecdf_key = at_point.ecdf_key
                and batch_thresholds.numeric_value >= at_point.numeric_value
    ),

    points_split as (
        -- the first reference value where F_ref reaches the batch's CDF on [b_i, b_(i+1))
        select
            points_located.*,
            split_point.numeric_value as split_value,
            split_point.area_below as split_below,
            split_point.area_above as split_above
        from points_located
        asof left join ecdfs as split_point
            on
                points_located.ecdf_key = split_point.ecdf_key
                and points_located.split_count <= split_point.cumulative_count
    ),

    points_evaluated as (
        -- at b_i: C(b_i), C(b_i-), and the areas below C and above it (up to n) from the
        -- reference's ends: the local linear term from the reference value at or below b_i
        select
            sample_key,
            numeric_value,
            next_value,
            cast(reference_size as {{ double }}) as n,
            cast(batch_size as {{ double }}) as m,
            cast(batch_cumulative as {{ double }}) as b,
            cast(batch_cumulative - value_count = 0 as integer) as is_first,
            reference_size,
            batch_size,
            reference_largest,
            batch_largest,
            split_value,
            split_below,
            split_above,
            greatest(
                abs(
                    cast(coalesce(at_cumulative, 0) as {{ double }})
                    / nullif(reference_size, 0)
                    - cast(batch_cumulative as {{ double }}) / batch_size
                ),
                abs(
                    cast(
                        case
                            when at_value = numeric_value then at_cumulative - at_count
                            else coalesce(at_cumulative, 0)
                        end as {{ double }}
                    ) / nullif(reference_size, 0)
                    - cast(batch_cumulative - value_count as {{ double }}) / batch_size
                )
            ) as cdf_gap,
            case
                when at_value is null then 0
                else at_below + cast(at_cumulative as {{ double }}) * (numeric_value - at_value)
            end as below_at,
            case
                when at_value is null
                    then area_above_min
                    + cast(reference_size as {{ double }}) * (reference_min - numeric_value)
                else at_above - cast(reference_size - at_cumulative as {{ double }})
                    * (numeric_value - at_value)
            end as above_at
        from points_split
    ),

    intervals as (
        select
            points_evaluated.*,
            lead(below_at) over interval_window as below_next,
            lead(above_at) over interval_window as above_next
        from points_evaluated
        window interval_window as (partition by sample_key order by numeric_value)
    ),

    intervals_split as (
        -- s = the split clamped into [b_i, b_(i+1)], with the areas there
        select
            *,
            case
                when split_value <= numeric_value then numeric_value
                when split_value >= next_value then next_value
                else split_value
            end as split_at,
            case
                when split_value <= numeric_value then below_at
                when split_value >= next_value then below_next
                else split_below
            end as below_split,
            case
                when split_value <= numeric_value then above_at
                when split_value >= next_value then above_next
                else split_above
            end as above_split
        from intervals
    ),

    interval_areas as (
        -- integral of |m C(x) - n B| over [b_i, b_(i+1)): n B - m C below s, m C - n B above.
        -- From the areas below C when they are the smaller numbers there, else from the areas
        -- above it (m C - n B = n (m - B) - m (n - C)): the differences of large running
        -- areas lose digits, so each interval takes the end they are small at (0021).
        -- Plus the tails: m x area below C before b_1, m x area above C after b_k.
        select
            sample_key,
            cdf_gap,
            reference_size,
            batch_size,
            reference_largest,
            batch_largest,
            n,
            m,
            -- the largest products the area is a difference of: their rounding error
            case when is_first = 1 then m * abs(below_at) else 0 end
            + case
                when next_value is null then m * abs(above_at)
                when below_next <= above_at
                    then n * b * (next_value - numeric_value)
                    + m * (abs(below_at) + 2 * abs(below_split) + abs(below_next))
                else n * (m - b) * (next_value - numeric_value)
                    + m * (abs(above_at) + 2 * abs(above_split) + abs(above_next))
            end as magnitude,
            case when is_first = 1 then m * below_at else 0 end
            + case
                when next_value is null then m * above_at
                when below_next <= above_at
                    then n * b * (split_at - numeric_value) - m * (below_split - below_at)
                    + m * (below_next - below_split) - n * b * (next_value - split_at)
                else m * (above_at - above_split) - n * (m - b) * (split_at - numeric_value)
                    + n * (m - b) * (next_value - split_at) - m * (above_split - above_next)
            end as area
        from intervals_split
    ),

    distances as (
        select
            sample_key,
            max(cdf_gap) as ks_statistic,
            case
                {#- an infinite value: the area is infinite or undefined #}
                when max(reference_largest) > 1.7976931348623157e308 then null
                when max(batch_largest) > 1.7976931348623157e308 then null
                when coalesce(max(reference_size), 0) = 0 then null
                else {{ modelwatch.ordered_sum('area') }} / (max(n) * max(m))
            end as wasserstein_distance,
            {#- sums in a fixed order: a rerun gives the same bits (decision 0022) #}
            sqrt({{ modelwatch.ordered_sum('magnitude * magnitude') }})
            > {{ condition_limit }} * abs({{ modelwatch.ordered_sum('area') }})
                as is_ill_conditioned,
            max(batch_size) as batch_size
        from interval_areas
        group by sample_key
    ),

    ill_conditioned_samples as (
        select
            {{ samples }}.sample_key,
            {{ samples }}.model_id,
            {{ samples }}.reference_id,
            {{ samples }}.batch_id,
            {{ samples }}.feature_name
        from {{ samples }}
        inner join distances
            on {{ samples }}.sample_key = distances.sample_key
        where distances.wasserstein_distance is not null and distances.is_ill_conditioned
    ),

    merged_distances as (
        -- the exact merge of reference and batch, for the ill-conditioned samples only
        {{ modelwatch.ecdf_distances_merged(
            'ill_conditioned_samples', batch_values, reference_values) }}
    ),

    sample_distances as (
        -- every sample; a batch without values still reports its reference's size
        select
            {{ samples }}.sample_key,
            distances.ks_statistic,
            coalesce(merged_distances.wasserstein_distance, distances.wasserstein_distance)
                as wasserstein_distance,
            cast(coalesce(reference_sizes.reference_size, 0) as bigint) as reference_size,
            cast(coalesce(distances.batch_size, 0) as bigint) as batch_size
        from {{ samples }}
        left join sample_references
            on
                {{ samples }}.model_id = sample_references.model_id
                and {{ samples }}.reference_id = sample_references.reference_id
                and {{ samples }}.feature_name = sample_references.feature_name
        left join reference_sizes
            on sample_references.ecdf_key = reference_sizes.ecdf_key
        left join distances
            on {{ samples }}.sample_key = distances.sample_key
        left join merged_distances
            on {{ samples }}.sample_key = merged_distances.sample_key
    )

    select * from sample_distances
{%- endmacro %}
