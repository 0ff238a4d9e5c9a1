{#- Total variation distance between batch and reference bin shares, an aggregate over a
    feature's bins: 1/2 sum |b - r|, in [0, 1]. Its L-infinity sibling is max |b - r|. -#}
{% macro total_variation_distance(batch_share, reference_share) %}
    {{ return(adapter.dispatch('total_variation_distance', 'modelwatch')(
        batch_share, reference_share)) }}
{% endmacro %}

{% macro default__total_variation_distance(batch_share, reference_share) -%}
    0.5 * {{ modelwatch.ordered_sum('abs(' ~ batch_share ~ ' - ' ~ reference_share ~ ')') }}
{%- endmacro %}
