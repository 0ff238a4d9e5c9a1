{#- The packaged default-method table (decision 0008): one row per feature class and metric
    in force by default, from which batch size on (rows in the batch), with the packaged
    levels. fct_feature_drift picks the row at run time from the batch's size; a registry
    `methods` list or explicit thresholds replace it (dim_feature_thresholds says which). -#}
{%- set table = modelwatch.registry_table('default_methods') -%}

with

default_methods as (
    {{ modelwatch.literal_rows(table.columns, table.rows) }}
)

select * from default_methods
