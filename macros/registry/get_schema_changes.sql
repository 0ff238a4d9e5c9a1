{#- The registered feature and score columns of a model's prediction log that are missing
    from the table, or now hold a type their kind cannot read (text in a numeric feature):
    a list of {column, kind, role, change ('missing' | 'retyped'), found_type}, empty when the
    log matches the registry.

    Once a model is monitored with this registry entry (its reference version has frozen
    bins), such a change is a data-quality failure of that model, not a registry error:
    staging reads the column as null and fct_batch_quality records a `schema_change` failure
    naming the column, while every other model is monitored as usual (decision 0018). Before
    that, or after the entry changed, it is a registry error (modelwatch.validate_registry). -#}
{% macro get_schema_changes(entry) %}
    {{ return(adapter.dispatch('get_schema_changes', 'modelwatch')(entry)) }}
{% endmacro %}

{% macro default__get_schema_changes(entry) %}
    {% if not execute %}
        {{ return([]) }}
    {% endif %}
    {% set relation = adapter.get_relation(database=entry.source_database,
        schema=entry.source_schema, identifier=entry.source_identifier) %}
    {% if relation is none %}
        {{ return([]) }}
    {% endif %}
    {% set by_name = {} %}
    {% for column in adapter.get_columns_in_relation(relation) %}
        {% do by_name.update({column.name | lower: column}) %}
    {% endfor %}
    {% set changes = [] %}
    {% for feature in entry.features %}
        {% set column = by_name.get(feature.column | lower) %}
        {% if column is none %}
            {% do changes.append({'column': feature.column, 'kind': feature.kind,
                'role': feature.role, 'change': 'missing', 'found_type': none}) %}
        {% elif feature.kind == 'numeric'
            and modelwatch.column_type_kind(column.data_type) != 'numeric' %}
            {% do changes.append({'column': feature.column, 'kind': feature.kind,
                'role': feature.role, 'change': 'retyped', 'found_type': column.data_type}) %}
        {% endif %}
    {% endfor %}
    {{ return(changes) }}
{% endmacro %}


{#- The reference versions ('model_id|reference_id') that already have frozen bins in
    dim_feature_bins, read once per invocation; empty before the first build. A model whose
    current reference version is among them is monitored with an unchanged registry entry:
    a column gone from its log is then a change of the data, not a registry mistake (a typo in
    the registry changes the feature list, hence the reference version). -#}
{% macro _frozen_reference_keys() %}
    {% if not execute %}
        {{ return([]) }}
    {% endif %}
    {% set bins = modelwatch._existing_model_relation('dim_feature_bins') %}
    {% if bins is none %}
        {{ return([]) }}
    {% endif %}
    {% set keys = [] %}
    {% for row in run_query('select distinct model_id, reference_id from ' ~ bins).rows %}
        {% do keys.append(row[0] ~ '|' ~ row[1]) %}
    {% endfor %}
    {{ return(keys) }}
{% endmacro %}
