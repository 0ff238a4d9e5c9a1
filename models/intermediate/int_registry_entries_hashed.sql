{#- One row per registered model: the hash of its resolved registry entry and the thresholds
    in force, as this run reads the registry. fct_model_batch_status stamps them on every
    batch it computes; the audit records them per run. -#}
{%- set hashes = modelwatch.registry_hashes() -%}

with

registry_hashes as (
    {{ modelwatch.literal_rows(hashes.columns, hashes.rows) }}
)

select * from registry_hashes
