{#- How many numeric and categorical slot columns the staging union needs: the most any one
    model declares. Every model's features are laid into positional slots (num_01…,
    cat_01…) so that all prediction logs share one shape and every later step aggregates
    one column block per slot, not per model and feature
    (docs/decisions/0001-registry-and-slots.md). -#}
{% macro get_registry_slots(registry) %}
    {{ return(adapter.dispatch('get_registry_slots', 'modelwatch')(registry)) }}
{% endmacro %}

{% macro default__get_registry_slots(registry) %}
    {% set counts = {'numeric': 0, 'categorical': 0} %}
    {% set segment_count = namespace(n=0) %}
    {% for entry in registry %}
        {% if (entry.get('segments') or []) | length > segment_count.n %}
            {% set segment_count.n = entry.segments | length %}
        {% endif %}
        {% for kind in ['numeric', 'categorical'] %}
            {% set n = entry.features | selectattr('kind', 'equalto', kind) | list | length %}
            {% if n > counts[kind] %}
                {% do counts.update({kind: n}) %}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {% set numeric = [] %}
    {% for i in range(1, counts.numeric + 1) %}
        {% do numeric.append('num_%02d' % i) %}
    {% endfor %}
    {% set categorical = [] %}
    {% for i in range(1, counts.categorical + 1) %}
        {% do categorical.append('cat_%02d' % i) %}
    {% endfor %}
    {#- segment columns (registry `segments:`), text, for fct_segment_drift -#}
    {% set segment = [] %}
    {% for i in range(1, segment_count.n + 1) %}
        {% do segment.append('seg_%02d' % i) %}
    {% endfor %}
    {{ return({'numeric': numeric, 'categorical': categorical, 'segment': segment}) }}
{% endmacro %}
