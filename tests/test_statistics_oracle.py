"""Spec of modelwatch's drift statistics: every figure equals an independent numpy/scipy oracle.

One dbt build over a rich fixture (two monitored models, ~2,600 rows) fills the
warehouse; the tests then read back the frozen bins (dim_feature_bins), the batch histograms
(fct_feature_histograms) and the drift figures (fct_feature_drift) and compare each one with a
reimplementation from the raw rows, to 1e-9 absolute:

* bins: edges are the reference's inverted-CDF quantiles i/k (ties collapsed), bins closed on
  the right, bin 0 for missing (null or NaN); a categorical feature gets one bin per reference
  level, an 'unseen' bin and the missing bin. The oracle takes the ceil(i*N/k)-th order
  statistic in integer arithmetic: numpy's ``quantile(method='inverted_cdf')`` computes N*i/k
  in floating point and, where that product is a whole number that rounds up (N=800, k=20,
  i=11: 800*0.55 = 440.00000000000006), returns the next order statistic instead
  (``test_numpy_inverted_cdf_rounds_where_the_exact_quantile_does_not``);
* PSI = sum over all bins (missing and unseen included) of (b - r) ln(b / r), shares over all
  rows of the sample, each share raised to at least epsilon;
* KS statistic = ``scipy.stats.ks_2samp(...).statistic`` on the non-missing values (+-inf are
  values), KS p-value = ``scipy.stats.kstwobign.sf(D * sqrt(n m / (n + m)))``; both null when
  a sample has no value.

The fixture's batches cover location and scale shifts, integers with heavy ties, nulls and
NaN, supports that do not overlap, constant features (same and different constant), a
feature entirely missing from a batch, a one-row batch, +-inf, categorical levels unseen in
the reference and reference levels absent from a batch, column names with spaces and
capitals, an explicit batch column and a day grain, a window reference and a reference table.

How far modelwatch's asymptotic p-value is from scipy's default ``ks_2samp(...).pvalue``
(the exact distribution while max(n, m) <= 10,000), measured by
``test_asymptotic_pvalue_differs_from_scipy_default_by_the_documented_amount``. For n = m
the p-value depends on D = j/n only, so the scan covers every attainable D (down to p = 1e-6)
and bounds what any pair of samples can give; random normal samples with small location
shifts (0 to 0.3 sd) stay within it. max |modelwatch - scipy|:

    n = m       over all D      where scipy p <= 0.05
    50          5.41e-3         5.10e-4
    1,000       2.72e-4         2.53e-5
    10,000      2.72e-5         2.53e-6

(about 0.27 / n). The largest gaps sit in the bulk (D = 0.14, 0.030, 0.0095; p near 0.76),
where the asymptotic p-value is the smaller (0.7112 vs 0.7166 at n = 50); wherever scipy's
p <= 0.05 the asymptotic one is the larger, i.e. slightly conservative (relative excess up
to 70%, 2.8%, 0.28% deep in the tail). Against ``ks_2samp(method='asymp')``, which is
``kstwo.sf(D, round(n m / (n + m)))`` rather than the Kolmogorov limit, the gaps are larger:
0.051, 0.012 and 0.0040.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject
from scipy import stats

TOL = 1e-9
"""Absolute tolerance of every comparison between the warehouse and the oracle."""

# --------------------------------------------------------------------------------------------
# The fixture: two monitored models and their logs
# --------------------------------------------------------------------------------------------

REGISTRY = """
sources:
  - name: fixtures
    schema: raw
    tables:
      - name: scored_log
        config:
          meta:
            modelwatch:
              model_id: oracle_window
              owner: stats@example.com
              business_unit: qa
              timestamp_column: scored_at
              batch: {column: batch_label}
              prediction_id_column: prediction_id
              model_version_column: model_version
              score_column: Risk Score
              min_batch_size: 1
              thresholds:
                psi: {warn: 0.1, error: 0.25}
                ks_statistic: {warn: 0.1, error: 0.2}
                ks_pvalue: {warn: 0.01, error: 0.001}
              reference:
                window: {start: "2026-01-01", end: "2026-02-01"}
              features:
                - {name: Monthly Charges, kind: numeric, bins: 20}
                - {name: Age, kind: numeric}
                - {name: Tenure Months, kind: numeric}
                - {name: Disjoint, kind: numeric, bins: 5}
                - {name: Constant, kind: numeric}
                - {name: Sparse, kind: numeric}
                - {name: Late Feature, kind: numeric}
                - {name: Saturated, kind: numeric}
                - {name: Contract Type, kind: categorical}
                - {name: region, kind: categorical}
      - name: daily_log
        config:
          meta:
            modelwatch:
              model_id: oracle_daily
              owner: stats@example.com
              business_unit: qa
              timestamp_column: logged_at
              batch: {grain: day}
              prediction_id_column: id
              score_column: Score
              bins: 5
              psi_epsilon: 0.001
              ecdf_method: merge
              thresholds:
                psi: {warn: 0.2, error: 0.5}
                ks_statistic: {warn: false, error: 0.3}
                ks_pvalue: {warn: 0.05, error: false}
              reference:
                source: fixtures.daily_reference
              features:
                - {name: Age, kind: numeric, ecdf_method: lookup}
                - {name: Segment, kind: categorical}
      - name: daily_reference
      - name: heavy_log
        config:
          meta:
            modelwatch:
              model_id: oracle_heavy
              owner: stats@example.com
              business_unit: qa
              timestamp_column: scored_at
              batch: {column: batch_label}
              prediction_id_column: prediction_id
              score_column: Score
              min_batch_size: 1
              reference:
                source: fixtures.heavy_reference
              features:
                - {name: Lognormal, kind: numeric}
                - {name: Offset, kind: numeric, ecdf_method: merge}
                - {name: Outliers, kind: numeric}
                - {name: Tied Tail, kind: numeric, ecdf_method: merge}
                - {name: Twin Outliers, kind: numeric}
      - name: heavy_reference
