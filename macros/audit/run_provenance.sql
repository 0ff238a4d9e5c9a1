{#- What the audit records about the run itself, as a mapping:
    - code_version: md5 over the source of every macro of this package and the file checksum
      of every one of its models, read from the parsed project at execution time (an edit to
      a statistic's macro changes it; a registry edit does not, that is the config hash);
      empty at parse time;
    - git_sha: the env var MODELWATCH_GIT_SHA when the caller sets it (none otherwise);
    - dbt_version;
    - trigger: 'full_refresh' for `dbt build --full-refresh`, else 'scheduled';
    - rerun_batches: the batch ids asked for with the var modelwatch_rerun_batches.
    See docs/decisions/0016-audit.md. -#}
{% macro run_provenance() %}
    {{ return(adapter.dispatch('run_provenance', 'modelwatch')()) }}
{% endmacro %}

{% macro default__run_provenance() %}
    {% set rerun = var('modelwatch_rerun_batches', []) or [] %}
    {% set git_sha = env_var('MODELWATCH_GIT_SHA', '') %}
    {{ return({
        'code_version': modelwatch._code_version(),
        'git_sha': git_sha if git_sha else none,
        'dbt_version': dbt_version,
        'trigger': 'full_refresh' if flags.FULL_REFRESH else 'scheduled',
        'rerun_batches': [rerun] if rerun is string else rerun | list,
    }) }}
{% endmacro %}


{% macro _code_version() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set parts = [] %}
    {% for name in modelwatch.keys() | sort %}
        {% do parts.append(name ~ '\n' ~ modelwatch[name].macro.macro_sql) %}
    {% endfor %}
    {% for node in graph.nodes.values() | sort(attribute='unique_id')
        if node.resource_type == 'model' and node.package_name == 'modelwatch' %}
        {% do parts.append(node.unique_id ~ ' ' ~ node.checksum.checksum) %}
    {% endfor %}
    {{ return(local_md5(parts | join('\n'))) }}
{% endmacro %}
