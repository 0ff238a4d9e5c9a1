{#- Merges configuration layers, lowest first, into one mapping: a later layer wins key by
    key, and `thresholds` are merged metric by metric and level by level, so a model that
    only sets `thresholds: {psi: {error: 0.3}}` keeps the packaged PSI warning level.
    This is the one place where layering happens. -#}
{% macro resolve_config(layers) %}
    {{ return(adapter.dispatch('resolve_config', 'modelwatch')(layers)) }}
{% endmacro %}

{% macro default__resolve_config(layers) %}
    {% set merged = {} %}
    {% set thresholds = {} %}
    {% for layer in layers %}
        {% for key, value in (layer or {}).items() %}
            {% if key == 'thresholds' and value is mapping %}
                {% for metric, levels in value.items() %}
                    {% set current = thresholds.get(metric, {}) %}
                    {% set combined = {} %}
                    {% do combined.update(current) %}
                    {% if levels is mapping %}
                        {% do combined.update(levels) %}
                        {% do thresholds.update({metric: combined}) %}
                    {% else %}
                        {% do thresholds.update({metric: levels}) %}
                    {% endif %}
                {% endfor %}
            {% else %}
                {% do merged.update({key: value}) %}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {% do merged.update({'thresholds': thresholds}) %}
    {{ return(merged) }}
{% endmacro %}
