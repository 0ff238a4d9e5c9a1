{#- Jensen-Shannon distance between the batch and reference bin shares, an aggregate over a
    feature's bins: sqrt(JSD), JSD = 1/2 sum b ln(b/m) + 1/2 sum r ln(r/m), m = (b + r) / 2,
    in log base `log_base` (2 by default: the distance lies in [0, 1]). Empty bins add 0
    (0 ln 0 = 0), so no floor is needed. Equal to scipy.spatial.distance.jensenshannon. -#}
{% macro jensen_shannon_distance(batch_share, reference_share, log_base=2) %}
    {{ return(adapter.dispatch('jensen_shannon_distance', 'modelwatch')(
        batch_share, reference_share, log_base)) }}
{% endmacro %}

{% macro default__jensen_shannon_distance(batch_share, reference_share, log_base=2) -%}
    {%- set term -%}
        case
            when {{ batch_share }} > 0
                then {{ batch_share }}
                * ln(2 * {{ batch_share }} / ({{ batch_share }} + {{ reference_share }}))
            else 0
        end
        + case
            when {{ reference_share }} > 0
                then {{ reference_share }}
                * ln(2 * {{ reference_share }} / ({{ batch_share }} + {{ reference_share }}))
            else 0
        end
    {%- endset %}
    sqrt(greatest(0.0, 0.5 * {{ modelwatch.ordered_sum(term) }} / ln({{ log_base }})))
{%- endmacro %}
