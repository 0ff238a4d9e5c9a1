"""Spec of the p-value macros: erfc, normal_sf, log_gamma and chi2_sf are portable SQL
expressions equal to scipy.

One ``dbt compile --inline`` in a copy of the project renders every expression under test;
DuckDB then evaluates the compiled SQL over grids and the results are compared with
``scipy.special.erfc``, ``scipy.stats.norm.sf``, ``scipy.special.gammaln`` and
``scipy.stats.chi2.sf``. The bounds asserted are the measured maxima rounded up (the product
asks for 1e-6, the drift statistics for 1e-9); measured:

    erfc       x in [-30, 30]                  abs 4.4e-16   rel 1.7e-15 (where erfc >= 1e-300)
    normal_sf  z in [-40, 40]                  abs 2.2e-16   rel 1.4e-15 (where sf >= 1e-300)
    log_gamma  x in [1e-300, 1e300]            rel 3.1e-14 where |ln Gamma| >= 0.1,
                                               abs 3.5e-15 on [0.5, 3] (zeros at 1 and 2)
    chi2_sf    dof 1 ... 500, statistic 0 ... 1e6
                                               abs 9.6e-13   rel 2.1e-12 (where p >= 1e-300)

scipy's erfc, like the macro, takes exp(-x^2) of a rounded x^2, so in the far tail both are
further from the true value than from each other: against glibc's erfc the macro's relative
error reaches 6e-14 at x = 26.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject
from scipy import special, stats

MARKER = "-- piece: "

PIECES = {
    "erfc": "select x, {{ modelwatch.erfc('x') }} as y from grid",
    "normal_sf": "select x, {{ modelwatch.normal_sf('x') }} as y from grid",
    "two_sided": "select x, 2 * {{ modelwatch.normal_sf('abs(x)') }} as y from grid",
    "log_gamma": "select x, {{ modelwatch.log_gamma('x') }} as y from grid",
    "chi2_sf": "select s, k, {{ modelwatch.chi2_sf('s', 'k') }} as p from grid",
    "chi2_sf_of_sums": "select {{ modelwatch.chi2_sf('s0 + s1', 'k0 + k1') }} as p from grid",
    "chi2_sf_alone": "{{ modelwatch.chi2_sf('s', 'k') }}",
    "chi2_sf_alone_long_names": (
        "{{ modelwatch.chi2_sf('chi_square_statistic', 'degrees_of_freedom') }}"
    ),
}

DOFS = [1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 200, 500]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every piece of PIECES, compiled by one dbt invocation."""
    project = DbtProject(Path(tmp_path_factory.mktemp("pvalues")) / "project")
    text = "\n".join(f"{MARKER}{name}\n{sql}" for name, sql in PIECES.items())
    result = project.dbt("compile", "--inline", text, "--output", "json", "--quiet")
    assert result.returncode == 0, result.output
    rendered = json.loads(result.output[result.output.index("{") :])["compiled"]
    pieces = {}
    for part in rendered.split(MARKER)[1:]:
        name, sql = part.split("\n", 1)
        pieces[name.strip()] = sql.strip()
    assert set(pieces) == set(PIECES)
    return pieces


def evaluate(sql: str, grid: pd.DataFrame) -> pd.DataFrame:
    """Run compiled SQL in DuckDB over `grid` (a table of that name)."""
    con = duckdb.connect()
    try:
        con.register("grid", grid)
        return con.sql(sql).df()
    finally:
        con.close()


def errors(got: np.ndarray, want: np.ndarray, floor: float = 1e-300) -> tuple[float, float]:
    """Max absolute error, and max relative error where the oracle is at least `floor`."""
    assert not np.isnan(got).any()
    relevant = np.abs(want) >= floor
    return (
        float(np.max(np.abs(got - want))),
        float(np.max(np.abs(got[relevant] / want[relevant] - 1))),
    )


def around(points: list[float], widths: tuple[float, ...] = (1e-12, 1e-9, 1e-6)) -> np.ndarray:
    """Each point, and points just below and above it."""
    offsets = np.array([0.0, *widths, *(-w for w in widths)])
    return np.concatenate([p + offsets for p in points])


# --------------------------------------------------------------------------------------------
# erfc and normal_sf
# --------------------------------------------------------------------------------------------


