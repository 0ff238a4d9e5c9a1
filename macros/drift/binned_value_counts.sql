{#- Places value counts onto the frozen bins: one row per `key_columns`, feature and bin
    holding at least one value, with the number of rows that fell in the bin (bin_count,
    bigint). `relation` holds distinct values with their counts (the shape of
    int_batch_values_counted: model_id, reference_id, feature_name, feature_kind,
    numeric_value, category_value, value_count, plus the key columns); `bins_relation` has
    dim_feature_bins' columns (model_id, reference_id, feature_name, bin_index, bin_type,
    lower_edge, upper_edge, category_value). Each value is binned on the bins of its own row's
    reference_id: a numeric value in the value bin (lower, upper], a category in its level
    bin or else the feature's unseen bin, a missing value in bin 0. `key_columns` must
    include model_id; zero-filling the bins a sample does not reach is the caller's. -#}
{% macro binned_value_counts(relation, key_columns, bins_relation) %}
    {{ return(adapter.dispatch('binned_value_counts', 'modelwatch')(
        relation, key_columns, bins_relation)) }}
{% endmacro %}

{% macro default__binned_value_counts(relation, key_columns, bins_relation) -%}
    {%- set keys = [] -%}
    {%- for column in key_columns -%}
        {%- do keys.append('sample_values.' ~ column) -%}
    {%- endfor -%}
    {%- set group_columns = key_columns + ['feature_name', 'bin_index'] -%}
    select
        {{ key_columns | join(', ') }},
        feature_name,
        bin_index,
        cast(sum(value_count) as {{ dbt.type_bigint() }}) as bin_count
    from (
        select
            {{ keys | join(', ') }},
            sample_values.feature_name,
            bins.bin_index,
            sample_values.value_count
        from {{ relation }} as sample_values
        inner join {{ bins_relation }} as bins
            on
                sample_values.model_id = bins.model_id
                and sample_values.reference_id = bins.reference_id
                and sample_values.feature_name = bins.feature_name
                and bins.bin_type = 'value'
                and (bins.lower_edge is null or sample_values.numeric_value > bins.lower_edge)
                and (bins.upper_edge is null or sample_values.numeric_value <= bins.upper_edge)
        where
            sample_values.feature_kind = 'numeric'
            and sample_values.numeric_value is not null
        union all
        select
            {{ keys | join(', ') }},
            sample_values.feature_name,
            coalesce(levels.bin_index, unseen.bin_index) as bin_index,
            sample_values.value_count
        from {{ relation }} as sample_values
        left join {{ bins_relation }} as levels
            on
                sample_values.model_id = levels.model_id
                and sample_values.reference_id = levels.reference_id
                and sample_values.feature_name = levels.feature_name
                and levels.bin_type = 'level'
                and sample_values.category_value = levels.category_value
        inner join {{ bins_relation }} as unseen
            on
                sample_values.model_id = unseen.model_id
                and sample_values.reference_id = unseen.reference_id
                and sample_values.feature_name = unseen.feature_name
                and unseen.bin_type = 'unseen'
        where
            sample_values.feature_kind = 'categorical'
            and sample_values.category_value is not null
        union all
        select
            {{ keys | join(', ') }},
            sample_values.feature_name,
            0 as bin_index,
            sample_values.value_count
        from {{ relation }} as sample_values
        where sample_values.numeric_value is null and sample_values.category_value is null
    ) as binned
    group by {{ group_columns | join(', ') }}
{%- endmacro %}
