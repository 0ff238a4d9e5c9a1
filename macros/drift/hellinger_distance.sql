{#- Hellinger distance between batch and reference bin shares, an aggregate over a feature's
    bins: sqrt(1/2 sum (sqrt(b) - sqrt(r))^2), in [0, 1]. -#}
{% macro hellinger_distance(batch_share, reference_share) %}
    {{ return(adapter.dispatch('hellinger_distance', 'modelwatch')(batch_share, reference_share)) }}
{% endmacro %}

{% macro default__hellinger_distance(batch_share, reference_share) -%}
    sqrt(0.5 * {{ modelwatch.ordered_sum(
        'power(sqrt(' ~ batch_share ~ ') - sqrt(' ~ reference_share ~ '), 2)') }})
{%- endmacro %}
