{#- A pseudo-random but reproducible order of a model's reference rows, independent of their
    order in storage: the md5 of the prediction id and the numeric slots. Pairs of rows taken
    in this order estimate the embedding's covariance (docs/multivariate-drift.md). -#}
{% macro rff_row_hash(slots) %}
    {{ return(adapter.dispatch('rff_row_hash', 'modelwatch')(slots)) }}
{% endmacro %}

{% macro default__rff_row_hash(slots) -%}
    {%- set parts = ["coalesce(prediction_id, '')"] -%}
    {%- for slot in slots.numeric -%}
        {%- do parts.append("coalesce(cast(" ~ slot ~ " as " ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    {%- set joined = [] -%}
    {%- for part in parts -%}
        {%- do joined.append(part) -%}
        {%- if not loop.last -%}{%- do joined.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{- dbt.hash(dbt.concat(joined)) -}}
{%- endmacro %}
