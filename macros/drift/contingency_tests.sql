{#- The categorical tests of each sample against its reference, one row per `key_columns`
    and categorical feature: the chi-square test of the 2 x L contingency table (its columns
    the levels, unseen included and missing left out, that either sample holds) and, for a
    feature with two reference levels, the two-proportion z-test on the first level
    (formulas: docs/drift-statistics.md). Columns: reference_size and batch_size (the
    non-missing counts, 0 when a sample holds none), reference_level_count,
    chi_square_statistic, chi_square_pvalue and z_test_pvalue (null unless two reference
    levels). A sample without a value keeps its row with null tests (insufficient_data).
    `relation` holds one row per sample, feature and frozen bin, every bin of the feature
    included (zero-filled): the key columns, feature_name, feature_kind, bin_index,
    bin_type, reference_count and batch_count (the sample's count, be the sample a batch or
    a reference chunk). `carried_columns` are columns constant within a sample and feature,
    returned as they are. Used by int_histogram_metrics_computed and
    int_reference_chunk_metrics_computed. -#}
{% macro contingency_tests(relation, key_columns, carried_columns=[]) %}
    {{ return(adapter.dispatch('contingency_tests', 'modelwatch')(
        relation, key_columns, carried_columns)) }}
{% endmacro %}

{% macro default__contingency_tests(relation, key_columns, carried_columns=[]) -%}
    {%- set group_columns = key_columns + ['feature_name'] -%}
    {%- set join_conditions = [] -%}
    {%- for column in group_columns -%}
        {%- do join_conditions.append('samples.' ~ column ~ ' = tests.' ~ column) -%}
    {%- endfor -%}
    select
        {%- for column in group_columns + carried_columns %}
        samples.{{ column }},
        {%- endfor %}
        coalesce(tests.reference_size, 0) as reference_size,
        coalesce(tests.batch_size, 0) as batch_size,
        coalesce(tests.reference_level_count, 0) as reference_level_count,
        tests.chi_square_statistic,
        case
            -- a sample without a value leaves a zero row (null statistic); the p-value is
            -- null too, not 1 when that table has a single column
            when tests.chi_square_statistic is null then null
            when tests.degrees_of_freedom = 0 then 1.0
            else {{ modelwatch.chi2_sf('tests.chi_square_statistic', 'tests.degrees_of_freedom') }}
        end as chi_square_pvalue,
        case
            when tests.reference_level_count = 2
                then 2 * {{ modelwatch.normal_sf('abs(' ~ modelwatch.two_proportion_z(
                    'tests.reference_first_level', 'tests.reference_size',
                    'tests.batch_first_level', 'tests.batch_size') ~ ')') }}
        end as z_test_pvalue
    from (
        -- every categorical feature of every sample, also one with no value in either
        -- sample (no cell, so no test row): it gets null tests and sizes 0
        select distinct {{ (group_columns + carried_columns) | join(', ') }}
        from {{ relation }}
        where feature_kind = 'categorical'
    ) as samples
    left join (
        select
            {{ group_columns | join(', ') }},
            max(reference_total) as reference_size,
            max(batch_total) as batch_size,
            max(level_count) - 1 as degrees_of_freedom,
            {{ modelwatch.chi_square_statistic(
                'reference_count', 'batch_count', 'reference_total', 'batch_total',
                'level_count') }}
                as chi_square_statistic,
            max(case when bin_index = 1 then reference_count else 0 end)
                as reference_first_level,
            max(case when bin_index = 1 then batch_count else 0 end) as batch_first_level,
            max(reference_level_count) as reference_level_count
        from (
            -- the cells: the levels of the feature (missing left out) that either sample holds
            select
                {{ group_columns | join(', ') }},
                bin_index,
                reference_count,
                batch_count,
                sum(reference_count) over feature_window as reference_total,
                sum(batch_count) over feature_window as batch_total,
                count(*) over feature_window as level_count,
                sum(case when bin_type = 'level' then 1 else 0 end) over feature_window
                    as reference_level_count
            from {{ relation }}
            where
                feature_kind = 'categorical'
                and bin_type != 'missing'
                and reference_count + batch_count > 0
            window feature_window as (partition by {{ group_columns | join(', ') }})
        ) as category_cells
        group by {{ group_columns | join(', ') }}
    ) as tests
        on {{ join_conditions | join('\n        and ') }}
{%- endmacro %}
