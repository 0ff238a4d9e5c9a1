{#- An aggregate SQL expression: a fingerprint (text) of the multiset of rows in the group,
    over the given column expressions. Order-independent (a sum of per-row hashes, exact
    integer arithmetic, plus the row count), so the same rows give the same fingerprint
    however the warehouse splits and orders the work. Doubles are hashed by their value, not
    through a float sum, so no rounding enters. See docs/decisions/0016-audit.md.

    default__ is portable SQL (md5 of each row's text, two 32-bit slices summed);
    duckdb__ hashes the typed values with DuckDB's hash(), ~70x cheaper than md5 of text on
    millions of value rows; DuckDB does not promise hash() stays the same across versions,
    so the audit records the warehouse version next to it. -#}
{% macro multiset_fingerprint(expressions) %}
    {{ return(adapter.dispatch('multiset_fingerprint', 'modelwatch')(expressions)) }}
{% endmacro %}

{% macro default__multiset_fingerprint(expressions) -%}
    {%- set text = dbt.type_string() -%}
    {%- set fields = [] -%}
    {%- for expression in expressions -%}
        {%- do fields.append("coalesce(cast(" ~ expression ~ " as " ~ text ~ "), '<null>')") -%}
        {%- if not loop.last %}{% do fields.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {%- set row_hash = 'md5(' ~ dbt.concat(fields) ~ ')' -%}
    md5({{ dbt.concat([
        'cast(count(*) as ' ~ text ~ ')', "':'",
        'cast(sum(' ~ modelwatch._hex_to_bigint('substr(' ~ row_hash ~ ', 1, 8)') ~ ') as ' ~ text ~ ')',
        "':'",
        'cast(sum(' ~ modelwatch._hex_to_bigint('substr(' ~ row_hash ~ ', 9, 8)') ~ ') as ' ~ text ~ ')',
    ]) }})
{%- endmacro %}

{% macro duckdb__multiset_fingerprint(expressions) -%}
    md5(cast(count(*) as varchar) || ':' || cast(sum(hash({{ expressions | join(', ') }})) as varchar))
{%- endmacro %}


{#- Hexadecimal text (up to 8 digits) as an integer. -#}
{% macro _hex_to_bigint(expression) %}
    {{ return(adapter.dispatch('hex_to_bigint', 'modelwatch')(expression)) }}
{% endmacro %}

{% macro default__hex_to_bigint(expression) -%}
    cast(conv({{ expression }}, 16, 10) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro postgres__hex_to_bigint(expression) -%}
    cast(cast(('x' || {{ expression }}) as bit(32)) as bigint)
{%- endmacro %}

{% macro duckdb__hex_to_bigint(expression) -%}
    cast('0x' || {{ expression }} as bigint)
{%- endmacro %}
