{#- The resolved retrain policy of every monitored model as rows for modelwatch.literal_rows:
    {'columns': [(name, type)], 'rows': [...]}, one row per model. -#}
{% macro retrain_policy_rows() %}
    {{ return(adapter.dispatch('retrain_policy_rows', 'modelwatch')()) }}
{% endmacro %}

{% macro default__retrain_policy_rows() %}
    {%- set text = dbt.type_string() -%}
    {%- set int = dbt.type_int() -%}
    {%- set columns = [
        ('model_id', text), ('risk_tier', text), ('persistence_k', int), ('persistence_n', int),
        ('hysteresis', dbt.type_boolean()), ('cooldown_days', int),
        ('budget_per_quarter', int), ('quality_gate', dbt.type_boolean())] -%}
    {%- set rows = [] -%}
    {%- for entry in modelwatch.get_registry() -%}
        {%- set row = {'model_id': entry.model_id} -%}
        {%- do row.update(entry.retrain_policy) -%}
        {%- do rows.append(row) -%}
    {%- endfor -%}
    {{ return({'columns': columns, 'rows': rows}) }}
{% endmacro %}
