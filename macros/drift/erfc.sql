{#- The complementary error function erfc(x) = 2/sqrt(pi) * integral_x^inf exp(-t^2) dt, for
    any real x (null in, null out; erfc(-inf) = 2, erfc(+inf) = 0); equal to scipy.special.erfc.
    W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969; netlib specfun
    CALERF), three ranges, each a ratio of polynomials in Horner form:
        |x| <= 0.46875:      erfc(x) = 1 - x * P1(x^2) / Q1(x^2)                 (degree 4 / 4)
        0.46875 < |x| <= 4:  erfc(|x|) = exp(-x^2) * P2(|x|) / Q2(|x|)           (degree 8 / 8)
        |x| > 4:             erfc(|x|) = exp(-x^2) / |x| * (1/sqrt(pi) - P3(1/x^2) / (x^2 Q3(1/x^2)))
    and erfc(x) = 2 - erfc(|x|) for x < 0. Measured against scipy on x in [-30, 30] (step
    0.001, plus the range ends and tiny |x|): absolute error 4.4e-16, relative error 1.7e-15
    wherever erfc(x) >= 1e-300. Against glibc's erfc the relative error grows like x^2 * 1e-16
    in the far tail (6e-14 at x = 26, where erfc is 1e-296): exp(-x^2) inherits the rounding of
    x^2, as in scipy; Cody's exact split of x^2 needs a floor, which is left out. Only abs, exp,
    arithmetic and case.
    x should be a double. It is referenced 62 times, so pass a column name (erfc('x') is about
    1.6 KB) or a short expression; anything but a plain identifier is wrapped in parentheses.
    The copies are side by side, never nested in one another, so size grows linearly.
-#}
{% macro erfc(x) %}
    {{ return(adapter.dispatch('erfc', 'modelwatch')(x)) }}
{% endmacro %}

{% macro default__erfc(x) -%}
    {%- set x = x | trim -%}
    {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*|"[^"]*"|`[^`]*`', x) -%}
        {%- set x = '(' ~ x ~ ')' -%}
    {%- endif -%}
    {#- Coefficients from the highest power down (Cody's, to his 18 digits). -#}
    {%- set p1 = ['1.85777706184603153e-1', '3.16112374387056560e0', '1.13864154151050156e2',
                  '3.77485237685302021e2', '3.20937758913846947e3'] -%}
    {%- set q1 = ['1e0', '2.36012909523441209e1', '2.44024637934444173e2',
                  '1.28261652607737228e3', '2.84423683343917062e3'] -%}
    {%- set p2 = ['2.15311535474403846e-8', '5.64188496988670089e-1', '8.88314979438837594e0',
                  '6.61191906371416295e1', '2.98635138197400131e2', '8.81952221241769090e2',
                  '1.71204761263407058e3', '2.05107837782607147e3', '1.23033935479799725e3'] -%}
    {%- set q2 = ['1e0', '1.57449261107098347e1', '1.17693950891312499e2',
                  '5.37181101862009858e2', '1.62138957456669019e3', '3.29079923573345963e3',
                  '4.36261909014324716e3', '3.43936767414372164e3', '1.23033935480374942e3'] -%}
    {%- set p3 = ['1.63153871373020978e-2', '3.05326634961232344e-1', '3.60344899949804439e-1',
                  '1.25781726111229246e-1', '1.60837851487422766e-2', '6.58749161529837803e-4'] -%}
    {%- set q3 = ['1e0', '2.56852019228982242e0', '1.87295284992346047e0',
                  '5.27905102951428412e-1', '6.05183413124413191e-2', '2.33520497626869185e-3'] -%}
    {%- set square = x ~ ' * ' ~ x -%}
    {%- set magnitude = 'abs(' ~ x ~ ')' -%}
    {%- set step_x2 = ' * ' ~ square -%}
    {%- set step_abs = ' * ' ~ magnitude -%}
    {%- set step_inverse_x2 = ' / (' ~ square ~ ')' -%}
    case
        when {{ magnitude }} <= 0.46875 then 1 - {{ x }} * ({{ modelwatch.erfc_horner(p1, step_x2) }})
            / ({{ modelwatch.erfc_horner(q1, step_x2) }})
        else case when {{ x }} < 0 then 2 else 0 end
            + case when {{ x }} < 0 then -1 else 1 end * exp(-({{ square }})) * case
                when {{ magnitude }} <= 4 then ({{ modelwatch.erfc_horner(p2, step_abs) }})
                    / ({{ modelwatch.erfc_horner(q2, step_abs) }})
                else (5.6418958354775628695e-1 - ({{ modelwatch.erfc_horner(p3, step_inverse_x2) }})
                    / (({{ modelwatch.erfc_horner(q3, step_inverse_x2) }}) * {{ square }})) / {{ magnitude }}
            end
    end
{%- endmacro %}

{#- Horner form of a polynomial, coefficients from the highest power down: `step` is the text
    that multiplies by the variable (' * v', or ' / (v)' for a polynomial in 1/v):
    ((c0 step + c1) step + ...) step + cn. -#}
{% macro erfc_horner(coefficients, step) -%}
    {%- set h = namespace(text='') -%}
    {%- for c in coefficients -%}
        {%- set h.text = c if loop.first else (h.text if loop.index == 2 else '(' ~ h.text ~ ')') ~ step ~ ' + ' ~ c -%}
    {%- endfor -%}
    {{- h.text -}}
{%- endmacro %}
