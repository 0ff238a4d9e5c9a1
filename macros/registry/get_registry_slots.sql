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
    {% for entry in registry %}
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
    {{ return({'numeric': numeric, 'categorical': categorical}) }}
{% endmacro %}
