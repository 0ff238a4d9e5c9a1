"""Spec of modelwatch's drift metrics beyond PSI and KS: each equals an independent oracle.

One dbt build over a fixture of two monitored models fills the warehouse; every figure of
``fct_feature_drift`` is then compared with a reimplementation from the raw rows (numpy and
scipy, no SQL), to 1e-9 absolute (p-values: ``PVALUE_TOL``):

* on the frozen bins, with shares b (batch) and r (reference) per bin over all rows (the
  missing bin 0 and, for a categorical feature, the 'unseen' bin included; the oracle
  recomputes the bins from the reference as ``test_statistics_oracle`` does):
  ``jensen_shannon`` = ``scipy.spatial.distance.jensenshannon(b, r, base=js_log_base)``,
  ``hellinger`` = sqrt(1/2 sum (sqrt b - sqrt r)^2), ``total_variation`` = 1/2 sum |b - r|,
  ``l_infinity`` = max |b - r|, ``kl_divergence`` = sum b' ln(b'/r') with b' = max(b, eps),
  r' = max(r, eps) (not renormalised), ``missing_rate_change`` = |b_missing - r_missing|;
* on the exact values (null and NaN missing): ``wasserstein`` =
  ``scipy.stats.wasserstein_distance(ref, batch)``, null when a sample is empty or holds
  +-inf; ``wasserstein_normed`` = that / ``np.std(ref)`` (ddof 0), null when the std is 0;
* on the categorical counts: ``chi_square_statistic`` and ``chi_square_pvalue`` =
  ``scipy.stats.chi2_contingency`` (Yates' correction when dof = 1) of the 2 x L' table of
  reference vs batch counts over the reference levels and the unseen bin (missing left out),
  columns with a non-zero total only; L' = 1 gives 0 and p = 1; null when a sample has no
  value (scipy refuses a zero row). ``z_test_pvalue``, only for features with exactly two
  reference levels: the pooled two-proportion z-test on the first level (most frequent in the
  reference, ties by name) among the non-missing rows, p = 2 ``norm.sf(|z|)``; null when a
  sample has no value.

The fixture's batches cover ties, null and NaN, disjoint supports, a constant feature (same
and different constant), a feature entirely missing from a batch (numeric and categorical), a
feature missing from the reference, a one-row and a six-row batch, +-inf (in the reference
and in a batch), categorical levels unseen in the reference and reference levels absent from
a batch, a binary feature (unseen level, one level only in the batch, tied reference levels)
and a one-level feature (L' = 1, and L' = 2 with an unseen level), a non-default
``js_log_base`` (model and feature level) and ``psi_epsilon``.

The p-value macros ``modelwatch.chi2_sf`` and ``modelwatch.normal_sf`` are tested through the
pipeline. Where the project does not define one (yet), ``add_standin_macros`` writes an
accurate stand-in into the temporary copy only.
"""

from __future__ import annotations

import functools
import json
import math
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject
from scipy import stats
from scipy.spatial import distance

TOL = 1e-9
"""Absolute tolerance of every statistic."""

PVALUE_TOL = {"chi_square_pvalue": 1e-9, "z_test_pvalue": 1e-9}
"""Absolute tolerance of the p-values. chi2_sf (series / continued fraction) and normal_sf
(Cody's erfc) are documented to 2e-12 and 3e-16; measured here below 1e-14. Were a macro
only as good as the 1.2e-7 Chebyshev erfc of docs/decisions/0007, this would be 1e-6."""

# --------------------------------------------------------------------------------------------
# The fixture: two monitored models
# --------------------------------------------------------------------------------------------

