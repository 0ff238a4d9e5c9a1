{#- The data-quality settings of one model (registry key `data_quality`, decision 0018),
    resolved through the layers (packaged < var `modelwatch` < model entry) by
    modelwatch.resolve_config, check by check and level by level, then validated: a bad key or
    value stops the run at compile time naming the file, the model, the key and the fix. -#}
{% macro _resolve_data_quality(layers, file_path, model_id) %}
    {% set packaged = layers[0] %}
    {% set threshold_layers = [] %}
    {% for layer in layers %}
        {% if layer is not none and layer is not mapping %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "data_quality must be a mapping, e.g. data_quality: {null_rate_jump: "
                ~ "{warn: 0.05, error: 0.2}, history_batches: 8}; got: " ~ layer) }}
        {% endif %}
        {{ modelwatch._check_keys(layer or {}, packaged.keys() | list, file_path, model_id, none,
            'data_quality') }}
        {% do threshold_layers.append({'thresholds': layer or {}}) %}
    {% endfor %}
    {% set resolved = modelwatch.resolve_config(threshold_layers).thresholds %}
    {% set history = resolved.history_batches %}
    {% if history is boolean or history is not number or history != history | int or history < 1 %}
        {{ modelwatch._registry_error(file_path, model_id, none,
            "data_quality.history_batches is '" ~ history ~ "'; give a whole number of at "
            ~ "least 1 (the usual volume is the median row count of that many earlier batches)") }}
    {% endif %}
    {% for check, levels in resolved.items() if check != 'history_batches' %}
        {% if levels is not mapping %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "data_quality." ~ check ~ " is '" ~ levels ~ "'; give {warn: <number>, "
                ~ "error: <number>} (false switches a level off)") }}
        {% endif %}
        {% for level, value in levels.items() %}
            {% if level not in ['warn', 'error'] %}
                {{ modelwatch._registry_error(file_path, model_id, none,
                    "unknown level '" ~ level ~ "' in data_quality." ~ check
                    ~ "; use warn and error") }}
            {% endif %}
            {% if not (value is boolean and not value)
                and (value is none or value is boolean or value is not number or value < 0) %}
                {{ modelwatch._registry_error(file_path, model_id, none,
                    "data_quality." ~ check ~ "." ~ level ~ " is '" ~ value ~ "'; give a number "
                    ~ "of at least 0, or false to switch this level off") }}
            {% endif %}
        {% endfor %}
        {% set warn = levels.get('warn') %}
        {% set error = levels.get('error') %}
        {% if warn is number and warn is not boolean and error is number
            and error is not boolean and warn > error %}
            {{ modelwatch._registry_error(file_path, model_id, none,
                "data_quality." ~ check ~ ": warn (" ~ warn ~ ") is past error (" ~ error
                ~ "); the warning level must be reached first") }}
        {% endif %}
    {% endfor %}
    {{ return(resolved) }}
{% endmacro %}
