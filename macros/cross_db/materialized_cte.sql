{#- The keyword that makes the warehouse compute a CTE once, however many times the query
    reads it: `materialized` on DuckDB and PostgreSQL, nothing where the dialect has no such
    hint (Spark). On DuckDB it also matters for pruning: a CTE read by several union branches
    and left to DuckDB's own choice lost its filter pushdown, so every row group of the log was
    scanned (measured on DuckDB 2.0.1, docs/decisions/0006-performance.md). -#}
{% macro materialized_cte() %}
    {{ return(adapter.dispatch('materialized_cte', 'modelwatch')()) }}
{% endmacro %}

{% macro default__materialized_cte() %}{% endmacro %}

{% macro duckdb__materialized_cte() %}materialized{% endmacro %}

{% macro postgres__materialized_cte() %}materialized{% endmacro %}