"""


@dataclass(frozen=True)
class Feature:
    """A monitored column as the oracle sees it."""

    name: str
    kind: str
    bins: int


@dataclass(frozen=True)
class Model:
    """A monitored model: its features (score first), reference rows and batches."""

    model_id: str
    features: tuple[Feature, ...]
    min_batch_size: int
    epsilon: float
    thresholds: dict[str, tuple[float | None, float | None]]
    reference: pd.DataFrame
    batches: dict[str, pd.DataFrame]


WINDOW_START = pd.Timestamp("2026-01-01")
WINDOW_END = pd.Timestamp("2026-02-01")
CONTRACTS = ["Month-to-month", "One year", "Two year"]
REGIONS = ["north", "south", "east", "west"]


def _timestamps(rng: np.random.Generator, start: str, days: float, n: int) -> pd.Series:
    seconds = np.sort(rng.integers(0, int(days * 86_400), size=n))
    return pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")


def _with_missing(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    values = values.astype(float)
    values[rng.random(values.size) < share] = np.nan
    return values


def _window_rows(rng: np.random.Generator, n: int, shifted: bool) -> dict[str, object]:
    """Feature columns of `n` rows of the window model, reference-like or shifted."""
    if not shifted:
        return {
            "Risk Score": rng.beta(2, 5, n),
            "Monthly Charges": rng.normal(70, 20, n),  # 800 values, 20 bins: see the docstring
            "Age": 18 + rng.binomial(8, 0.35, n),  # 9 integers: heavy ties
            "Tenure Months": _with_missing(rng, rng.gamma(2, 12, n), 0.15),
            "Disjoint": rng.uniform(0, 1, n),
            "Constant": np.full(n, 5.0),
            "Sparse": _with_missing(rng, rng.normal(0, 1, n), 0.3),
            # a sensor that saturates: 15% -inf and 15% +inf, so the outer edges are infinite
            "Saturated": rng.choice([-np.inf, 0.0, np.inf], n, p=[0.15, 0.7, 0.15])
            + rng.normal(0, 1, n),
            "Contract Type": rng.choice(CONTRACTS + [None], n, p=[0.5, 0.3, 0.15, 0.05]),
            "region": rng.choice(REGIONS, n, p=[0.4, 0.3, 0.2, 0.1]),
        }
    return {
        "Risk Score": rng.beta(3, 4, n),
        "Monthly Charges": rng.normal(80, 30, n),  # location and scale shift
        "Age": 18 + rng.binomial(8, 0.5, n),
        "Tenure Months": _with_missing(rng, rng.gamma(2, 15, n), 0.25),
        "Disjoint": rng.uniform(2, 3, n),  # entirely above the reference's maximum
        "Constant": np.full(n, 7.0),  # a different constant
        "Sparse": _with_missing(rng, rng.normal(0.5, 1, n), 0.3),
        "Saturated": rng.choice([-np.inf, 0.0, np.inf], n, p=[0.05, 0.55, 0.4])
        + rng.normal(0, 1, n),
        # 'Two year' is absent, 'Weekly' was never seen in the reference
        "Contract Type": rng.choice(["Month-to-month", "One year", "Weekly", None], n),
        "region": rng.choice(REGIONS, n, p=[0.1, 0.2, 0.3, 0.4]),
    }


def make_window_log() -> pd.DataFrame:
    """The log of model oracle_window: rows before the window (ignored), the reference window,
    then five labelled batches whose timestamps interleave."""
    rng = np.random.default_rng(20260101)
    parts = []

    def add(label: str, start: str, days: float, n: int, shifted: bool = False) -> pd.DataFrame:
        part = pd.DataFrame(_window_rows(rng, n, shifted))
        part.insert(0, "scored_at", _timestamps(rng, start, days, n))
        part.insert(1, "batch_label", label)
        parts.append(part)
        return part

    before = add("before the window", "2025-12-20", 12, 30, shifted=True)
    before["Monthly Charges"] = 1e6  # would wreck every edge if it leaked into the reference
    reference = add("reference", "2026-01-01", 31, 800)
    reference.loc[reference.index[:2], "Sparse"] = [np.inf, -np.inf]  # +-inf are values
    add("a same", "2026-02-01", 10, 500)  # starts exactly at the window end
    add("b shifted", "2026-02-03", 10, 300, shifted=True)
    add("c one row", "2026-02-05", 1, 1, shifted=True)
    infinities = add("d infinities", "2026-02-02", 10, 200)
    infinities.loc[infinities.index[:5], "Monthly Charges"] = np.inf
    infinities.loc[infinities.index[5:8], "Monthly Charges"] = -np.inf
    infinities.loc[infinities.index[8:10], "Disjoint"] = [np.inf, -np.inf]
    empty = add("e empty", "2026-02-06", 3, 60)
    empty["Sparse"] = np.nan  # entirely missing (half of it NaN, see nan_ids)
    empty["Tenure Months"] = np.nan
    empty["Contract Type"] = None
    log = pd.concat(parts, ignore_index=True)
    log.insert(0, "prediction_id", np.arange(1, len(log) + 1))
    # a feature logged in two batches only: no value in the reference, nor in the others
    logged = log["batch_label"].isin(["b shifted", "d infinities"])
    log["Late Feature"] = np.where(logged, rng.normal(0, 1, len(log)), np.nan)
    log["model_version"] = np.where(log["prediction_id"] % 7 == 0, "v2", "v1")
    # the window is [start, end): its first second is in, the second before it and its end out
    first = {label: log.index[log["batch_label"] == label][0] for label in log["batch_label"]}
    log.loc[first["before the window"], "scored_at"] = WINDOW_START - pd.Timedelta(seconds=1)
    log.loc[first["reference"], "scored_at"] = WINDOW_START
    log.loc[first["reference"] + 799, "scored_at"] = WINDOW_END - pd.Timedelta(seconds=1)
    log.loc[first["a same"], "scored_at"] = WINDOW_END
    return log


def nan_ids(log: pd.DataFrame) -> dict[str, list[int]]:
    """Rows whose missing value is stored as NaN rather than null: every other one."""
    return {
        column: [int(i) for i in log.loc[log[column].isna(), "prediction_id"] if i % 2 == 0]
        for column in ("Tenure Months", "Sparse")
    }


def _daily_rows(rng: np.random.Generator, n: int, shifted: bool) -> dict[str, object]:
    if not shifted:
        return {
            "Score": rng.uniform(0, 1, n),
            "Age": 30 + rng.binomial(20, 0.5, n),
            "Segment": rng.choice(["retail", "sme", "corporate"], n, p=[0.6, 0.3, 0.1]),
        }
    return {
        "Score": rng.uniform(0.1, 1.1, n),
        "Age": 32 + rng.binomial(20, 0.5, n),
        "Segment": rng.choice(["retail", "sme", "public"], n, p=[0.4, 0.4, 0.2]),
    }


def make_daily_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Model oracle_daily: a reference table and a log batched by calendar day."""
    rng = np.random.default_rng(20260302)
    reference = pd.DataFrame(_daily_rows(rng, 400, shifted=False))
    parts = []
    for day, n, shifted in (
        ("2026-03-02", 150, False),
        ("2026-03-03", 40, False),
        ("2026-03-04", 120, True),
    ):
        part = pd.DataFrame(_daily_rows(rng, n, shifted))
        part.insert(0, "logged_at", _timestamps(rng, day, 1, n))
        parts.append(part)
    log = pd.concat(parts, ignore_index=True)
    # midnight belongs to the day it starts
    log.loc[log.index[149], "logged_at"] = pd.Timestamp("2026-03-03 00:00:00")
    log.insert(0, "id", [f"p{i:05d}" for i in range(len(log))])
    return log, reference