REGISTRY = """
sources:
  - name: fixtures
    schema: raw
    tables:
      - name: window_log
        config:
          meta:
            modelwatch:
              model_id: metrics_window
              owner: stats@example.com
              business_unit: qa
              timestamp_column: scored_at
              batch: {column: batch_label}
              prediction_id_column: prediction_id
              score_column: Score
              min_batch_size: 1
              reference:
                window: {start: "2026-01-01", end: "2026-02-01"}
              features:
                - {name: Amount, kind: numeric, bins: 20}
                - {name: Count, kind: numeric}
                - {name: Gappy, kind: numeric}
                - {name: Disjoint, kind: numeric, bins: 5}
                - {name: Constant, kind: numeric}
                - {name: Saturated, kind: numeric}
                - {name: Late, kind: numeric}
                - {name: Plan, kind: categorical}
                - {name: Flag, kind: categorical}
                - {name: Mono, kind: categorical}
                - {name: Late Cat, kind: categorical}
      - name: daily_log
        config:
          meta:
            modelwatch:
              model_id: metrics_daily
              owner: stats@example.com
              business_unit: qa
              timestamp_column: logged_at
              batch: {grain: day}
              prediction_id_column: id
              score: {column: Score, js_log_base: 2.718281828459045}
              min_batch_size: 1
              bins: 5
              psi_epsilon: 0.001
              js_log_base: 10
              reference:
                source: fixtures.daily_reference
              features:
                - {name: Age, kind: numeric}
                - {name: Segment, kind: categorical, js_log_base: 3}
                - {name: Binary, kind: categorical}
      - name: daily_reference
"""


@dataclass(frozen=True)
class Feature:
    """A monitored column as the oracle sees it."""

    name: str
    kind: str
    bins: int = 10
    js_log_base: float = 2.0


@dataclass(frozen=True)
class Model:
    """A monitored model: its features, settings, reference rows and batches."""

    model_id: str
    features: tuple[Feature, ...]
    epsilon: float
    reference: pd.DataFrame
    batches: dict[str, pd.DataFrame]


WINDOW_START = pd.Timestamp("2026-01-01")
WINDOW_END = pd.Timestamp("2026-02-01")
PLANS = ["basic", "plus", "pro", None]


def _timestamps(rng: np.random.Generator, start: str, days: float, n: int) -> pd.Series:
    seconds = np.sort(rng.integers(0, int(days * 86_400), size=n))
    return pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")


