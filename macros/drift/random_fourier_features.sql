{#- The random Fourier features of a Gaussian kernel, drawn deterministically in Jinja so
    every engine gets the very same numbers: `dimensions` frequency vectors
    omega_d ~ N(0, I / bandwidth^2) over `feature_count` standardised features and phases
    b_d ~ U(0, 2 pi). The embedding of a row x is phi_d(x) = sqrt(2 / D) cos(omega_d . x + b_d),
    so that phi(x) . phi(y) approximates exp(-|x - y|^2 / (2 bandwidth^2))
    (docs/multivariate-drift.md).

    The generator is a 64-bit linear congruential generator (Knuth's MMIX constants) on
    Python integers, its top 53 bits a uniform in (0, 1); normals come from Marsaglia's polar
    method with a logarithm computed here (binary range reduction and the atanh series), since
    Jinja has no math module. Draw order: the phases b_1 … b_D, then omega_1 (feature by
    feature), omega_2, … So the same seed, dimensions and feature count always give the same
    numbers; adding a dimension keeps the earlier phases but not the frequencies.

    Returns a list of {'dimension_index': d (1-based), 'phase': b_d, 'omegas': [omega_d1, …]}. -#}
{% macro random_fourier_features(feature_count, dimensions, bandwidth, seed) %}
    {{ return(adapter.dispatch('random_fourier_features', 'modelwatch')(
        feature_count, dimensions, bandwidth, seed)) }}
{% endmacro %}

{% macro default__random_fourier_features(feature_count, dimensions, bandwidth, seed) %}
    {%- set modulus = 18446744073709551616 -%}
    {%- set multiplier = 6364136223846793005 -%}
    {%- set increment = 1442695040888963407 -%}
    {%- set two_pi = 6.283185307179586 -%}
    {%- set rng = namespace(state=(seed | int) % modulus) -%}
    {%- set phases = [] -%}
    {%- for d in range(dimensions) -%}
        {%- set rng.state = (multiplier * rng.state + increment) % modulus -%}
        {%- do phases.append(two_pi * ((rng.state // 2048) + 0.5) / 9007199254740992) -%}
    {%- endfor -%}
    {%- set needed = dimensions * feature_count -%}
    {%- set normals = [] -%}
    {%- for attempt in range(2 * needed + 100) if normals | length < needed -%}
        {%- set rng.state = (multiplier * rng.state + increment) % modulus -%}
        {%- set v1 = 2 * ((rng.state // 2048) + 0.5) / 9007199254740992 - 1 -%}
        {%- set rng.state = (multiplier * rng.state + increment) % modulus -%}
        {%- set v2 = 2 * ((rng.state // 2048) + 0.5) / 9007199254740992 - 1 -%}
        {%- set s = v1 * v1 + v2 * v2 -%}
        {%- if s > 0 and s < 1 -%}
            {%- set factor = (-2 * modelwatch._rff_ln(s) / s) ** 0.5 -%}
            {%- do normals.append(v1 * factor) -%}
            {%- do normals.append(v2 * factor) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if normals | length < needed -%}
        {{ exceptions.raise_compiler_error(
            "random_fourier_features: the generator ran out of attempts; report this") }}
    {%- endif -%}
    {%- set frequencies = [] -%}
    {%- for d in range(dimensions) -%}
        {%- set omegas = [] -%}
        {%- for j in range(feature_count) -%}
            {%- do omegas.append(normals[d * feature_count + j] / bandwidth) -%}
        {%- endfor -%}
        {%- do frequencies.append(
            {'dimension_index': d + 1, 'phase': phases[d], 'omegas': omegas}) -%}
    {%- endfor -%}
    {{ return(frequencies) }}
{% endmacro %}


{#- The natural logarithm of 0 < x < 1 in plain float arithmetic: x = m 2^-k with m in
    [0.5, 1), ln m = 2 atanh((m - 1) / (m + 1)) by its series (|t| <= 1/3: 30 terms are far
    below double precision). -#}
{% macro _rff_ln(x) %}
    {%- set reduced = namespace(m=x, k=0) -%}
    {%- for e in [512, 256, 128, 64, 32, 16, 8, 4, 2, 1] -%}
        {%- if reduced.m * (2.0 ** e) < 1 -%}
            {%- set reduced.m = reduced.m * (2.0 ** e) -%}
            {%- set reduced.k = reduced.k + e -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set t = (reduced.m - 1) / (reduced.m + 1) -%}
    {%- set series = namespace(total=0.0, power=t) -%}
    {%- for n in range(30) -%}
        {%- set series.total = series.total + series.power / (2 * n + 1) -%}
        {%- set series.power = series.power * t * t -%}
    {%- endfor -%}
    {{ return(2 * series.total - reduced.k * 0.6931471805599453) }}
{% endmacro %}