def _heavy_rows(rng: np.random.Generator, n: int, kind: str) -> dict[str, np.ndarray]:
    """Heavy tails and large magnitudes, where the running areas of the as-of Wasserstein
    (decision 0021) are many orders of magnitude above the area they are differenced into."""
    location = {"same": 0.0, "shifted": 1.0, "tiny": 0.5, "far": 25.0, "below": -40.0}[kind]
    lognormal = rng.lognormal(10 + location, 6, n)  # 1e-3 .. 1e13
    if kind == "below":
        lognormal = -lognormal
    outliers = rng.normal(location, 1, n)
    outliers[rng.random(n) < 0.02] = 1e12
    outliers[rng.random(n) < 0.02] = -1e12
    ties = rng.binomial(5, 0.4 if kind == "shifted" else 0.3, n).astype(float)
    ties[rng.random(n) < 0.01] = 1e12
    # exactly 1% at -1e12 and 1% at 1e12 in every sample of 100 rows or more: the CDFs agree
    # across both gaps of ~1e12, so the whole distance comes from the bulk near 0
    twins = rng.normal(location, 1, n)
    twins[: n // 100], twins[n // 100 : 2 * (n // 100)] = -1e12, 1e12
    return {
        "Score": rng.beta(2, 6 if kind == "shifted" else 5, n) + location,
        "Lognormal": lognormal,
        "Offset": 1e12 + rng.normal(location, 3, n),  # a large offset, a small spread
        "Outliers": outliers,  # a unit normal with 2% at -1e12 and 2% at 1e12
        "Tied Tail": ties,  # six integers and 1% at 1e12
        "Twin Outliers": twins,
    }


def make_heavy_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Model oracle_heavy: a 2,000-row reference table and labelled batches: the same
    distribution, shifted, three rows, entirely above and entirely below the reference."""
    rng = np.random.default_rng(20260615)
    reference = pd.DataFrame(_heavy_rows(rng, 2000, "same"))
    parts = []
    for label, n in (("same", 1500), ("shifted", 800), ("tiny", 3), ("far", 200), ("below", 50)):
        part = pd.DataFrame(_heavy_rows(rng, n, label))
        part.insert(0, "scored_at", _timestamps(rng, "2026-03-02", 7, n))
        part.insert(1, "batch_label", label)
        parts.append(part)
    log = pd.concat(parts, ignore_index=True)
    log.insert(0, "prediction_id", np.arange(1, len(log) + 1))
    return log, reference


WINDOW_LOG = make_window_log()
NAN_IDS = nan_ids(WINDOW_LOG)
DAILY_LOG, DAILY_REFERENCE = make_daily_tables()
HEAVY_LOG, HEAVY_REFERENCE = make_heavy_tables()
HEAVY_FEATURES = ["Score", "Lognormal", "Offset", "Outliers", "Tied Tail", "Twin Outliers"]
HEAVY_CASES = [
    ("oracle_heavy", label, feature)
    for label in HEAVY_LOG["batch_label"].unique()
    for feature in HEAVY_FEATURES
]


def _window_model() -> Model:
    """oracle_window as the spec defines it: the reference is [start, end) of the log, the
    batches are the later rows grouped by batch_label; earlier rows belong to nothing."""
    at = WINDOW_LOG["scored_at"]
    in_window = (at >= WINDOW_START) & (at < WINDOW_END)
    later = WINDOW_LOG[at >= WINDOW_END]
    numeric = [
        ("Risk Score", 10),
        ("Monthly Charges", 20),
        ("Age", 10),
        ("Tenure Months", 10),
        ("Disjoint", 5),
        ("Constant", 10),
        ("Sparse", 10),
        ("Late Feature", 10),
        ("Saturated", 10),
    ]
    return Model(
        model_id="oracle_window",
        features=tuple(Feature(name, "numeric", k) for name, k in numeric)
        + (Feature("Contract Type", "categorical", 10), Feature("region", "categorical", 10)),
        min_batch_size=1,
        epsilon=1e-4,
        thresholds={"psi": (0.1, 0.25), "ks_statistic": (0.1, 0.2), "ks_pvalue": (0.01, 0.001)},
        reference=WINDOW_LOG[in_window],
        batches={label: rows for label, rows in later.groupby("batch_label")},
    )


def _daily_model() -> Model:
    """oracle_daily: the reference is its own table, the batches are calendar days."""
    day = DAILY_LOG["logged_at"].dt.floor("D").dt.strftime("%Y-%m-%d")
    return Model(
        model_id="oracle_daily",
        features=(
            Feature("Score", "numeric", 5),
            Feature("Age", "numeric", 5),
            Feature("Segment", "categorical", 5),
        ),
        min_batch_size=100,
        epsilon=1e-3,
        thresholds={"psi": (0.2, 0.5), "ks_statistic": (None, 0.3), "ks_pvalue": (0.05, None)},
        reference=DAILY_REFERENCE,
        batches={label: rows for label, rows in DAILY_LOG.groupby(day)},
    )


MODELS = {model.model_id: model for model in (_window_model(), _daily_model())}

# --------------------------------------------------------------------------------------------
# The oracle: numpy and scipy from the raw rows, no SQL
# --------------------------------------------------------------------------------------------


def values(frame: pd.DataFrame, feature: Feature) -> np.ndarray:
    """The non-missing values of a feature (null and NaN are missing; +-inf are values)."""
    column = frame[feature.name]
    if feature.kind == "numeric":
        array = column.to_numpy(dtype=float)
        return array[~np.isnan(array)]
    return column[column.notna()].to_numpy(dtype=object)


def exact_quantiles(reference: np.ndarray, k: int) -> np.ndarray:
    """Inverted-CDF quantiles i/k, i = 1..k-1: the smallest value whose cumulative share
    reaches i/k, the ceil(i N / k)-th order statistic, in integer arithmetic."""
    ordered = np.sort(reference)
    n = ordered.size
    return np.array([ordered[-(-i * n // k) - 1] for i in range(1, k)] if n else [])


def exact_edges(reference: np.ndarray, k: int) -> np.ndarray:
    """The bin edges: the distinct quantiles."""
    return np.unique(exact_quantiles(reference, k))


@dataclass(frozen=True)
class Bins:
    """A feature's frozen bins: numeric edges or categorical levels (most frequent first)."""

    feature: Feature
    edges: np.ndarray
    levels: list[str]

    @property
    def size(self) -> int:
        """Number of bins, the missing bin 0 included."""
        if self.feature.kind == "numeric":
            return self.edges.size + 2
        return len(self.levels) + 2

    def counts(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows per bin: index 0 missing, then the value bins (levels, then 'unseen')."""
        present = values(frame, self.feature)
        counts = np.zeros(self.size, dtype=np.int64)
        counts[0] = len(frame) - present.size
        if self.feature.kind == "numeric":
            # (-inf, e1], (e1, e2], ..., (e_last, +inf): closed on the right
            index = np.searchsorted(self.edges, present, side="left")
            np.add.at(counts, index + 1, 1)
        else:
            position = {level: i + 1 for i, level in enumerate(self.levels)}
            for value in present:
                counts[position.get(value, self.size - 1)] += 1
        return counts


def frozen_bins(model: Model, feature: Feature) -> Bins:
    """The bins of a feature from the model's reference."""
    reference = values(model.reference, feature)
    if feature.kind == "numeric":
        return Bins(feature, exact_edges(reference, feature.bins), [])
    levels = pd.Series(reference).value_counts()
    ranked = sorted(levels.items(), key=lambda item: (-item[1], item[0]))
    return Bins(feature, np.array([]), [level for level, _ in ranked])


def psi(batch_counts: np.ndarray, reference_counts: np.ndarray, epsilon: float) -> float:
    """sum (b - r) ln(b / r) over all bins, each share raised to at least epsilon."""
    b = np.maximum(batch_counts / batch_counts.sum(), epsilon)
    r = np.maximum(reference_counts / reference_counts.sum(), epsilon)
    return float(np.sum((b - r) * np.log(b / r)))


def ks(reference: np.ndarray, batch: np.ndarray) -> tuple[float, float]:
    """(D, asymptotic p-value); NaN for both when a sample is empty."""
    if reference.size == 0 or batch.size == 0:
        return math.nan, math.nan
    statistic = stats.ks_2samp(reference, batch, method="asymp").statistic
    n, m = reference.size, batch.size
    return float(statistic), float(stats.kstwobign.sf(statistic * math.sqrt(n * m / (n + m))))


@dataclass(frozen=True)
class Expected:
    """The oracle's figures for one model, batch and feature."""

    psi: float
    ks_statistic: float
    ks_pvalue: float
    reference_rows: int
    batch_rows: int
    reference_present: int
    batch_present: int
    batch_counts: np.ndarray


def expected(model_id: str, batch_id: str, feature_name: str) -> Expected:
    """Everything modelwatch should report for one (model, batch, feature)."""
    model = MODELS[model_id]
    feature = feature_of(model_id, feature_name)
    batch = model.batches[batch_id]
    bins = frozen_bins(model, feature)
    reference_counts = bins.counts(model.reference)
    batch_counts = bins.counts(batch)
    statistic, pvalue = math.nan, math.nan
    if feature.kind == "numeric":
        statistic, pvalue = ks(values(model.reference, feature), values(batch, feature))
    return Expected(
        psi=psi(batch_counts, reference_counts, model.epsilon),
        ks_statistic=statistic,
        ks_pvalue=pvalue,
        reference_rows=len(model.reference),
        batch_rows=len(batch),
        reference_present=values(model.reference, feature).size,
        batch_present=values(batch, feature).size,
        batch_counts=batch_counts,
    )


def feature_of(model_id: str, feature_name: str) -> Feature:
    """A monitored feature by model and name."""
    return next(f for f in MODELS[model_id].features if f.name == feature_name)


CASES = [
    (model.model_id, batch_id, feature.name)
    for model in MODELS.values()
    for batch_id in model.batches
    for feature in model.features
]
NUMERIC_CASES = [case for case in CASES if feature_of(case[0], case[2]).kind == "numeric"]
FEATURES = [
    (model.model_id, feature.name) for model in MODELS.values() for feature in model.features
]
NUMERIC_FEATURES = [(m, f) for m, f in FEATURES if feature_of(m, f).kind == "numeric"]
CATEGORICAL_FEATURES = [(m, f) for m, f in FEATURES if feature_of(m, f).kind == "categorical"]


def case_id(case: tuple[str, ...]) -> str:
    """A readable test id: model/batch/feature."""
    return "/".join(case)


# --------------------------------------------------------------------------------------------
# One build, read back once
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warehouse:
    """The built fixture project and the tables under test."""

    project: DbtProject
    bins: pd.DataFrame
    histograms: pd.DataFrame
    drift: pd.DataFrame
    ecdf: pd.DataFrame

    def metric(self, case: tuple[str, str, str], metric_name: str) -> pd.Series:
        """The one fct_feature_drift row of a (model, batch, feature) and metric."""
        model_id, batch_id, feature_name = case
        drift = self.drift
        rows = drift[
            (drift.model_id == model_id)
            & (drift.batch_id == batch_id)
            & (drift.feature_name == feature_name)
            & (drift.metric_name == metric_name)
        ]
        assert len(rows) == 1, f"{case} {metric_name}: {len(rows)} rows"
        return rows.iloc[0]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """Builds the fixture once for the whole module."""
    project = DbtProject(tmp_path_factory.mktemp("statistics") / "project")
    project.write_registry(REGISTRY)
    project.load(
        {
            "scored_log": WINDOW_LOG,
            "daily_log": DAILY_LOG,
            "daily_reference": DAILY_REFERENCE,
            "heavy_log": HEAVY_LOG,
            "heavy_reference": HEAVY_REFERENCE,
        }
    )
    for column, ids in NAN_IDS.items():
        # pandas' NaN arrives in DuckDB as null; write real NaN for half of the missing values
        project.execute(
            f"update raw.scored_log set \"{column}\" = 'NaN'::double "
            f"where prediction_id in ({', '.join(map(str, ids))})"
        )
    result = project.build()
    assert result.returncode == 0, result.output
    return Warehouse(
        project=project,
        bins=project.query("select * from dim_feature_bins"),
        histograms=project.query("select * from fct_feature_histograms"),
        # PSI and KS are this file's subject; the other metrics: tests/test_metric_oracles.py
        drift=project.query(
            "select * from fct_feature_drift "
            "where metric_name in ('psi', 'ks_statistic', 'ks_pvalue') "
            "and model_id in ('oracle_window', 'oracle_daily')"
        ),
        # KS and Wasserstein of every model, oracle_heavy included (decision 0021)
        ecdf=project.query(
            "select * from fct_feature_drift where metric_name in ('ks_statistic', 'wasserstein')"
        ),
    )


def assert_close(got: float, want: float, what: str) -> None:
    """Equal to TOL absolute, or both null (NaN in pandas)."""
    if pd.isna(want):
        assert pd.isna(got), f"{what}: expected null, got {got!r}"
    else:
        assert not pd.isna(got), f"{what}: expected {want!r}, got null"
        assert abs(got - want) <= TOL, f"{what}: {got!r} != oracle {want!r}"


def stored_bins(warehouse: Warehouse, model_id: str, feature_name: str) -> pd.DataFrame:
    """The frozen bins of a feature, by bin_index."""
    bins = warehouse.bins
    rows = bins[(bins.model_id == model_id) & (bins.feature_name == feature_name)]
    return rows.sort_values("bin_index").reset_index(drop=True)


def histogram(warehouse: Warehouse, case: tuple[str, str, str]) -> pd.DataFrame:
    """The histogram of a (model, batch, feature), by bin_index."""
    model_id, batch_id, feature_name = case
    h = warehouse.histograms
    rows = h[(h.model_id == model_id) & (h.batch_id == batch_id) & (h.feature_name == feature_name)]
    return rows.sort_values("bin_index").reset_index(drop=True)


def metrics_of(feature_kind: str) -> list[str]:
    """The metrics modelwatch reports for a feature kind."""
    return ["psi", "ks_statistic", "ks_pvalue"] if feature_kind == "numeric" else ["psi"]


# --------------------------------------------------------------------------------------------
# Shape: which rows exist, and the samples they were computed from
# --------------------------------------------------------------------------------------------


def test_every_batch_and_feature_has_exactly_one_row_per_metric(warehouse: Warehouse) -> None:
    expected_keys = {
        (*case, metric)
        for case in CASES
        for metric in metrics_of(feature_of(case[0], case[2]).kind)
    }
    keys = warehouse.drift[["model_id", "batch_id", "feature_name", "metric_name"]]
    assert not keys.duplicated().any()
    assert set(map(tuple, keys.to_numpy())) == expected_keys


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_psi_sizes_count_every_row_of_reference_and_batch(
    warehouse: Warehouse, case: tuple[str, str, str]
) -> None:
    # the reference is [start, end) of the log (or its own table), batches the later rows
    # by batch column or by day; missing values count, the rows before the window do not
    oracle = expected(*case)
    row = warehouse.metric(case, "psi")
    assert (row.reference_size, row.batch_size) == (oracle.reference_rows, oracle.batch_rows)
    assert row.epsilon == MODELS[case[0]].epsilon


@pytest.mark.parametrize("case", NUMERIC_CASES, ids=case_id)
def test_ks_sizes_count_present_values_only(
    warehouse: Warehouse, case: tuple[str, str, str]
) -> None:
    oracle = expected(*case)
    for metric in ("ks_statistic", "ks_pvalue"):
        row = warehouse.metric(case, metric)
        assert (row.reference_size, row.batch_size) == (
            oracle.reference_present,
            oracle.batch_present,
        )
        assert pd.isna(row.epsilon)


def test_reference_is_the_half_open_window_and_batches_are_labelled_rows(
    warehouse: Warehouse,
) -> None:
    # 30 rows before the window (one a second before its start, with Monthly Charges 1e6)
    # and the row at its end are not reference; the row at its start and a second before
    # its end are. Midnight starts a day batch.
    sizes = warehouse.drift[warehouse.drift.metric_name == "psi"].groupby("batch_id")
    assert sizes.reference_size.max().to_dict() == {
        "a same": 800,
        "b shifted": 800,
        "c one row": 800,
        "d infinities": 800,
        "e empty": 800,
        "2026-03-02": 400,
        "2026-03-03": 400,
        "2026-03-04": 400,
    }
    assert sizes.batch_size.max().to_dict() == {
        "a same": 500,
        "b shifted": 300,
        "c one row": 1,
        "d infinities": 200,
        "e empty": 60,
        "2026-03-02": 149,
        "2026-03-03": 41,
        "2026-03-04": 120,
    }
    assert stored_bins(warehouse, "oracle_window", "Monthly Charges").upper_edge.max() < 1e6


# --------------------------------------------------------------------------------------------
# Frozen bins
# --------------------------------------------------------------------------------------------


def test_numpy_inverted_cdf_rounds_where_the_exact_quantile_does_not() -> None:
    # Why the oracle computes edges in integer arithmetic: 800 * (11/20) is 440.00000000000006
    # in floating point, so numpy takes the 441st value where the definition (the smallest
    # value whose cumulative share reaches 0.55) is the 440th.
    sample = np.arange(1.0, 801.0)
    numpy_edges = np.quantile(sample, np.arange(1, 20) / 20, method="inverted_cdf")
    exact = exact_edges(sample, 20)
    assert exact[10] == 440.0 and numpy_edges[10] == 441.0
    assert np.array_equal(np.delete(exact, 10), np.delete(numpy_edges, 10))
    # the fixture's Monthly Charges has 800 reference values and 20 bins: numpy is off there
    charges = values(
        MODELS["oracle_window"].reference, feature_of("oracle_window", "Monthly Charges")
    )
    assert charges.size == 800
    numpy_edges = np.quantile(charges, np.arange(1, 20) / 20, method="inverted_cdf")
    assert not np.array_equal(np.unique(numpy_edges), exact_edges(charges, 20))


@pytest.mark.parametrize("model_feature", NUMERIC_FEATURES, ids=case_id)
def test_bin_edges_are_exact_inverted_cdf_quantiles_of_the_reference(
    warehouse: Warehouse, model_feature: tuple[str, str]
) -> None:
    model_id, feature_name = model_feature
    model, feature = MODELS[model_id], feature_of(model_id, feature_name)
    edges = exact_edges(values(model.reference, feature), feature.bins)
    bins = stored_bins(warehouse, model_id, feature_name)
    assert bins.bin_type.tolist() == ["missing"] + ["value"] * (edges.size + 1)
    value_bins = bins[bins.bin_type == "value"]
    # (-inf, e1], (e1, e2], ..., (e_last, +inf): null stands for the open ends
    assert value_bins.upper_edge.tolist()[:-1] == edges.tolist()
    assert value_bins.lower_edge.tolist()[1:] == edges.tolist()
    assert pd.isna(value_bins.lower_edge.iloc[0]) and pd.isna(value_bins.upper_edge.iloc[-1])
    # numpy's inverted_cdf agrees but where N * (i/k) rounds above the whole number i N / k
    present, k = values(model.reference, feature), feature.bins
    if present.size:
        numpy_quantiles = np.quantile(present, np.arange(1, k) / k, method="inverted_cdf")
        exact = exact_quantiles(present, k)
        for i in np.flatnonzero(numpy_quantiles != exact) + 1:
            assert (i * present.size) % k == 0 and present.size * (i / k) > i * present.size // k


@pytest.mark.parametrize("model_feature", CATEGORICAL_FEATURES, ids=case_id)
def test_categorical_bins_are_reference_levels_most_frequent_first_then_unseen(
    warehouse: Warehouse, model_feature: tuple[str, str]
) -> None:
    model_id, feature_name = model_feature
    oracle = frozen_bins(MODELS[model_id], feature_of(model_id, feature_name))
    bins = stored_bins(warehouse, model_id, feature_name)
    levels = ["level"] * len(oracle.levels)
    assert bins.bin_type.tolist() == ["missing", *levels, "unseen"]
    assert bins.category_value.tolist()[1:-1] == oracle.levels


@pytest.mark.parametrize("model_feature", FEATURES, ids=case_id)
def test_reference_counts_and_shares_per_bin_equal_numpy(
    warehouse: Warehouse, model_feature: tuple[str, str]
) -> None:
    model_id, feature_name = model_feature
    model = MODELS[model_id]
    counts = frozen_bins(model, feature_of(model_id, feature_name)).counts(model.reference)
    bins = stored_bins(warehouse, model_id, feature_name)
    assert bins.bin_index.tolist() == list(range(counts.size))
    assert bins.reference_count.tolist() == counts.tolist()
    assert (bins.reference_rows == len(model.reference)).all()
    np.testing.assert_allclose(
        bins.reference_share, counts / len(model.reference), rtol=0, atol=TOL
    )


# --------------------------------------------------------------------------------------------
# Batch histograms
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_batch_histogram_counts_equal_numpy_binning(
    warehouse: Warehouse, case: tuple[str, str, str]
) -> None:
    oracle = expected(*case)
    rows = histogram(warehouse, case)
    assert rows.bin_index.tolist() == list(range(oracle.batch_counts.size))  # zero-filled
    assert rows.batch_count.tolist() == oracle.batch_counts.tolist()
    assert (rows.batch_rows == oracle.batch_rows).all()
    np.testing.assert_allclose(
        rows.batch_share, oracle.batch_counts / oracle.batch_rows, rtol=0, atol=TOL
    )


def test_nan_counts_as_missing_like_null(warehouse: Warehouse) -> None:
    stored_nan = warehouse.project.query(
        'select count(*) filter (where isnan("Tenure Months")) as tenure_nan, '
        'count(*) filter (where isnan("Sparse")) as sparse_nan from raw.scored_log'
    ).iloc[0]
    assert stored_nan.tenure_nan == len(NAN_IDS["Tenure Months"]) > 0
    assert stored_nan.sparse_nan == len(NAN_IDS["Sparse"]) > 0
    for batch_id, batch in MODELS["oracle_window"].batches.items():
        case = ("oracle_window", batch_id, "Tenure Months")
        assert histogram(warehouse, case).batch_count[0] == batch["Tenure Months"].isna().sum()


def test_infinities_are_values_in_the_outer_bins_and_in_ks(warehouse: Warehouse) -> None:
    case = ("oracle_window", "d infinities", "Monthly Charges")
    rows = histogram(warehouse, case)
    batch = MODELS["oracle_window"].batches["d infinities"]["Monthly Charges"]
    assert rows.batch_count.iloc[1] >= (batch == -np.inf).sum() == 3
    assert rows.batch_count.iloc[-1] >= (batch == np.inf).sum() == 5
    assert warehouse.metric(case, "ks_statistic").batch_size == 200
    assert_close(
        warehouse.metric(case, "ks_statistic").metric_value,
        expected(*case).ks_statistic,
        "ks_statistic",
    )


def test_infinite_reference_values_give_infinite_edges(warehouse: Warehouse) -> None:
    bins = stored_bins(warehouse, "oracle_window", "Saturated")
    assert bins.upper_edge.iloc[1] == -np.inf and bins.lower_edge.iloc[-1] == np.inf


def test_unseen_level_and_absent_reference_level_enter_psi(warehouse: Warehouse) -> None:
    case = ("oracle_window", "b shifted", "Contract Type")
    rows = histogram(warehouse, case).set_index("bin_label")
    batch = MODELS["oracle_window"].batches["b shifted"]["Contract Type"]
    assert rows.batch_count["unseen"] == (batch == "Weekly").sum() > 0
    assert rows.batch_count["Two year"] == 0 and rows.reference_count["Two year"] > 0
    assert_close(warehouse.metric(case, "psi").metric_value, expected(*case).psi, "psi")


# --------------------------------------------------------------------------------------------
# PSI and KS against the oracle
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_psi_equals_oracle(warehouse: Warehouse, case: tuple[str, str, str]) -> None:
    assert_close(warehouse.metric(case, "psi").metric_value, expected(*case).psi, "psi")


@pytest.mark.parametrize("case", NUMERIC_CASES, ids=case_id)
def test_ks_statistic_equals_scipy(warehouse: Warehouse, case: tuple[str, str, str]) -> None:
    got = warehouse.metric(case, "ks_statistic").metric_value
    assert_close(got, expected(*case).ks_statistic, "ks_statistic")


@pytest.mark.parametrize("case", NUMERIC_CASES, ids=case_id)
def test_ks_pvalue_equals_asymptotic_kolmogorov(
    warehouse: Warehouse, case: tuple[str, str, str]
) -> None:
    got = warehouse.metric(case, "ks_pvalue").metric_value
    assert_close(got, expected(*case).ks_pvalue, "ks_pvalue")


def test_ks_statistic_equals_scipy_on_tied_integers(warehouse: Warehouse) -> None:
    for model_id, batch_id, feature_name in NUMERIC_CASES:
        if feature_name != "Age":
            continue
        case = (model_id, batch_id, feature_name)
        reference = values(MODELS[model_id].reference, feature_of(model_id, "Age"))
        assert np.unique(reference).size < 25  # hundreds of rows on a handful of values
        assert_close(
            warehouse.metric(case, "ks_statistic").metric_value,
            expected(*case).ks_statistic,
            f"{case} ks_statistic",
        )


def test_location_and_scale_shift_equals_oracle_and_alerts(warehouse: Warehouse) -> None:
    case = ("oracle_window", "b shifted", "Monthly Charges")
    oracle = expected(*case)
    for metric in ("psi", "ks_statistic", "ks_pvalue"):
        assert_close(warehouse.metric(case, metric).metric_value, getattr(oracle, metric), metric)
    assert warehouse.metric(case, "psi").status == "alert"


@pytest.mark.parametrize("batch_id", ["b shifted", "c one row"])
def test_disjoint_supports_give_ks_statistic_one(warehouse: Warehouse, batch_id: str) -> None:
    # the batch lies entirely above the reference's maximum
    case = ("oracle_window", batch_id, "Disjoint")
    row = warehouse.metric(case, "ks_statistic")
    assert row.metric_value == 1.0
    n, m = row.reference_size, row.batch_size
    assert_close(
        warehouse.metric(case, "ks_pvalue").metric_value,
        stats.kstwobign.sf(math.sqrt(n * m / (n + m))),
        "ks_pvalue",
    )


@pytest.mark.parametrize("batch_id", ["a same", "d infinities", "e empty"])
def test_unchanged_constant_has_zero_psi_zero_ks_and_pvalue_one(
    warehouse: Warehouse, batch_id: str
) -> None:
    case = ("oracle_window", batch_id, "Constant")
    assert warehouse.metric(case, "psi").metric_value == 0.0
    assert warehouse.metric(case, "ks_statistic").metric_value == 0.0
    assert warehouse.metric(case, "ks_pvalue").metric_value == 1.0


@pytest.mark.parametrize("batch_id", ["b shifted", "c one row"])
def test_changed_constant_has_ks_statistic_one(warehouse: Warehouse, batch_id: str) -> None:
    case = ("oracle_window", batch_id, "Constant")
    assert warehouse.metric(case, "ks_statistic").metric_value == 1.0
    assert_close(warehouse.metric(case, "psi").metric_value, expected(*case).psi, "psi")


@pytest.mark.parametrize(
    "case",
    [
        ("oracle_window", "e empty", "Sparse"),  # null and NaN only
        ("oracle_window", "e empty", "Tenure Months"),
        ("oracle_window", "e empty", "Late Feature"),  # no value in the reference either
        ("oracle_window", "a same", "Late Feature"),
        ("oracle_window", "b shifted", "Late Feature"),  # values, but none in the reference
    ],
    ids=case_id,
)
def test_empty_sample_gives_null_ks_and_psi_over_the_missing_bin(
    warehouse: Warehouse, case: tuple[str, str, str]
) -> None:
    oracle = expected(*case)
    assert oracle.reference_present == 0 or oracle.batch_present == 0
    for metric in ("ks_statistic", "ks_pvalue"):
        row = warehouse.metric(case, metric)
        assert pd.isna(row.metric_value) and row.status == "insufficient_data"
        assert (row.reference_size, row.batch_size) == (
            oracle.reference_present,
            oracle.batch_present,
        )
    psi_row = warehouse.metric(case, "psi")
    assert_close(psi_row.metric_value, oracle.psi, "psi")
    assert psi_row.status != "insufficient_data"


def test_one_row_batch_is_assessed_when_min_batch_size_is_one(warehouse: Warehouse) -> None:
    drift = warehouse.drift
    one_row = drift[(drift.batch_id == "c one row") & drift.metric_value.notna()]
    assert len(one_row) > 0 and (one_row.batch_size <= 1).all()
    assert (one_row.status != "insufficient_data").all()
    for case in [c for c in CASES if c[1] == "c one row"]:
        oracle = expected(*case)
        for metric in metrics_of(feature_of(case[0], case[2]).kind):
            got = warehouse.metric(case, metric).metric_value
            assert_close(got, getattr(oracle, metric), f"{case} {metric}")


# --------------------------------------------------------------------------------------------
# Wasserstein and KS from the frozen reference ECDF (decision 0021), heavy tails included
# --------------------------------------------------------------------------------------------

WASSERSTEIN_RTOL = 1e-9
"""Relative tolerance of the Wasserstein distance against scipy, whatever its magnitude."""

ECDF_CASES = NUMERIC_CASES + HEAVY_CASES


def oracle_samples(model_id: str, batch_id: str, feature_name: str) -> tuple[np.ndarray, ...]:
    """The non-missing reference and batch values of a numeric sample."""
    if model_id == "oracle_heavy":
        batch = HEAVY_LOG[HEAVY_LOG["batch_label"] == batch_id]
        return HEAVY_REFERENCE[feature_name].to_numpy(), batch[feature_name].to_numpy()
    model, feature = MODELS[model_id], feature_of(model_id, feature_name)
    return values(model.reference, feature), values(model.batches[batch_id], feature)


def ecdf_metric(warehouse: Warehouse, case: tuple[str, str, str], metric_name: str) -> pd.Series:
    """The one fct_feature_drift row of a numeric sample and a KS or Wasserstein metric."""
    e = warehouse.ecdf
    rows = e[
        (e.model_id == case[0])
        & (e.batch_id == case[1])
        & (e.feature_name == case[2])
        & (e.metric_name == metric_name)
    ]
    assert len(rows) == 1, f"{case} {metric_name}: {len(rows)} rows"
    return rows.iloc[0]


@pytest.mark.parametrize("case", ECDF_CASES, ids=case_id)
def test_wasserstein_equals_scipy_to_relative_precision(
    warehouse: Warehouse, case: tuple[str, str, str]
) -> None:
    # heavy tails up to 1e13, a 1e12 offset, outliers at +-1e12, batches entirely above and
    # below the reference: the running areas reach 1e16 and more, the distance can be 1e-3
    reference, batch = oracle_samples(*case)
    row = ecdf_metric(warehouse, case, "wasserstein")
    assert (row.reference_size, row.batch_size) == (reference.size, batch.size)
    finite = np.isfinite(reference).all() and np.isfinite(batch).all()
    if reference.size == 0 or batch.size == 0 or not finite:
        assert pd.isna(row.metric_value) and row.status == "insufficient_data"
        return
    want = stats.wasserstein_distance(reference, batch)
    assert abs(row.metric_value - want) <= WASSERSTEIN_RTOL * want, (row.metric_value, want)


def test_ecdf_method_resolves_through_the_layers(warehouse: Warehouse) -> None:
    # oracle_daily merges at model level, Age looks up (feature wins); two of oracle_heavy's
    # features merge. The scipy oracles above hold for both paths (decision 0021).
    methods = warehouse.project.query(
        "select model_id, feature_name, ecdf_method from dim_monitored_features "
        "where feature_kind = 'numeric' and model_id in ('oracle_daily', 'oracle_heavy')"
    )
    got = {(r.model_id, r.feature_name): r.ecdf_method for r in methods.itertuples()}
    assert got == {
        ("oracle_daily", "Age"): "lookup",
        ("oracle_daily", "Score"): "merge",
        ("oracle_heavy", "Lognormal"): "lookup",
        ("oracle_heavy", "Offset"): "merge",
        ("oracle_heavy", "Outliers"): "lookup",
        ("oracle_heavy", "Tied Tail"): "merge",
        ("oracle_heavy", "Twin Outliers"): "lookup",
        ("oracle_heavy", "Score"): "lookup",
    }


def test_ecdf_metrics_in_chunks_are_the_same_bits(warehouse: Warehouse) -> None:
    # a full build of a long history computes int_ecdf_metrics_computed a chunk of batches at a
    # time (decision 0024); at one batch value per chunk every batch is a chunk of its own,
    # both ASOF and merge samples, and every figure is the same bits as in one statement
    project = warehouse.project
    table = "select * from int_ecdf_metrics_computed order by all"
    whole = project.query(table)
    assert whole[["model_id", "batch_id"]].drop_duplicates().shape[0] > 10
    result = project.dbt(
        "run", "-s", "int_ecdf_metrics_computed", "--vars", "{modelwatch_ecdf_chunk_values: 1}"
    )
    assert result.returncode == 0, result.output
    chunked = project.query(table)
    pd.testing.assert_frame_equal(chunked, whole, check_exact=True)


def test_bad_ecdf_chunk_size_fails_with_the_var_to_fix(warehouse: Warehouse) -> None:
    result = warehouse.project.dbt(
        "run", "-s", "int_ecdf_metrics_computed", "--vars", "{modelwatch_ecdf_chunk_values: 0}"
    )
    assert result.returncode != 0
    assert "var modelwatch_ecdf_chunk_values must be a positive number" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", HEAVY_CASES, ids=case_id)
def test_ks_statistic_equals_scipy_on_heavy_tails(
    warehouse: Warehouse, case: tuple[str, str, str]
) -> None:
    reference, batch = oracle_samples(*case)
    got = ecdf_metric(warehouse, case, "ks_statistic").metric_value
    assert_close(got, stats.ks_2samp(reference, batch, method="asymp").statistic, "ks")


def test_frozen_reference_ecdf_holds_counts_and_running_areas(warehouse: Warehouse) -> None:
    # C(x) = reference values <= x; area_below = integral of C from the minimum to x,
    # area_above = integral of n - C from x to the maximum (decision 0021)
    stored = warehouse.project.query(
        "select * from int_reference_ecdfs_computed "
        "where model_id = 'oracle_heavy' and feature_name = 'Lognormal' order by numeric_value"
    )
    reference = np.sort(HEAVY_REFERENCE["Lognormal"].to_numpy())
    points, counts = np.unique(reference, return_counts=True)
    cumulative = np.cumsum(counts)
    steps = cumulative[:-1] * np.diff(points)
    below = np.concatenate([[0.0], np.cumsum(steps)])
    above = np.concatenate(
        [np.cumsum(((reference.size - cumulative[:-1]) * np.diff(points))[::-1])[::-1], [0.0]]
    )
    assert stored.numeric_value.tolist() == points.tolist()
    assert stored.cumulative_count.tolist() == cumulative.tolist()
    assert (stored.reference_size == reference.size).all()
    np.testing.assert_allclose(stored.area_below, below, rtol=1e-12)
    np.testing.assert_allclose(stored.area_above, above, rtol=1e-12)
    # Twin Outliers: the running areas reach 1e15 while n x the 'same' batch's distance is
    # ~100: a difference of two areas would keep ~3 of its 16 digits. The ill-conditioned
    # sample is merged exactly instead (test_wasserstein_equals_scipy_to_relative_precision)
    twins = warehouse.project.query(
        "select max(area_below) as area from int_reference_ecdfs_computed "
        "where model_id = 'oracle_heavy' and feature_name = 'Twin Outliers'"
    ).area.iloc[0]
    twin_reference, twin_batch = oracle_samples("oracle_heavy", "same", "Twin Outliers")
    distance = stats.wasserstein_distance(twin_reference, twin_batch)
    assert twins > 1e12 * twin_reference.size * distance


def expected_status(model: Model, metric_name: str, value: float, batch_size: int) -> str:
    """insufficient_data, else alert at the error threshold, warn at the warning one, else ok;
    a p-value is bad when small, PSI and D when large; an unset threshold is never reached."""
    if pd.isna(value) or batch_size < model.min_batch_size:
        return "insufficient_data"
    warn, error = model.thresholds[metric_name]

    def reached(threshold: float | None) -> bool:
        if threshold is None:
            return False
        return value <= threshold if metric_name == "ks_pvalue" else value >= threshold

    return "alert" if reached(error) else "warn" if reached(warn) else "ok"


def test_status_follows_thresholds_and_min_batch_size(warehouse: Warehouse) -> None:
    for row in warehouse.drift.itertuples():
        model = MODELS[row.model_id]
        status = expected_status(model, row.metric_name, row.metric_value, row.batch_size)
        assert row.status == status, row
    assert (warehouse.drift.status == "insufficient_data").any()
    assert {"ok", "warn", "alert"} <= set(warehouse.drift.status)


def test_score_column_is_monitored_as_a_numeric_feature_with_role_score(
    warehouse: Warehouse,
) -> None:
    roles = warehouse.drift.groupby(["model_id", "feature_name"]).feature_role.agg(set)
    assert roles[("oracle_window", "Risk Score")] == {"score"}
    assert roles[("oracle_daily", "Score")] == {"score"}
    assert (
        roles.drop([("oracle_window", "Risk Score"), ("oracle_daily", "Score")])
        .map(lambda r: r == {"feature"})
        .all()
    )


# --------------------------------------------------------------------------------------------
# The Kolmogorov distribution, and how far the asymptotic p-value is from scipy's default
# --------------------------------------------------------------------------------------------


def test_kolmogorov_sf_macro_equals_scipy_kstwobign_sf_on_a_grid(warehouse: Warehouse) -> None:
    result = warehouse.project.dbt(
        "compile",
        "--inline",
        "select x, {{ modelwatch.kolmogorov_sf('x') }} as q from grid",
        "--output",
        "json",
        "--quiet",
    )
    assert result.returncode == 0, result.output
    compiled = json.loads(result.output[result.output.index("{") :])["compiled"]
    x = np.unique(
        np.concatenate(
            [np.linspace(0.01, 10, 2000), np.geomspace(0.01, 10, 500), 1 + np.arange(-3, 4) * 1e-9]
        )
    )
    con = duckdb.connect()
    con.execute("create table grid as select unnest($1::double[]) as x", [x.tolist()])
    got = con.sql(compiled).df().sort_values("x")
    con.close()
    want = stats.kstwobign.sf(got.x.to_numpy())
    assert np.max(np.abs(got.q.to_numpy() - want)) <= 1e-12
    tail = got.x.to_numpy() >= 1  # also relative, where Q is tiny
    assert np.max(np.abs(got.q.to_numpy()[tail] / want[tail] - 1)) <= 1e-12


PVALUE_GAP = {50: (5.41e-3, 5.10e-4), 1_000: (2.72e-4, 2.53e-5), 10_000: (2.72e-5, 2.53e-6)}
"""n = m: documented max |asymptotic - scipy default| over every attainable D, and where
scipy's p-value is at most 0.05 (the module docstring's table)."""


@pytest.mark.parametrize("n", sorted(PVALUE_GAP))
def test_asymptotic_pvalue_differs_from_scipy_default_by_the_documented_amount(n: int) -> None:
    # For n = m the p-value depends on D = j/n only: scan every attainable D down to p = 1e-6
    # (two samples whose ranks are shifted by j), then random normal samples with small
    # location shifts, which cannot do worse.
    ranks = np.arange(n, dtype=float)
    gaps, tail_gaps = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy: exact -> asymp near p = 1
        for j in range(1, n + 1):
            asymptotic = stats.kstwobign.sf(j / n * math.sqrt(n / 2))
            if asymptotic < 1e-6:
                break
            scipy_default = stats.ks_2samp(ranks, ranks + j - 0.5).pvalue
            gaps.append(asymptotic - scipy_default)
            if scipy_default <= 0.05:
                tail_gaps.append(asymptotic - scipy_default)
        largest = max(map(abs, gaps))
        assert largest == pytest.approx(PVALUE_GAP[n][0], rel=5e-3)
        assert max(tail_gaps) == pytest.approx(PVALUE_GAP[n][1], rel=5e-3)
        assert min(tail_gaps) > 0  # where it matters, the asymptotic p-value is the larger
        rng = np.random.default_rng(n)
        for shift in np.arange(0, 0.3001, 0.05):
            a, b = rng.normal(size=n), rng.normal(shift, 1, size=n)
            result = stats.ks_2samp(a, b)
            asymptotic = stats.kstwobign.sf(result.statistic * math.sqrt(n / 2))
            assert abs(asymptotic - result.pvalue) <= largest + 1e-15
