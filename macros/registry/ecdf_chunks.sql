{#- int_ecdf_metrics_computed in chunks of this run's batches (decision 0024).

    Each numeric value of a pending batch goes through two window sorts and two as-of joins
    before it is reduced to one row per sample, and DuckDB holds all of them at once: a full
    build of 53 weeks of 50 models (about a billion batch values) spilled more than 60 GB to
    disk and failed. So the model computes one chunk of batches per statement: the model's own
    SQL the first chunk, a post-hook inserting the others. A chunk holds consecutive pending
    batches (by model_id, batch_id) up to `modelwatch_ecdf_chunk_values` batch values (rows x
    numeric features; a larger batch is a chunk of its own). Every sample is computed alone
    (partitioned by its key, sums in a fixed order), so the figures are the same bits whatever
    the chunking. A weekly run of the 50-model benchmark (100 batches, ~40M values) is one
    chunk at the default. -#}

{#- One row per pending batch with a numeric feature: model_id, batch_id, chunk_index. -#}
{% macro ecdf_chunk_plan() %}
    {{ return(adapter.dispatch('ecdf_chunk_plan', 'modelwatch')()) }}
{% endmacro %}

{% macro default__ecdf_chunk_plan() -%}
    {%- set limit = var('modelwatch_ecdf_chunk_values', 50000000) -%}
    {%- if limit is not number or limit < 1 -%}
        {{ exceptions.raise_compiler_error(
            "modelwatch: var modelwatch_ecdf_chunk_values must be a positive number of batch "
            ~ "values (rows x numeric features) per chunk of int_ecdf_metrics_computed, got '"
            ~ limit ~ "'. Set it in dbt_project.yml vars or with --vars, e.g. 50000000.") }}
    {%- endif -%}
    select
        model_id,
        batch_id,
        cast(floor(coalesce(values_before, 0) / {{ limit }}) as {{ dbt.type_bigint() }})
            as chunk_index
    from (
        select
            sized.model_id,
            sized.batch_id,
            sum(sized.batch_values) over (
                order by sized.model_id, sized.batch_id
                rows between unbounded preceding and 1 preceding
            ) as values_before
        from (
            select
                pending.model_id,
                pending.batch_id,
                cast(pending.batch_rows as {{ dbt.type_bigint() }}) * numeric_features.feature_count
                    as batch_values
            from {{ ref('int_prediction_batches_pending') }} as pending
            inner join (
                select
                    model_id,
                    count(*) as feature_count
                from {{ ref('dim_monitored_features') }}
                where feature_kind = 'numeric'
                group by model_id
            ) as numeric_features
                on pending.model_id = numeric_features.model_id
        ) as sized
    ) as cumulated
{%- endmacro %}

{#- The chunk the model's own SQL computes, marked so the post-hook can swap in the others. -#}
{% macro ecdf_chunk_marker(chunk_index=0) -%}
    {{ return(chunk_index ~ ' /* modelwatch_ecdf_chunk */') }}
{%- endmacro %}

{#- Post-hook of int_ecdf_metrics_computed: the model's compiled SQL again for every chunk
    after the first, inserted into the table the first one created. -#}
{% macro insert_ecdf_chunks() %}
    {{ return(adapter.dispatch('insert_ecdf_chunks', 'modelwatch')()) }}
{% endmacro %}

{% macro default__insert_ecdf_chunks() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set marker = modelwatch.ecdf_chunk_marker(0) -%}
    {%- set compiled = model.compiled_code -%}
    {%- if compiled.count(marker) != 1 -%}
        {{ exceptions.raise_compiler_error(
            "modelwatch: " ~ model.name ~ " must filter its samples on exactly one "
            ~ "modelwatch.ecdf_chunk_marker() (found " ~ compiled.count(marker) ~ "); "
            ~ "its post-hook computes the other chunks by replacing it.") }}
    {%- endif -%}
    {%- set chunks = run_query(
        "select distinct chunk_index from (" ~ modelwatch.ecdf_chunk_plan()
        ~ ") as plan where chunk_index > 0 order by chunk_index") -%}
    {%- for chunk_index in chunks.columns[0].values() -%}
        {%- do run_query(
            "insert into " ~ this ~ " select * from ("
            ~ compiled.replace(marker, modelwatch.ecdf_chunk_marker(chunk_index | int))
            ~ ") as chunk_rows") -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}
