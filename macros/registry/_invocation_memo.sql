{#- A dict that lives for one dbt invocation, shared by every node compiled in it: the place
    to keep a result that is costly to build and the same for all nodes (the resolved
    registry). It is kept in the graph mapping, the one object dbt hands to every node's
    context, under a key made of the invocation id, `name` and the project var `modelwatch`.
    Why: with 50 models and 1,200 features, resolving the registry took seconds, and it
    was resolved again by every model and every drift test (docs/decisions/0017).
    None at parse time (nothing may be cached before the graph is complete). -#}
{% macro _invocation_memo(name) %}
    {% if not execute %}
        {{ return(none) }}
    {% endif %}
    {% set key = '_modelwatch_memo|' ~ invocation_id ~ '|' ~ name ~ '|'
        ~ tojson(var('modelwatch', {}) or {}, sort_keys=true) %}
    {% if key not in graph %}
        {% do graph.update({key: {}}) %}
    {% endif %}
    {{ return(graph[key]) }}
{% endmacro %}