def test_erfc_equals_scipy_on_all_three_ranges_and_both_signs(compiled: dict[str, str]) -> None:
    x = np.unique(
        np.concatenate(
            [
                np.linspace(-30, 30, 60_001),
                np.geomspace(1e-300, 1, 300),
                -np.geomspace(1e-300, 1, 300),
                around([-4, -0.46875, 0, 0.46875, 4, 26.5]),
            ]
        )
    )
    got = evaluate(compiled["erfc"], pd.DataFrame({"x": x}))
    absolute, relative = errors(got.y.to_numpy(), special.erfc(got.x.to_numpy()))
    assert absolute <= 1e-15 and relative <= 1e-14


def test_erfc_far_tail_is_within_x_squared_roundings_of_the_true_value(
    compiled: dict[str, str],
) -> None:
    x = np.random.default_rng(26).uniform(4, 26.5, 2000)
    got = evaluate(compiled["erfc"], pd.DataFrame({"x": x}))
    libm = np.array([math.erfc(v) for v in got.x])  # glibc: exact split of x^2
    assert np.max(np.abs(got.y.to_numpy() / libm - 1)) <= 2e-13


def test_erfc_of_infinities_and_null(compiled: dict[str, str]) -> None:
    got = evaluate(compiled["erfc"], pd.DataFrame({"x": [-np.inf, np.inf, 1e300, -1e300, None]}))
    assert got.y.iloc[:4].tolist() == [2.0, 0.0, 0.0, 2.0] and pd.isna(got.y.iloc[4])


def test_normal_sf_equals_scipy_norm_sf_from_minus_40_to_40(compiled: dict[str, str]) -> None:
    z = np.unique(np.concatenate([np.linspace(-40, 40, 80_001), around([-5.657, 0.663, 5.657])]))
    got = evaluate(compiled["normal_sf"], pd.DataFrame({"x": z}))
    absolute, relative = errors(got.y.to_numpy(), stats.norm.sf(got.x.to_numpy()))
    assert absolute <= 1e-15 and relative <= 1e-14
    assert got.y[got.x == 0].item() == 0.5


def test_two_sided_pvalue_is_twice_normal_sf_of_abs_z(compiled: dict[str, str]) -> None:
    z = np.linspace(-10, 10, 2001)
    got = evaluate(compiled["two_sided"], pd.DataFrame({"x": z}))
    want = 2 * stats.norm.sf(np.abs(got.x.to_numpy()))
    absolute, relative = errors(got.y.to_numpy(), want)
    assert absolute <= 1e-15 and relative <= 1e-14


# --------------------------------------------------------------------------------------------
# log_gamma
# --------------------------------------------------------------------------------------------


def test_log_gamma_equals_scipy_gammaln_from_1e_minus_300_to_1e300(
    compiled: dict[str, str],
) -> None:
    x = np.unique(
        np.concatenate(
            [
                np.geomspace(1e-300, 1e300, 20_001),
                np.linspace(0.01, 30, 30_000),
                np.arange(1, 1001) / 2,  # every a = dof / 2 chi2_sf meets up to dof 1000
            ]
        )
    )
    got = evaluate(compiled["log_gamma"], pd.DataFrame({"x": x}))
    x, y = got.x.to_numpy(), got.y.to_numpy()
    want = special.gammaln(x)
    away_from_zeros = np.abs(want) >= 0.1
    assert np.max(np.abs(y[away_from_zeros] / want[away_from_zeros] - 1)) <= 1e-13
    near_zeros = (x >= 0.5) & (x <= 3)  # ln Gamma(1) = ln Gamma(2) = 0
    assert np.max(np.abs(y[near_zeros] - want[near_zeros])) <= 1e-14


def test_log_gamma_is_null_unless_x_is_positive(compiled: dict[str, str]) -> None:
    got = evaluate(compiled["log_gamma"], pd.DataFrame({"x": [0.0, -0.5, -3.0, None]}))
    assert got.y.isna().all()


# --------------------------------------------------------------------------------------------
# chi2_sf
# --------------------------------------------------------------------------------------------


