{#- The retrain policy in force for each monitored model (packaged default < risk tier <
    the model's `retrain_policy:` registry entry), read by scripts/retrain_handoff.py. -#}
{%- set policies = modelwatch.retrain_policy_rows() -%}

with

policies as (
    {{ modelwatch.literal_rows(policies.columns, policies.rows) }}
)

select * from policies
