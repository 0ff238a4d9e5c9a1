{#- Checks every registry entry against the warehouse before anything is built (it runs as
    an on-run-start hook, so a failure stops the whole invocation and no table is half
    written): the log table and the reference table exist, every declared column exists,
    numeric features hold numbers, the timestamp column holds timestamps. Each error names
    the YAML file, the model, the column and what to do. -#}
{% macro validate_registry() %}
    {{ return(adapter.dispatch('validate_registry', 'modelwatch')()) }}
{% endmacro %}

{% macro default__validate_registry() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set frozen = modelwatch._frozen_reference_keys() %}
    {% for entry in modelwatch.get_registry() %}
        {% set log_columns = modelwatch._relation_columns(entry, entry.source_name, entry.table_name) %}
        {% set required = [
            (entry.timestamp_column, 'temporal', 'timestamp_column'),
            (entry.prediction_id_column, 'any', 'prediction_id_column')] %}
        {% if entry.model_version_column %}
            {% do required.append((entry.model_version_column, 'any', 'model_version_column')) %}
        {% endif %}
        {% if entry.batch_column %}
            {% do required.append((entry.batch_column, 'any', 'batch.column')) %}
        {% endif %}
        {#- a feature column gone or retyped from the log of a model monitored with this very
            entry is a schema change, recorded in fct_batch_quality; else a registry error
            (decision 0018) -#}
        {% for feature in entry.features if entry.reference_key not in frozen %}
            {% do required.append((feature.column, feature.kind, feature.role)) %}
        {% endfor %}
        {#- segment columns (registry `segments:`) must be in the log -#}
        {% for segment in entry.get('segments') or [] %}
            {% do required.append((segment.column, 'any', 'segment')) %}
        {% endfor %}
        {% for change in (modelwatch.get_schema_changes(entry)
            if entry.reference_key in frozen else []) %}
            {% do log("modelwatch: model '" ~ entry.model_id ~ "': column '" ~ change.column
                ~ "' is " ~ change.change ~ " in " ~ entry.source_name ~ "." ~ entry.table_name
                ~ "; read as null and recorded as a schema_change failure in fct_batch_quality",
                info=true) %}
        {% endfor %}
        {% for column_name, expected, role in required %}
            {{ modelwatch._check_column(entry, entry.source_name ~ '.' ~ entry.table_name,
                log_columns, column_name, expected, role) }}
        {% endfor %}
        {#- the default reference, then each model version's own (decision 0015) -#}
        {% for reference in modelwatch.entry_references(entry) %}
            {% if reference.kind == 'source' %}
                {% set reference_columns = modelwatch._relation_columns(
                    entry, reference.source_name, reference.table_name) %}
                {% for feature in entry.features %}
                    {{ modelwatch._check_column(entry,
                        reference.source_name ~ '.' ~ reference.table_name,
                        reference_columns, feature.column, feature.kind, feature.role) }}
                {% endfor %}
                {% for segment in entry.get('segments') or [] %}
                    {{ modelwatch._check_column(entry,
                        reference.source_name ~ '.' ~ reference.table_name,
                        reference_columns, segment.column, 'any', 'segment') }}
                {% endfor %}
            {% endif %}
            {#- fix: an empty reference made every bin's reference share null or zero and the
                drift figures nonsense, without any error; one cheap count per reference stops
                it. -#}
            {% if reference.model_version is none %}
                {{ modelwatch._check_reference_rows(entry) }}
            {% else %}
                {{ modelwatch._check_version_reference_rows(entry, reference) }}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {#- fix: a drift test's own thresholds argument was only checked when the test ran, after
        every model had been rebuilt (partial output); it is checked here, before anything. -#}
    {% set registry = modelwatch.get_registry() %}
    {% for node in graph.nodes.values() if node.resource_type == 'test'
        and (node.get('test_metadata') or {}).get('name') in ['no_feature_drift', 'no_score_drift'] %}
        {% set kwargs = node.test_metadata.get('kwargs') or {} %}
        {% set model_ids = [kwargs.get('model_id')] if kwargs.get('model_id') is not none else [] %}
        {% for entry in registry if not model_ids and node.get('sources')
            and [entry.source_name, entry.table_name] == node.sources[0] | list %}
            {% do model_ids.append(entry.model_id) %}
        {% endfor %}
        {% if kwargs.get('thresholds') is not none %}
            {{ modelwatch._validate_feature_config(
                modelwatch.resolve_config([{'psi_epsilon': 0.0001}, {'thresholds': kwargs.get('thresholds')}]),
                'the test arguments of ' ~ node.original_file_path,
                model_ids[0] if model_ids else none, none) }}
        {% endif %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}


{#- fix: the reference must hold at least one row: the log's rows in the reference window, or
    the reference table's rows. Counts at most one row, so it stays cheap on a large log. -#}
{% macro _check_reference_rows(entry) %}
    {% if entry.reference.kind == 'window' %}
        {#- the window read exactly as staging reads it -#}
        {% set log = modelwatch.log_expressions(entry) %}
        {% set node = modelwatch._find_source_node(entry, entry.source_name, entry.table_name) %}
        {% set predicted_at = log.predicted_at %}
        {% set in_window = log.in_scope ~ ' and ' ~ log.in_reference %}
    {% else %}
        {% set node = modelwatch._find_source_node(
            entry, entry.reference.source_name, entry.reference.table_name) %}
        {% set in_window = '1 = 1' %}
    {% endif %}
    {% set relation = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.identifier) %}
    {% set query %}
        select count(*) from (select 1 as found from {{ relation }} where {{ in_window }} limit 1) as probe
    {% endset %}
    {% if run_query(query).rows[0][0] > 0 %}
        {{ return('') }}
    {% endif %}
    {% if entry.reference.kind == 'window' %}
        {% set span_query %}
            select min({{ predicted_at }}), max({{ predicted_at }}), count(*) from {{ relation }}
        {% endset %}
        {% set span = run_query(span_query).rows[0] %}
        {{ modelwatch._registry_error(entry.registry_file, entry.model_id, none,
            "the reference window [" ~ entry.reference.started_at ~ ", " ~ entry.reference.ended_at
            ~ ") holds no rows of " ~ entry.source_name ~ "." ~ entry.table_name
            ~ " (timestamp_column '" ~ entry.timestamp_column ~ "'), so there is nothing to "
            ~ "compare batches with; "
            ~ (("the log's predictions run from " ~ span[0] ~ " to " ~ span[1])
               if span[2] > 0 else "the log is empty")
            ~ ". Move reference.window to a period the log covers, or give a reference table "
            ~ "as reference: {source: <source_name>.<table_name>}") }}
    {% endif %}
    {{ modelwatch._registry_error(entry.registry_file, entry.model_id, none,
        "the reference table " ~ entry.reference.source_name ~ "." ~ entry.reference.table_name
        ~ " holds no rows, so there is nothing to compare batches with; load the model's "
        ~ "reference sample (e.g. its validation set) into it, or use reference: {window: "
        ~ "{start: 'YYYY-MM-DD', end: 'YYYY-MM-DD'}}") }}
{% endmacro %}


{#- The source node of the graph for source_name.table_name, or a registry error. -#}
{% macro _find_source_node(entry, source_name, table_name) %}
    {% for node in graph.sources.values() %}
        {% if node.source_name == source_name and node.name == table_name %}
            {{ return(node) }}
        {% endif %}
    {% endfor %}
    {{ modelwatch._registry_error(entry.registry_file, entry.model_id, none,
        "the reference names source " ~ source_name ~ "." ~ table_name
        ~ ", which no sources YAML declares; declare it as a dbt source first") }}
{% endmacro %}


{% macro _relation_columns(entry, source_name, table_name) %}
    {% set node = modelwatch._find_source_node(entry, source_name, table_name) %}
    {% set relation = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.identifier) %}
    {% if relation is none %}
        {{ modelwatch._registry_error(entry.registry_file, entry.model_id, none,
            "table " ~ source_name ~ "." ~ table_name ~ " (" ~ node.schema ~ "." ~ node.identifier
            ~ ") does not exist in the warehouse; load it, or fix the source's schema/identifier") }}
    {% endif %}
    {% set by_name = {} %}
    {% for column in adapter.get_columns_in_relation(relation) %}
        {% do by_name.update({column.name | lower: column}) %}
    {% endfor %}
    {{ return(by_name) }}
{% endmacro %}


{% macro _check_column(entry, table_label, columns, column_name, expected, role) %}
    {% set column = columns.get(column_name | lower) %}
    {% if column is none %}
        {{ modelwatch._registry_error(entry.registry_file, entry.model_id, none,
            "column '" ~ column_name ~ "' (" ~ role ~ ") is not in table " ~ table_label
            ~ "; its columns are: " ~ (columns.keys() | sort | join(', '))
            ~ ". Fix the name in the registry or add the column") }}
    {% endif %}
    {% set found = modelwatch.column_type_kind(column.data_type) %}
    {% if expected == 'numeric' and found != 'numeric' %}
        {{ modelwatch._registry_error(entry.registry_file, entry.model_id, none,
            "column '" ~ column_name ~ "' of " ~ table_label ~ " is declared numeric (" ~ role
            ~ ") but holds " ~ column.data_type ~ "; declare kind: categorical, "
            ~ "or cast it to a number upstream") }}
    {% elif expected == 'temporal' and found != 'temporal' %}
        {{ modelwatch._registry_error(entry.registry_file, entry.model_id, none,
            "timestamp_column '" ~ column_name ~ "' of " ~ table_label ~ " holds "
            ~ column.data_type ~ ", not a timestamp or date; cast it upstream") }}
    {% endif %}
{% endmacro %}


{#- A model version's own reference (registry `references:`, decision 0015) must hold rows:
    rows of that version inside its window of the log, or rows in its reference table. -#}
{% macro _check_version_reference_rows(entry, reference) %}
    {% set label = "references: model_version '" ~ reference.model_version ~ "'" %}
    {% if reference.kind == 'source' %}
        {% set node = modelwatch._find_source_node(
            entry, reference.source_name, reference.table_name) %}
        {% set in_window = '1 = 1' %}
    {% else %}
        {% set log = modelwatch.log_expressions(entry) %}
        {% set node = modelwatch._find_source_node(entry, entry.source_name, entry.table_name) %}
        {% set ts = dbt.type_timestamp() %}
        {% set is_version = log.model_version ~ ' = '
            ~ modelwatch.string_literal(reference.model_version) %}
        {% set in_window = is_version ~ ' and ' ~ log.predicted_at ~ " >= cast('"
            ~ reference.started_at ~ "' as " ~ ts ~ ') and ' ~ log.predicted_at ~ " < cast('"
            ~ reference.ended_at ~ "' as " ~ ts ~ ')' %}
    {% endif %}
    {% set relation = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.identifier) %}
    {% set query %}
        select count(*) from (select 1 as found from {{ relation }} where {{ in_window }} limit 1) as probe
    {% endset %}
    {% if run_query(query).rows[0][0] > 0 %}
        {{ return('') }}
    {% endif %}
    {% if reference.kind == 'source' %}
        {{ modelwatch._registry_error(entry.registry_file, entry.model_id, none,
            label ~ ": its reference table " ~ reference.source_name ~ "." ~ reference.table_name
            ~ " holds no rows, so there is nothing to compare that version's batches with; load "
            ~ "the version's reference sample into it, or give a window of the log: {model_version: "
            ~ reference.model_version ~ ", window: {start: 'YYYY-MM-DD', end: 'YYYY-MM-DD'}}") }}
    {% endif %}
    {% set span_query %}
        select min({{ log.predicted_at }}), max({{ log.predicted_at }}), count(*)
        from {{ relation }}
        where {{ is_version }}
    {% endset %}
    {% set span = run_query(span_query).rows[0] %}
    {{ modelwatch._registry_error(entry.registry_file, entry.model_id, none,
        label ~ ": the window [" ~ reference.started_at ~ ", " ~ reference.ended_at
        ~ ") holds no rows of that version in " ~ entry.source_name ~ "." ~ entry.table_name
        ~ " (model_version_column '" ~ entry.model_version_column ~ "'), so there is nothing "
        ~ "to compare its batches with; "
        ~ (("its predictions run from " ~ span[0] ~ " to " ~ span[1])
           if span[2] > 0 else "the log has no row of that version (check the spelling)")
        ~ ". Move the window to a period that version served, or give its reference table "
        ~ "as {model_version: " ~ reference.model_version ~ ", source: <source_name>.<table_name>}") }}
{% endmacro %}
