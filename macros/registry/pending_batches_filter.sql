{#- Which batches a run (re)computes: a SQL predicate over stg_modelwatch__predictions.

    The ledger is fct_model_batch_status (one row per model and batch already computed). Per
    model, a run computes the batches that start at or after the newest stored batch, going
    back `modelwatch_lookback_batches` more (late rows land there), plus any batch named in
    `modelwatch_rerun_batches`. A model with nothing stored yet, a first run and a
    --full-refresh compute every batch. So the work of a run follows the new data, not the
    history: see docs/decisions/0004-incremental-batches.md.

    The cut-off is read at execution time and written into the SQL as a literal timestamp, so
    the warehouse can prune the log's scan to recent rows (zone maps, partitions). The ledger
    is read through the graph rather than ref() because the marts that fill it are downstream
    of the models that read it. -#}
{% macro pending_batches_filter(registry) %}
    {{ return(adapter.dispatch('pending_batches_filter', 'modelwatch')(registry)) }}
{% endmacro %}

{% macro default__pending_batches_filter(registry) %}
    {% set cutoffs = modelwatch._batch_cutoffs() %}
    {% set rerun = var('modelwatch_rerun_batches', []) or [] %}
    {% if rerun is string %}
        {% set rerun = [rerun] %}
    {% endif %}
    {% set ts = dbt.type_timestamp() %}
    {% set clauses = [] %}
    {% for entry in registry %}
        {% set model = "model_id = " ~ modelwatch.string_literal(entry.model_id) %}
        {% set cutoff = cutoffs.get(entry.model_id) %}
        {% if cutoff is none %}
            {% do clauses.append(model) %}
        {% else %}
            {% set recent = "predicted_at >= cast('" ~ cutoff ~ "' as " ~ ts ~ ")" %}
            {% if entry.batch_column %}
                {#- A batch column need not follow time: recompute every batch touched by a
                    recent row, whole. -#}
                {% set recent = "batch_id in (select touched.batch_id from "
                    ~ ref('stg_modelwatch__predictions') ~ " as touched where touched." ~ model
                    ~ " and not touched.is_reference and touched." ~ recent ~ ")" %}
            {% endif %}
            {% do clauses.append('(' ~ model ~ ' and ' ~ recent ~ ')') %}
        {% endif %}
        {% if rerun | length > 0 %}
            {% set quoted = [] %}
            {% for batch_id in rerun %}
                {% do quoted.append(modelwatch.string_literal(batch_id)) %}
            {% endfor %}
            {% do clauses.append('(' ~ model ~ ' and batch_id in (' ~ quoted | join(', ') ~ '))') %}
        {% endif %}
    {% endfor %}
    {% if clauses | length == 0 %}
        {{ return('not is_reference and 1 = 0') }}
    {% endif %}
    {{ return('not is_reference and (\n        ' ~ clauses | join('\n        or ') ~ '\n    )') }}
{% endmacro %}


{#- {model_id: 'YYYY-MM-DD HH:MM:SS'}: the start of the oldest batch to recompute, per model
    that has batches stored. Empty on a first run or a --full-refresh. -#}
{% macro _batch_cutoffs() %}
    {% if not execute or flags.FULL_REFRESH %}
        {{ return({}) }}
    {% endif %}
    {% set ledger = modelwatch._existing_model_relation('fct_model_batch_status') %}
    {% if ledger is none %}
        {{ return({}) }}
    {% endif %}
    {% set lookback = var('modelwatch_lookback_batches', 0) | int %}
    {% set query %}
        with ranked as (
            select
                model_id,
                batch_started_at,
                row_number() over (
                    partition by model_id order by batch_started_at desc
                ) as recency_rank
            from {{ ledger }}
        )

        select
            model_id,
            min(batch_started_at) as cutoff_at
        from ranked
        where recency_rank <= {{ lookback + 1 }}
        group by model_id
    {% endset %}
    {% set cutoffs = {} %}
    {% for row in run_query(query).rows %}
        {% do cutoffs.update({row[0]: row[1].strftime('%Y-%m-%d %H:%M:%S.%f')}) %}
    {% endfor %}
    {{ return(cutoffs) }}
{% endmacro %}


{#- The warehouse relation of one of this package's models, or none if it is not built yet. -#}
{% macro _existing_model_relation(model_name) %}
    {% for node in graph.nodes.values() %}
        {% if node.resource_type == 'model' and node.name == model_name
            and node.package_name == 'modelwatch' %}
            {{ return(adapter.get_relation(
                database=node.database, schema=node.schema, identifier=node.alias)) }}
        {% endif %}
    {% endfor %}
    {{ return(none) }}
{% endmacro %}
