{#- Appends retrain decisions and request lifecycle events to the warehouse, exactly once.
    Called by scripts/retrain_handoff.py as
    `dbt run-operation modelwatch.record_retrain_events --args '{decisions: [...], events: [...]}'`
    (decision 0020). Creates, if missing, in the target schema:
    - retrain_decisions: one row per model and batch decided (outcome, reason), append-only;
    - retrain_requests: one row per request and lifecycle status (requested, acknowledged,
      completed, rejected), append-only;
    - retrain_requests_current: a view, one row per request with its latest status.
    Rows whose id is already stored are skipped, so a re-run after a crash writes nothing
    twice. Portable SQL: create table if not exists, insert … select … where not exists. -#}
{% macro record_retrain_events(decisions=[], events=[]) %}
    {{ return(adapter.dispatch('record_retrain_events', 'modelwatch')(decisions, events)) }}
{% endmacro %}

{% macro default__record_retrain_events(decisions, events) %}
    {% set text = dbt.type_string() %}
    {% set stamp = dbt.type_timestamp() %}
    {% set decision_columns = [
        ('decision_id', text), ('model_id', text), ('batch_id', text),
        ('batch_started_at', 'date'), ('outcome', text), ('reason', text),
        ('request_id', text), ('triggers', text), ('model_version', text),
        ('quality_failures', text), ('recorded_at', stamp)] %}
    {% set event_columns = [
        ('event_id', text), ('request_id', text), ('model_id', text), ('batch_id', text),
        ('status', text), ('reason', text), ('actor', text), ('event_at', text),
        ('recorded_at', stamp)] %}
    {% set recorded_at = run_started_at.strftime('%Y-%m-%d %H:%M:%S') %}
    {% set decisions_relation = modelwatch._retrain_relation('retrain_decisions') %}
    {% set requests_relation = modelwatch._retrain_relation('retrain_requests') %}
    {% set current_relation = modelwatch._retrain_relation('retrain_requests_current') %}
    {% do run_query('create schema if not exists ' ~ decisions_relation.without_identifier()) %}
    {% for relation, columns in [(decisions_relation, decision_columns),
                                 (requests_relation, event_columns)] %}
        {% set column_list = [] %}
        {% for name, type in columns %}
            {% do column_list.append(name ~ ' ' ~ type) %}
        {% endfor %}
        {% do run_query('create table if not exists ' ~ relation ~ ' ('
            ~ column_list | join(', ') ~ ')') %}
    {% endfor %}
    {% for relation, columns, rows, key in [
            (decisions_relation, decision_columns, decisions, 'decision_id'),
            (requests_relation, event_columns, events, 'event_id')] if rows %}
        {% set stamped = [] %}
        {% for row in rows %}
            {% set copy = {'recorded_at': recorded_at} %}
            {% do copy.update(row) %}
            {% do stamped.append(copy) %}
        {% endfor %}
        {% set names = columns | map(attribute=0) | join(', ') %}
        {% set insert %}
            insert into {{ relation }} ({{ names }})
            select {{ names }}
            from ({{ modelwatch.literal_rows(columns, stamped) }}) as incoming
            where not exists (
                select 1 from {{ relation }} as stored
                where stored.{{ key }} = incoming.{{ key }}
            )
        {% endset %}
        {% do run_query(insert) %}
    {% endfor %}
    {% set current_view %}
        create or replace view {{ current_relation }} as
        with ranked as (
            select
                requests.*,
                row_number() over (
                    partition by request_id
                    order by
                        case status
                            when 'requested' then 1
                            when 'acknowledged' then 2
                            else 3
                        end desc,
                        recorded_at desc
                ) as status_rank
            from {{ requests_relation }} as requests
        )
        select
            request_id,
            model_id,
            batch_id,
            status,
            reason,
            actor,
            event_at,
            recorded_at,
            status in ('requested', 'acknowledged') as is_open
        from ranked
        where status_rank = 1
    {% endset %}
    {% do run_query(current_view) %}
    {% do adapter.commit() %}
    {{ log('modelwatch: recorded ' ~ decisions | length ~ ' decision(s) and ' ~ events | length
        ~ ' lifecycle event(s) (rows already stored are skipped)', info=true) }}
{% endmacro %}


{% macro _retrain_relation(identifier) %}
    {{ return(api.Relation.create(
        database=target.database, schema=target.schema, identifier=identifier)) }}
{% endmacro %}