def chi2_grid() -> pd.DataFrame:
    """dof x statistic: dense from 0 to dof + 40 sqrt(dof) + 100, tight around the switch
    between the series and the continued fraction (statistic = dof + 2, i.e. y = a + 1), and
    out to 1e6 where the p-value underflows to 0."""
    frames = []
    for k in DOFS:
        s = np.concatenate(
            [
                np.linspace(0, k + 40 * np.sqrt(k) + 100, 4001),
                k + 2 + np.linspace(-1, 1, 401),
                around([k + 2.0]),
                np.geomspace(1e-12, 1e6, 400),
            ]
        )
        frames.append(pd.DataFrame({"s": np.unique(s), "k": k}))
    return pd.concat(frames, ignore_index=True)


def test_chi2_sf_equals_scipy_chi2_sf_over_dof_1_to_500(compiled: dict[str, str]) -> None:
    got = evaluate(compiled["chi2_sf"], chi2_grid())
    want = stats.chi2.sf(got.s.to_numpy(), got.k.to_numpy())
    absolute, relative = errors(got.p.to_numpy(), want)
    assert absolute <= 2e-12 and relative <= 5e-12
    assert (want == 0).any() and (got.p[want == 0] <= 1e-300).all()  # underflow reached


def test_chi2_sf_is_continuous_where_series_and_continued_fraction_meet(
    compiled: dict[str, str],
) -> None:
    k = np.repeat(DOFS, 2)
    s = k + 2 + np.tile([-1e-12, 0.0], len(DOFS))  # series just below, fraction at the switch
    got = evaluate(compiled["chi2_sf"], pd.DataFrame({"s": s, "k": k})).p.to_numpy()
    assert np.max(np.abs(got[0::2] - got[1::2])) <= 2e-12


def test_chi2_sf_edge_cases(compiled: dict[str, str]) -> None:
    cases = pd.DataFrame(
        [
            (0.0, 3, 1.0),
            (-2.5, 3, 1.0),  # below the support
            (np.inf, 3, 0.0),
            (1e300, 500, 0.0),
            (1e6, 1, 0.0),
            (None, 3, None),
            (1.0, None, None),
            (0.0, None, None),
            (1.0, 0, None),
            (0.0, -2, None),
        ],
        columns=["s", "k", "expected"],
    ).astype({"s": "float64", "k": "Int64", "expected": "float64"})
    got = evaluate(compiled["chi2_sf"], cases[["s", "k"]])
    pd.testing.assert_series_equal(got.p, cases.expected, check_names=False)


def test_chi2_sf_takes_integer_columns_and_parenthesises_expressions(
    compiled: dict[str, str],
) -> None:
    rng = np.random.default_rng(7)
    k0 = rng.integers(0, 100, 500)
    k1 = rng.integers(1, 100, 500)
    s0 = rng.integers(0, 150, 500)
    s1 = rng.integers(0, 150, 500)
    grid = pd.DataFrame({"s0": s0, "s1": s1, "k0": k0, "k1": k1})  # all BIGINT
    got = evaluate(compiled["chi2_sf_of_sums"], grid).p.to_numpy()
    absolute, relative = errors(got, stats.chi2.sf(s0 + s1, k0 + k1))
    assert absolute <= 2e-12 and relative <= 5e-12


# --------------------------------------------------------------------------------------------
# Portability and size
# --------------------------------------------------------------------------------------------


def test_expressions_call_only_functions_every_engine_has(compiled: dict[str, str]) -> None:
    for name, sql in compiled.items():
        called = set(re.findall(r"\b([a-z_]+)\(", sql.lower()))
        assert called <= {"exp", "ln", "abs", "cast"}, name


def test_chi2_sf_size_is_linear_in_the_length_of_its_arguments(compiled: dict[str, str]) -> None:
    short, long = compiled["chi2_sf_alone"], compiled["chi2_sf_alone_long_names"]
    assert len(short) <= 5_500
    statistic_refs = len(re.findall(r"\bs\b", short))
    dof_refs = len(re.findall(r"\bk\b", short))
    assert (statistic_refs, dof_refs) == (120 + 50 + 8, 120 + 50 + 19)  # as documented
    extra = statistic_refs * (len("chi_square_statistic") - 1)
    extra += dof_refs * (len("degrees_of_freedom") - 1)
    assert len(long) == len(short) + extra