def _with_missing(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    values = values.astype(float)
    values[rng.random(values.size) < share] = np.nan
    return values


def _window_rows(rng: np.random.Generator, n: int, shifted: bool) -> dict[str, object]:
    """Feature columns of `n` rows of metrics_window, reference-like or shifted."""
    if not shifted:
        return {
            "Score": rng.beta(2, 5, n),
            "Amount": rng.normal(50, 10, n),
            "Count": 3 + rng.binomial(6, 0.4, n),  # 7 integers: heavy ties
            "Gappy": _with_missing(rng, rng.gamma(2, 10, n), 0.2),
            "Disjoint": rng.uniform(0, 1, n),
            "Constant": np.full(n, 5.0),
            # 10% -inf and 10% +inf in every sample: no Wasserstein distance
            "Saturated": rng.choice([-np.inf, 0.0, np.inf], n, p=[0.1, 0.8, 0.1])
            + rng.normal(0, 1, n),
            "Plan": rng.choice(PLANS, n, p=[0.5, 0.3, 0.15, 0.05]),
            "Flag": rng.choice(["no", "yes", None], n, p=[0.6, 0.35, 0.05]),
            "Mono": rng.choice(["only", None], n, p=[0.9, 0.1]),
        }
    return {
        "Score": rng.beta(3, 4, n),
        "Amount": rng.normal(60, 15, n),  # location and scale shift
        "Count": 3 + rng.binomial(6, 0.6, n),
        "Gappy": _with_missing(rng, rng.gamma(2, 14, n), 0.35),
        "Disjoint": rng.uniform(2, 3, n),  # entirely above the reference's maximum
        "Constant": np.full(n, 7.0),  # a different constant
        "Saturated": rng.choice([-np.inf, 0.0, np.inf], n, p=[0.02, 0.6, 0.38])
        + rng.normal(0, 1, n),
        # 'pro' is absent, 'premium' and 'maybe' were never seen in the reference
        "Plan": rng.choice(["basic", "plus", "premium", None], n, p=[0.3, 0.3, 0.3, 0.1]),
        "Flag": rng.choice(["no", "yes", "maybe", None], n, p=[0.3, 0.5, 0.1, 0.1]),
        "Mono": rng.choice(["only", "other", None], n, p=[0.6, 0.3, 0.1]),
    }


def make_window_log() -> pd.DataFrame:
    """The log of metrics_window: the reference window, then labelled batches."""
    rng = np.random.default_rng(20260401)
    parts = []

    def add(label: str, start: str, days: float, n: int, shifted: bool = False) -> pd.DataFrame:
        part = pd.DataFrame(_window_rows(rng, n, shifted))
        part.insert(0, "scored_at", _timestamps(rng, start, days, n))
        part.insert(1, "batch_label", label)
        parts.append(part)
        return part

    add("reference", "2026-01-01", 31, 600)
    add("a same", "2026-02-01", 5, 300)
    add("b shifted", "2026-02-06", 5, 200, shifted=True)
    add("c one row", "2026-02-11", 1, 1, shifted=True)
    infinities = add("d infinities", "2026-02-12", 5, 150)
    infinities.loc[infinities.index[:4], "Amount"] = np.inf
    infinities.loc[infinities.index[4:6], "Amount"] = -np.inf
    infinities.loc[infinities.index[6], "Disjoint"] = np.inf
    empty = add("e empty", "2026-02-17", 2, 40)
    for column in ("Gappy", "Plan", "Flag", "Mono"):
        empty[column] = np.nan if column == "Gappy" else None
    add("f small", "2026-02-19", 1, 6, shifted=True)
    one_level = add("g one level", "2026-02-20", 2, 50)
    one_level["Flag"] = rng.choice(["yes", None], 50, p=[0.9, 0.1])  # the second level only
    one_level["Mono"] = "only"  # L' = 1
    one_level["Plan"] = "basic"
    first_level = add("h first level", "2026-02-22", 2, 30)
    first_level["Flag"] = "no"  # the first level only
    first_level["Plan"] = "premium"  # unseen only
    log = pd.concat(parts, ignore_index=True)
    log.insert(0, "prediction_id", np.arange(1, len(log) + 1))
    # no value in the reference: numeric in two batches, categorical in three
    late = log["batch_label"].isin(["b shifted", "d infinities"])
    log["Late"] = np.where(late, rng.normal(0, 1, len(log)), np.nan)
    late_cat = {"b shifted": ["x", "y"], "d infinities": ["x"], "f small": ["y", None]}
    log["Late Cat"] = [
        rng.choice(late_cat[label]) if label in late_cat else None for label in log["batch_label"]
    ]
    return log


def nan_ids(log: pd.DataFrame) -> dict[str, list[int]]:
    """Rows whose missing value is stored as NaN rather than null: every other one."""
    return {
        column: [int(i) for i in log.loc[log[column].isna(), "prediction_id"] if i % 2 == 0]
        for column in ("Gappy", "Late")
    }


def _daily_rows(rng: np.random.Generator, n: int, shifted: bool) -> dict[str, object]:
    if not shifted:
        return {
            "Score": rng.uniform(0, 1, n),
            "Age": 30 + rng.binomial(20, 0.5, n),
            "Segment": rng.choice(["retail", "sme", "corporate"], n, p=[0.6, 0.3, 0.1]),
            "Binary": rng.choice(["a", "b"], n),
        }
    return {
        "Score": rng.uniform(0.1, 1.1, n),
        "Age": 32 + rng.binomial(20, 0.5, n),
        "Segment": rng.choice(["retail", "sme", "public"], n, p=[0.4, 0.4, 0.2]),
        "Binary": rng.choice(["a", "b", "c", None], n, p=[0.5, 0.2, 0.2, 0.1]),  # c: unseen
    }


def make_daily_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """metrics_daily: a reference table (its binary levels tied 50/50) and a daily log."""
    rng = np.random.default_rng(20260402)
    reference = pd.DataFrame(_daily_rows(rng, 110, shifted=False))
    reference["Binary"] = ["b"] * 50 + ["a"] * 50 + [None] * 10  # tie: 'a' first by name
    parts = []
    for day, n, shifted in (("2026-03-02", 80, False), ("2026-03-03", 5, True)):
        part = pd.DataFrame(_daily_rows(rng, n, shifted))
        part.insert(0, "logged_at", _timestamps(rng, day, 1, n))
        parts.append(part)
    part["Binary"] = ["a", "c", "c", "c", None]  # unseen 'c': which level is first matters
    part = pd.DataFrame(_daily_rows(rng, 60, shifted=True))
    part.insert(0, "logged_at", _timestamps(rng, "2026-03-04", 1, 60))
    part["Binary"] = "b"  # the second level only
    parts.append(part)
    log = pd.concat(parts, ignore_index=True)
    log.insert(0, "id", [f"p{i:05d}" for i in range(len(log))])
    return log, reference


WINDOW_LOG = make_window_log()
NAN_IDS = nan_ids(WINDOW_LOG)
DAILY_LOG, DAILY_REFERENCE = make_daily_tables()


def _window_model() -> Model:
    at = WINDOW_LOG["scored_at"]
    numeric = [("Score", 10), ("Amount", 20), ("Count", 10), ("Gappy", 10), ("Disjoint", 5)]
    numeric += [("Constant", 10), ("Saturated", 10), ("Late", 10)]
    categorical = ["Plan", "Flag", "Mono", "Late Cat"]
    return Model(
        model_id="metrics_window",
        features=tuple(Feature(name, "numeric", k) for name, k in numeric)
        + tuple(Feature(name, "categorical") for name in categorical),
        epsilon=1e-4,
        reference=WINDOW_LOG[(at >= WINDOW_START) & (at < WINDOW_END)],
        batches=dict(tuple(WINDOW_LOG[at >= WINDOW_END].groupby("batch_label"))),
    )


def _daily_model() -> Model:
    day = DAILY_LOG["logged_at"].dt.floor("D").dt.strftime("%Y-%m-%d")
    return Model(
        model_id="metrics_daily",
        features=(
            Feature("Score", "numeric", 5, math.e),
            Feature("Age", "numeric", 5, 10.0),
            Feature("Segment", "categorical", 5, 3.0),
            Feature("Binary", "categorical", 5, 10.0),
        ),
        epsilon=1e-3,
        reference=DAILY_REFERENCE,
        batches=dict(tuple(DAILY_LOG.groupby(day))),
    )


MODELS = {model.model_id: model for model in (_window_model(), _daily_model())}

# --------------------------------------------------------------------------------------------
# The oracle: numpy and scipy from the raw rows, no SQL
# --------------------------------------------------------------------------------------------

BIN_METRICS = [
    "jensen_shannon",
    "hellinger",
    "total_variation",
    "l_infinity",
    "kl_divergence",
    "missing_rate_change",
]
VALUE_METRICS = ["wasserstein", "wasserstein_normed"]
CONTINGENCY_METRICS = ["chi_square_statistic", "chi_square_pvalue"]
Z_METRIC = "z_test_pvalue"


def feature_of(model_id: str, feature_name: str) -> Feature:
    """A monitored feature by model and name."""
    return next(f for f in MODELS[model_id].features if f.name == feature_name)


def values(frame: pd.DataFrame, feature: Feature) -> np.ndarray:
    """The non-missing values of a feature (null and NaN are missing; +-inf are values)."""
    column = frame[feature.name]
    if feature.kind == "numeric":
        array = column.to_numpy(dtype=float)
        return array[~np.isnan(array)]
    return column[column.notna()].to_numpy(dtype=object)


def edges(reference: np.ndarray, k: int) -> np.ndarray:
    """Distinct inverted-CDF quantiles i/k (i = 1..k-1): the ceil(i N / k)-th order statistic,
    in integer arithmetic."""
    ordered, n = np.sort(reference), reference.size
    return np.unique([ordered[-(-i * n // k) - 1] for i in range(1, k)] if n else [])


def levels(reference: np.ndarray) -> list[str]:
    """The reference levels, most frequent first, ties by name."""
    counted = pd.Series(reference, dtype=object).value_counts()
    return [level for level, _ in sorted(counted.items(), key=lambda item: (-item[1], item[0]))]


def bin_counts(model: Model, feature: Feature, frame: pd.DataFrame) -> np.ndarray:
    """Rows of `frame` per frozen bin: 0 missing, then the value bins (numeric: closed on the
    right; categorical: the reference levels, then 'unseen')."""
    reference, present = values(model.reference, feature), values(frame, feature)
    if feature.kind == "numeric":
        cuts = edges(reference, feature.bins)
        counts = np.zeros(cuts.size + 2, dtype=np.int64)
        np.add.at(counts, np.searchsorted(cuts, present, side="left") + 1, 1)
    else:
        position = {level: i + 1 for i, level in enumerate(levels(reference))}
        counts = np.zeros(len(position) + 2, dtype=np.int64)
        for value in present:
            counts[position.get(value, len(position) + 1)] += 1
    counts[0] = len(frame) - present.size
    return counts


def wasserstein(reference: np.ndarray, batch: np.ndarray) -> tuple[float, float]:
    """(W1, W1 / population std of the reference); null (NaN) as the spec says."""
    if reference.size == 0 or batch.size == 0:
        return math.nan, math.nan
    if not (np.isfinite(reference).all() and np.isfinite(batch).all()):
        return math.nan, math.nan
    w1 = float(stats.wasserstein_distance(reference, batch))
    spread = float(np.std(reference))
    return w1, (w1 / spread if spread > 0 else math.nan)


def contingency(reference_counts: np.ndarray, batch_counts: np.ndarray) -> tuple[float, float]:
    """(chi-square, p-value) of the 2 x L' table over the value bins (missing left out)."""
    table = np.vstack([reference_counts[1:], batch_counts[1:]])
    table = table[:, table.sum(axis=0) > 0]
    if table.sum(axis=1).min() == 0:
        return math.nan, math.nan  # a sample without a value: scipy refuses a zero row
    if table.shape[1] == 1:
        return 0.0, 1.0
    result = stats.chi2_contingency(table)  # Yates' correction when dof = 1
    return float(result.statistic), float(result.pvalue)


def z_test(reference_counts: np.ndarray, batch_counts: np.ndarray) -> float:
    """Two-sided p-value of the pooled two-proportion z-test on the first level's share."""
    x1, n1 = reference_counts[1], reference_counts[1:].sum()
    x2, n2 = batch_counts[1], batch_counts[1:].sum()
    if n1 == 0 or n2 == 0:
        return math.nan
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    z = (x2 / n2 - x1 / n1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float(2 * stats.norm.sf(abs(z)))


@dataclass(frozen=True)
class Expected:
    """The oracle's figures and sample sizes for one model, batch and feature."""

    metrics: dict[str, float]
    sizes: dict[str, tuple[int, int]]
    reference_counts: np.ndarray
    batch_counts: np.ndarray


@functools.cache
def expected(model_id: str, batch_id: str, feature_name: str) -> Expected:
    """Everything modelwatch should report for one (model, batch, feature)."""
    model, feature = MODELS[model_id], feature_of(model_id, feature_name)
    batch = model.batches[batch_id]
    r_counts = bin_counts(model, feature, model.reference)
    b_counts = bin_counts(model, feature, batch)
    r, b = r_counts / r_counts.sum(), b_counts / b_counts.sum()
    b_floor, r_floor = np.maximum(b, model.epsilon), np.maximum(r, model.epsilon)
    metrics = {
        "jensen_shannon": float(distance.jensenshannon(b, r, base=feature.js_log_base)),
        "hellinger": float(np.sqrt(0.5 * np.sum((np.sqrt(b) - np.sqrt(r)) ** 2))),
        "total_variation": float(0.5 * np.sum(np.abs(b - r))),
        "l_infinity": float(np.max(np.abs(b - r))),
        "kl_divergence": float(np.sum(b_floor * np.log(b_floor / r_floor))),
        "missing_rate_change": float(abs(b[0] - r[0])),
    }
    all_rows = (len(model.reference), len(batch))
    sizes = dict.fromkeys(BIN_METRICS, all_rows)
    present = (values(model.reference, feature).size, values(batch, feature).size)
    if feature.kind == "numeric":
        w1, normed = wasserstein(values(model.reference, feature), values(batch, feature))
        metrics |= {"wasserstein": w1, "wasserstein_normed": normed}
        sizes |= dict.fromkeys(VALUE_METRICS, present)
    else:
        statistic, pvalue = contingency(r_counts, b_counts)
        metrics |= {"chi_square_statistic": statistic, "chi_square_pvalue": pvalue}
        sizes |= dict.fromkeys(CONTINGENCY_METRICS, present)
        if r_counts.size == 4:  # missing, two reference levels, unseen
            metrics[Z_METRIC] = z_test(r_counts, b_counts)
            sizes[Z_METRIC] = present
    return Expected(metrics, sizes, r_counts, b_counts)


CASES = [
    (model.model_id, batch_id, feature.name)
    for model in MODELS.values()
    for batch_id in model.batches
    for feature in model.features
]
METRIC_CASES = [(*case, metric) for case in CASES for metric in expected(*case).metrics]


def case_id(case: tuple[str, ...]) -> str:
    """A readable test id: model/batch/feature[/metric]."""
    return "/".join(case)


# --------------------------------------------------------------------------------------------
# One build, read back once
# --------------------------------------------------------------------------------------------

STANDINS = {
    "chi2_sf": """
        {#- stand-in (tests only): Q(dof / 2, x / 2), the chi-square survival function -#}
        {% macro chi2_sf(x, dof) -%}
            {{ modelwatch._standin_gamma_q('(' ~ dof ~ ') / 2.0', '(' ~ x ~ ') / 2.0') }}
        {%- endmacro %}
        """,
    "normal_sf": """
        {#- stand-in (tests only): P(Z > z) = Q(1/2, z^2 / 2) / 2 for z >= 0 -#}
        {% macro normal_sf(z) -%}
            (case when ({{ z }}) >= 0
                then 0.5 * {{ modelwatch._standin_gamma_q('0.5', 'power(' ~ z ~ ', 2) / 2.0') }}
                else 1 - 0.5 * {{ modelwatch._standin_gamma_q('0.5', 'power(' ~ z ~ ', 2) / 2.0') }}
            end)
        {%- endmacro %}
        """,
}
STANDIN_GAMMA_Q = """
    {#- stand-in (tests only): the regularised upper incomplete gamma Q(a, y), by the power
        series below a + 1 and the continued fraction above, 150 levels deep each -#}
    {% macro _standin_gamma_q(a, y) -%}
        {%- set a = '(' ~ a ~ ')' -%}
        {%- set y = '(' ~ y ~ ')' -%}
        {%- set series = namespace(text='1.0') -%}
        {%- for n in range(150, 0, -1) -%}
            {%- set series.text = '(1.0 + ' ~ y ~ ' / (' ~ a ~ ' + ' ~ n ~ ') * '
                ~ series.text ~ ')' -%}
        {%- endfor -%}
        {%- set fraction = namespace(text=y ~ ' + 301 - ' ~ a) -%}
        {%- for i in range(150, 0, -1) -%}
            {%- set fraction.text = '(' ~ y ~ ' + ' ~ (2 * i - 1) ~ ' - ' ~ a ~ ' - '
                ~ i ~ ' * (' ~ i ~ ' - ' ~ a ~ ') / ' ~ fraction.text ~ ')' -%}
        {%- endfor -%}
        (case
            when {{ y }} <= 0 then 1.0
            when {{ y }} < {{ a }} + 1 then 1 - exp(-{{ y }} + {{ a }} * ln({{ y }})
                - lgamma({{ a }} + 1)) * {{ series.text }}
            else exp(-{{ y }} + {{ a }} * ln({{ y }}) - lgamma({{ a }})) / {{ fraction.text }}
        end)
    {%- endmacro %}
"""


def defined_macros(root: Path) -> set[str]:
    """Names of the macros a project copy defines."""
    found = set()
    for path in (root / "macros").rglob("*.sql"):
        found |= set(re.findall(r"{%-?\s*macro\s+(\w+)\s*\(", path.read_text()))
    return found


def add_standin_macros(root: Path) -> list[str]:
    """Write a stand-in for each p-value macro the copy at `root` lacks (never into the working
    tree); returns the names stood in for."""
    missing = [name for name in STANDINS if name not in defined_macros(root)]
    if missing:
        text = STANDIN_GAMMA_Q + "".join(STANDINS[name] for name in missing)
        (root / "macros" / "tmp_standins.sql").write_text(textwrap.dedent(text))
    return missing


KEY = ["model_id", "batch_id", "feature_name", "metric_name"]
"""The key of fct_feature_drift."""


@dataclass(frozen=True)
class Warehouse:
    """The built fixture project and its drift figures."""

    project: DbtProject
    drift: pd.DataFrame
    histograms: pd.DataFrame
    standins: list[str]
    drift_by_key: dict[tuple[str, ...], pd.DataFrame]

    def metric(self, case: tuple[str, str, str], metric_name: str) -> pd.Series:
        """The one fct_feature_drift row of a (model, batch, feature) and metric."""
        rows = self.drift_by_key.get((*case, metric_name), self.drift.iloc[:0])
        assert len(rows) == 1, f"{case} {metric_name}: {len(rows)} rows"
        return rows.iloc[0]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """Builds the fixture once for the whole module."""
    project = DbtProject(tmp_path_factory.mktemp("metrics") / "project")
    standins = add_standin_macros(project.root)
    project.write_registry(REGISTRY)
    project.load(
        {"window_log": WINDOW_LOG, "daily_log": DAILY_LOG, "daily_reference": DAILY_REFERENCE}
    )
    for column, ids in NAN_IDS.items():
        # pandas' NaN arrives in DuckDB as null; write real NaN for half of the missing values
        project.execute(
            f"update raw.window_log set \"{column}\" = 'NaN'::double "
            f"where prediction_id in ({', '.join(map(str, ids))})"
        )
    result = project.build()
    assert result.returncode == 0, result.output
    drift = project.query("select * from fct_feature_drift")
    return Warehouse(
        project=project,
        drift=drift,
        histograms=project.query("select * from fct_feature_histograms"),
        standins=standins,
        drift_by_key=dict(tuple(drift.groupby(KEY))),
    )


def assert_close(got: float, want: float, tolerance: float, what: str) -> None:
    """Equal to `tolerance` absolute, or both null (NaN in pandas)."""
    if pd.isna(want):
        assert pd.isna(got), f"{what}: expected null, got {got!r}"
    else:
        assert not pd.isna(got), f"{what}: expected {want!r}, got null"
        assert abs(got - want) <= tolerance, f"{what}: {got!r} != oracle {want!r}"


# --------------------------------------------------------------------------------------------
# Shape: which rows exist
# --------------------------------------------------------------------------------------------


def test_every_metric_row_exists_once_for_the_kinds_it_applies_to(warehouse: Warehouse) -> None:
    keys = warehouse.drift[KEY]
    assert not keys.duplicated().any()
    ours = BIN_METRICS + VALUE_METRICS + CONTINGENCY_METRICS + [Z_METRIC]
    stored = {tuple(key) for key in keys.to_numpy() if key[3] in ours}
    assert stored == set(METRIC_CASES)


def test_the_fixture_covers_the_cases_of_the_spec() -> None:
    got = {case: expected(*case) for case in CASES}
    # a binary feature with the z-test, and categorical features without it
    z_features = {(m, f) for (m, _, f), e in got.items() if Z_METRIC in e.metrics}
    assert z_features == {("metrics_window", "Flag"), ("metrics_daily", "Binary")}
    # tied reference levels: 'a' is first by name, and an unseen level makes the choice matter
    binary = got["metrics_daily", "2026-03-03", "Binary"]
    assert binary.reference_counts.tolist() == [10, 50, 50, 0] and binary.batch_counts[3] > 0
    swapped = binary.batch_counts[[0, 2, 1, 3]]
    assert abs(z_test(binary.reference_counts, swapped) - binary.metrics[Z_METRIC]) > 0.01
    # L' = 1 with values on both sides: chi-square 0, p-value 1
    assert got["metrics_window", "g one level", "Mono"].metrics["chi_square_pvalue"] == 1.0
    # a categorical feature without a value in the batch, or in the reference
    assert np.isnan(got["metrics_window", "e empty", "Plan"].metrics["chi_square_statistic"])
    assert np.isnan(got["metrics_window", "d infinities", "Late Cat"].metrics["chi_square_pvalue"])
    # Yates' correction (one degree of freedom) and larger tables
    dofs = {
        int((np.vstack([e.reference_counts[1:], e.batch_counts[1:]]).sum(axis=0) > 0).sum()) - 1
        for e in got.values()
        if "chi_square_statistic" in e.metrics and not np.isnan(e.metrics["chi_square_pvalue"])
    }
    assert {0, 1, 2, 3} <= dofs
    # Wasserstein: null for +-inf, for an empty sample and for a zero reference spread
    window = {(b, f): e.metrics for (m, b, f), e in got.items() if m == "metrics_window"}
    assert np.isnan(window["d infinities", "Amount"]["wasserstein"])
    assert np.isnan(window["a same", "Saturated"]["wasserstein"])
    assert np.isnan(window["e empty", "Gappy"]["wasserstein"])
    assert window["b shifted", "Constant"]["wasserstein"] == 2.0
    assert np.isnan(window["b shifted", "Constant"]["wasserstein_normed"])


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_histogram_counts_equal_the_oracle_bins(
    warehouse: Warehouse, case: tuple[str, str, str]
) -> None:
    # the oracle's bins are the warehouse's: any difference below is in the metric itself
    model_id, batch_id, feature_name = case
    h = warehouse.histograms
    rows = h[
        (h.model_id == model_id) & (h.batch_id == batch_id) & (h.feature_name == feature_name)
    ].sort_values("bin_index")
    oracle = expected(*case)
    assert rows.reference_count.tolist() == oracle.reference_counts.tolist()
    assert rows.batch_count.tolist() == oracle.batch_counts.tolist()


# --------------------------------------------------------------------------------------------
# Every figure against the oracle
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("metric_case", METRIC_CASES, ids=case_id)
def test_metric_equals_oracle(warehouse: Warehouse, metric_case: tuple[str, ...]) -> None:
    *case, metric_name = metric_case
    row = warehouse.metric(tuple(case), metric_name)
    tolerance = PVALUE_TOL.get(metric_name, TOL)
    assert_close(row.metric_value, expected(*case).metrics[metric_name], tolerance, metric_case)


@pytest.mark.parametrize("metric_case", METRIC_CASES, ids=case_id)
def test_metric_sizes_and_epsilon(warehouse: Warehouse, metric_case: tuple[str, ...]) -> None:
    # bin metrics count every row, the others the rows with a value (unseen levels included)
    *case, metric_name = metric_case
    row = warehouse.metric(tuple(case), metric_name)
    assert (row.reference_size, row.batch_size) == expected(*case).sizes[metric_name]
    if metric_name == "kl_divergence":
        assert row.epsilon == MODELS[case[0]].epsilon
    else:
        assert pd.isna(row.epsilon)
    if pd.isna(row.metric_value):
        assert row.status == "insufficient_data"


def test_two_proportion_z_macro_is_zero_when_neither_sample_varies(
    warehouse: Warehouse,
) -> None:
    # In the pipeline the reference of a binary feature holds both levels, so the pooled share
    # lies strictly between 0 and 1; the macro's degenerate branches are checked directly.
    result = warehouse.project.dbt(
        "compile",
        "--inline",
        "select x1, n1, x2, n2, {{ modelwatch.two_proportion_z('x1', 'n1', 'x2', 'n2') }} as z"
        " from cases",
        "--output",
        "json",
        "--quiet",
    )
    assert result.returncode == 0, result.output
    compiled = json.loads(result.output[result.output.index("{") :])["compiled"]
    cases = [(5, 5, 3, 3), (0, 5, 0, 3), (4, 4, 0, 0), (0, 0, 2, 7), (30, 50, 10, 40), (1, 3, 1, 1)]
    con = duckdb.connect()
    con.execute("create table cases (x1 integer, n1 integer, x2 integer, n2 integer)")
    con.executemany("insert into cases values (?, ?, ?, ?)", cases)
    got = con.sql(compiled).df()
    con.close()
    for row in got.itertuples():
        if row.n1 == 0 or row.n2 == 0:
            assert pd.isna(row.z)
        elif row.x1 + row.x2 in (0, row.n1 + row.n2):
            assert row.z == 0.0
        else:
            pooled = (row.x1 + row.x2) / (row.n1 + row.n2)
            want = (row.x2 / row.n2 - row.x1 / row.n1) / math.sqrt(
                pooled * (1 - pooled) * (1 / row.n1 + 1 / row.n2)
            )
            assert abs(row.z - want) <= TOL
