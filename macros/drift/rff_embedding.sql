{#- The random-Fourier-feature embedding of raw rows, one output row per input row and
    dimension: the group columns, embedding_id, dimension_index and
    embedding_value = sqrt(2 / D) cos(b_d + sum_j omega_dj z_j).

    relation: rows with model_id, reference_id, the group columns and the numeric slots
        (num_01 …) of stg_modelwatch__predictions.
    moments: one row per model, reference version and slot: slot_name, reference_mean,
        reference_std (ddof = 0). z_j = (x_j - mean_j) / std_j; a missing value, a constant
        feature (std 0) or a non-finite z counts as the reference mean, z = 0
        (docs/multivariate-drift.md).
    frequencies: dim_multivariate_frequencies (one row per model, dimension and feature).
    The SQL is the same for every model: each slot has a frequency, 0 where the model's check
    does not use it. -#}
{% macro rff_embedding(relation, moments, frequencies, group_columns, slots) %}
    {{ return(adapter.dispatch('rff_embedding', 'modelwatch')(
        relation, moments, frequencies, group_columns, slots)) }}
{% endmacro %}

{% macro default__rff_embedding(relation, moments, frequencies, group_columns, slots) -%}
    {%- set double = modelwatch.type_double() -%}
    {%- set numeric = slots.numeric -%}
    select
        {%- for column in group_columns %}
        standardised.{{ column }},
        {%- endfor %}
        frequency.embedding_id,
        frequency.dimension_index,
        sqrt(2.0 / frequency.dimension_count) * cos(
            frequency.phase
            {%- for slot in numeric %}
            + frequency.omega_{{ slot }} * standardised.z_{{ slot }}
            {%- endfor %}
        ) as embedding_value
    from (
        select
            {%- for column in group_columns %}
            rows_to_embed.{{ column }},
            {%- endfor %}
            {%- for slot in numeric %}
            {%- set z = '(rows_to_embed.' ~ slot ~ ' - moment.mean_' ~ slot
                ~ ') / nullif(moment.std_' ~ slot ~ ', 0)' %}
            case when {{ z }} between -1e300 and 1e300 then {{ z }} else 0 end
                as z_{{ slot }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }} as rows_to_embed
        inner join (
            select
                model_id,
                reference_id
                {%- for slot in numeric %},
                max(case when slot_name = '{{ slot }}' then reference_mean end) as mean_{{ slot }},
                max(case when slot_name = '{{ slot }}' then reference_std end) as std_{{ slot }}
                {%- endfor %}
            from {{ moments }}
            group by model_id, reference_id
        ) as moment
            on
                rows_to_embed.model_id = moment.model_id
                and rows_to_embed.reference_id = moment.reference_id
    ) as standardised
    inner join (
        select
            model_id,
            reference_id,
            embedding_id,
            dimension_index,
            dimension_count,
            phase
            {%- for slot in numeric %},
            coalesce(max(case when slot_name = '{{ slot }}' then omega end),
                cast(0 as {{ double }})) as omega_{{ slot }}
            {%- endfor %}
        from {{ frequencies }}
        group by model_id, reference_id, embedding_id, dimension_index, dimension_count, phase
    ) as frequency
        on
            standardised.model_id = frequency.model_id
            and standardised.reference_id = frequency.reference_id
{%- endmacro %}
