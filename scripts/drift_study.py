"""False alarms and detection power of modelwatch's drift methods, measured on generated data.

The study generates one monitored model with 20 features (12 numeric: normal, lognormal,
integer counts with ties, a bounded ratio, a feature with nulls, two correlated features and
more; 8 categorical, one of them binary) plus a score, with numpy and a fixed seed. It runs the
real dbt project on it the way a user would: a throwaway copy of the project (no demo
registry) with its own registry YAML and DuckDB file, `dbt build` in a subprocess. Then it
reads `fct_feature_drift` and prints two Markdown tables:

1. False alarms: `--stable-batches` batches (default 50) of 10,000 rows, each drawn with its
   own seed from the reference distribution. Per metric: the thresholds in force by default,
   the (batch, feature) cells at warn and at error level, and how many cells a p-value
   threshold of alpha = 0.01 would flag (expected about 1 %).
2. Detection power: injected shifts (location +0.1 and +0.5 sd, scale x1.5, a 5 % tail
   beyond the reference's 99th percentile, one level's share doubled in a 5-level and in
   the binary feature, missing rate 1 % -> 30 %, correlation flip of two features whose
   marginals stay the same) at batch sizes 1,000 / 10,000 / 100,000: per metric, whether it
   reaches warn or error at the shifted feature with the default thresholds, and, for
   p-values, whether p <= alpha.

Every scenario is one batch of the same monitored log (the log has a batch column), so one
dbt build covers all of them. Metrics, thresholds and statuses are read from the warehouse,
never listed here: a new metric or a changed default shows up in the tables by itself. A
row of fct_feature_drift whose feature is not one of the model's columns (a multivariate
metric) counts for every scenario and as one cell per batch.

    .venv/bin/python scripts/drift_study.py                  # the study: about 5 minutes
    .venv/bin/python scripts/drift_study.py --stable-batches 5 --sizes 1000,10000
    .venv/bin/python scripts/drift_study.py --markdown study.md   # also write the tables

Exit codes: 0 the study ran and no stable batch raised an error-level alert; 1 it ran and some
stable cell reached error level (a false alarm with the default configuration); 2 bad
arguments or a dbt build that broke.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).parent / "dbt"
# What a user's project has: everything but the demo's registry and the build output
# (the same list as tests/conftest.py and scripts/bench.py).
COPIED = ["dbt_project.yml", "profiles.yml", "macros", "models", "analyses", "seeds", "tests/dbt"]

SEED = 20261128
MODEL_ID = "study_model"
LOG_SCHEMA = "raw"
LOG_TABLE = "predictions"
REFERENCE_TABLE = "reference_sample"
REFERENCE_ROWS = 50_000
STABLE_BATCHES = 50
STABLE_ROWS = 10_000
SIZES = (1_000, 10_000, 100_000)
ALPHA = 0.01
START = datetime(2026, 1, 5)


# --- the model's data --------------------------------------------------------------------

NUMERIC = [
    "normal",  # N(50, 10): location and scale shifts
    "lognormal",  # exp(N(3, 0.75)): the tail shift
    "counts",  # Poisson(2): integers with heavy ties
    "ratio",  # Beta(2, 5), bounded in [0, 1]
    "with_nulls",  # N(100, 15), 1 % null: the missing-rate shift
    "correlated_a",  # N(0, 1)
    "correlated_b",  # 0.8 a + 0.6 z, N(0, 1): the correlation flip
    "uniform",  # U(0, 1000)
    "exponential",  # Exp(scale 3)
    "student_t",  # t(3): heavy tails
    "small_integers",  # 1 … 5 uniform: five distinct values
    "zero_inflated",  # 70 % zero, else Gamma(2, 50) in cents
]
CATEGORICAL = {
    "binary": (["no", "yes"], [0.90, 0.10]),
    "level_3": (["a", "b", "c"], [0.5, 0.3, 0.2]),
    "level_5": (["a", "b", "c", "d", "e"], [0.30, 0.25, 0.20, 0.15, 0.10]),
    "level_8": ([f"l{i}" for i in range(8)], [1 / 8] * 8),
    "level_12": ([f"l{i:02d}" for i in range(12)], None),  # Zipf-like shares, see below
    "level_40": ([f"l{i:02d}" for i in range(40)], None),  # many rare levels
    "category_with_nulls": (["north", "south", "east", "west"], [0.4, 0.3, 0.2, 0.1]),
    "weekday": (["mon", "tue", "wed", "thu", "fri", "sat", "sun"], [1 / 7] * 7),
}
SCORE = "score"
CORRELATION = 0.8
NULL_SHARE = 0.01
CATEGORY_NULL_SHARE = 0.02


def _zipf(levels: int, exponent: float) -> list[float]:
    weights = np.arange(1, levels + 1, dtype=float) ** -exponent
    return list(weights / weights.sum())


CATEGORICAL["level_12"] = (CATEGORICAL["level_12"][0], _zipf(12, 1.0))
CATEGORICAL["level_40"] = (CATEGORICAL["level_40"][0], _zipf(40, 1.3))


@dataclass(frozen=True)
class Shift:
    """An injected shift: what it does, the feature(s) it touches, its parameters."""

    key: str
    label: str
    targets: tuple[str, ...]
    kind: str
    amount: float = 0.0


SHIFTS = [
    Shift("location_0.1sd", "location +0.1 sd", ("normal",), "location", 0.1),
    Shift("location_0.5sd", "location +0.5 sd", ("normal",), "location", 0.5),
    Shift("scale_1.5", "scale x1.5", ("normal",), "scale", 1.5),
    Shift("tail_5pct", "tail: 5 % beyond p99", ("lognormal",), "tail", 0.05),
    Shift("mix_5_levels", "mix: 10 % level doubled", ("level_5",), "mix", 2.0),
    Shift("mix_binary", "binary: 10 % share doubled", ("binary",), "mix", 2.0),
    Shift("missing_30pct", "missing 1 % -> 30 %", ("with_nulls",), "missing", 0.30),
    Shift(
        "correlation_flip",
        "correlation +0.8 -> -0.8",
        ("correlated_a", "correlated_b"),
        "correlation",
        -CORRELATION,
    ),
]
SHIFTS_BY_KEY = {shift.key: shift for shift in SHIFTS}


def draw(rng: np.random.Generator, n: int, shift: Shift | None = None, p99: float = 0.0):
    """`n` rows of the 20 features and the score; `shift` (if any) applied to its target.

    `p99` is the reference's 99th percentile of the tail shift's feature.
    """
    columns: dict[str, np.ndarray] = {}
    normal = rng.normal(50.0, 10.0, n)
    if shift and shift.kind == "location":
        normal = normal + shift.amount * 10.0
    if shift and shift.kind == "scale":
        normal = 50.0 + shift.amount * (normal - 50.0)
    columns["normal"] = normal

    lognormal = np.exp(rng.normal(3.0, 0.75, n))
    if shift and shift.kind == "tail":
        moved = rng.random(n) < shift.amount
        lognormal = np.where(moved, p99 * (1.0 + rng.exponential(0.5, n)), lognormal)
    columns["lognormal"] = lognormal

    columns["counts"] = rng.poisson(2.0, n).astype("int64")
    columns["ratio"] = rng.beta(2.0, 5.0, n)

    null_share = shift.amount if shift and shift.kind == "missing" else NULL_SHARE
    with_nulls = rng.normal(100.0, 15.0, n)
    columns["with_nulls"] = np.where(rng.random(n) < null_share, np.nan, with_nulls)

    rho = shift.amount if shift and shift.kind == "correlation" else CORRELATION
    a = rng.normal(0.0, 1.0, n)
    columns["correlated_a"] = a
    columns["correlated_b"] = rho * a + math.sqrt(1.0 - rho**2) * rng.normal(0.0, 1.0, n)

    columns["uniform"] = rng.uniform(0.0, 1000.0, n)
    columns["exponential"] = rng.exponential(3.0, n)
    columns["student_t"] = rng.standard_t(3, n)
    columns["small_integers"] = rng.integers(1, 6, n).astype("int64")
    zero = rng.random(n) < 0.7
    columns["zero_inflated"] = np.where(zero, 0.0, np.round(rng.gamma(2.0, 50.0, n), 2))

    for name, (levels, shares) in CATEGORICAL.items():
        shares = np.asarray(shares, dtype=float)
        if shift and shift.kind == "mix" and name in shift.targets:
            shares = _doubled_last_level(shares, shift.amount)
        values = np.asarray(levels, dtype=object)[rng.choice(len(levels), n, p=shares)]
        if name == "category_with_nulls":
            values = np.where(rng.random(n) < CATEGORY_NULL_SHARE, None, values)
        columns[name] = values

    # The score uses only features no shift touches, so every shift batch's other columns
    # (the score included) keep the reference distribution.
    logit = -2.0 + 0.002 * columns["uniform"] + 0.15 * columns["exponential"]
    columns[SCORE] = 1.0 / (1.0 + np.exp(-logit))
    return pd.DataFrame(columns)


def _doubled_last_level(shares: np.ndarray, factor: float) -> np.ndarray:
    """Multiply the last (smallest) level's share by `factor`, the others shrink evenly."""
    last = shares[-1] * factor
    rest = shares[:-1] * (1.0 - last) / shares[:-1].sum()
    return np.append(rest, last)


@dataclass(frozen=True)
class Batch:
    """One monitored batch: its id, rows, and the shift injected (None: stable)."""

    batch_id: str
    rows: int
    shift: Shift | None = None

    @property
    def scenario(self) -> str:
        return self.shift.key if self.shift else "stable"


def plan(stable_batches: int, stable_rows: int, sizes: Sequence[int], shifts: Sequence[Shift]):
    """The batches of the study: the stable ones, then every shift at every size."""
    batches = [Batch(f"stable_{k:02d}", stable_rows) for k in range(1, stable_batches + 1)]
    for shift in shifts:
        for size in sizes:
            batches.append(Batch(f"shift_{shift.key}_n{size}", size, shift))
    return batches


def generate(
    batches: Sequence[Batch], reference_rows: int, seed: int = SEED
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference sample and the prediction log (every batch), deterministic in `seed`.

    Each batch is drawn with its own seed (`seed`, batch number), the reference with
    (`seed`, 0): the same batch id always gets the same rows.
    """
    reference = draw(np.random.default_rng([seed, 0]), reference_rows)
    p99 = float(np.quantile(reference["lognormal"], 0.99))
    frames = []
    for number, batch in enumerate(batches, start=1):
        frame = draw(np.random.default_rng([seed, number]), batch.rows, batch.shift, p99)
        frame.insert(0, "batch_id", batch.batch_id)
        frames.append(frame)
    log = pd.concat(frames, ignore_index=True)
    reference.insert(0, "batch_id", "reference")
    for frame, first_id in ((reference, 0), (log, len(reference))):
        frame.insert(0, "prediction_id", np.arange(first_id, first_id + len(frame)))
        # one second apart (the registry needs a timestamp); batches come from batch_id
        offsets = pd.to_timedelta(np.arange(len(frame)), unit="s")
        frame.insert(1, "scored_at", pd.Timestamp(START) + offsets)
    return reference, log


def registry_yaml() -> str:
    """The study's registry: one monitored model, its reference a separate table."""
    features = [f"{{name: {name}, kind: numeric}}" for name in NUMERIC]
    features += [f"{{name: {name}, kind: categorical}}" for name in CATEGORICAL]
    lines = [
        "sources:",
        "  - name: study",
        f"    schema: {LOG_SCHEMA}",
        "    tables:",
        f"      - name: {LOG_TABLE}",
        "        config:",
        "          meta:",
        "            modelwatch:",
        f"              model_id: {MODEL_ID}",
        "              owner: study@modelwatch.example",
        "              business_unit: drift_study",
        "              timestamp_column: scored_at",
        "              batch: {column: batch_id}",
        "              prediction_id_column: prediction_id",
        f"              score_column: {SCORE}",
        f"              reference: {{source: study.{REFERENCE_TABLE}}}",
        "              features:",
        *(f"                - {feature}" for feature in features),
        "        data_tests:",
        "          - no_feature_drift",
        f"      - name: {REFERENCE_TABLE}",
    ]
    return "\n".join(lines) + "\n"


# --- running dbt ---------------------------------------------------------------------------


class StudyError(Exception):
    """The study could not run (bad arguments or a broken build): exit code 2."""


@dataclass
class Build:
    """One dbt build: exit code, wall time, output, node results."""

    returncode: int
    wall_s: float
    output: str
    results: list[dict] = field(default_factory=list)

    def broken_nodes(self) -> list[str]:
        """Nodes that did not succeed, apart from the drift tests (their failing is the point)."""
        broken = []
        for result in self.results:
            unique_id = result["unique_id"]
            is_drift_test = unique_id.startswith("test.") and "drift" in unique_id
            if result["status"] not in ("success", "pass") and not is_drift_test:
                broken.append(f"{unique_id}: {result['status']}")
        return broken


class StudyProject:
    """A throwaway copy of modelwatch with the study's registry and DuckDB file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db_path = root / "warehouse.duckdb"
        ignore = shutil.ignore_patterns("__pycache__", "demo")
        for name in COPIED:
            source = PROJECT / name
            if source.is_dir():
                shutil.copytree(source, root / name, ignore=ignore)
            elif source.exists():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, root / name)
        registry = root / "models/staging/study/_study__sources.yml"
        registry.parent.mkdir(parents=True, exist_ok=True)
        registry.write_text(registry_yaml())

    def load(self, tables: dict[str, pd.DataFrame]) -> None:
        con = duckdb.connect(str(self.db_path))
        try:
            con.execute(f"create schema if not exists {LOG_SCHEMA}")
            for table, frame in tables.items():
                con.register("incoming", frame)
                con.execute(
                    f"create or replace table {LOG_SCHEMA}.{table} as select * from incoming"
                )
                con.unregister("incoming")
        finally:
            con.close()

    def build(self, threads: int) -> Build:
        run_results = self.root / "target" / "run_results.json"
        run_results.unlink(missing_ok=True)
        env = {**os.environ, "MODELWATCH_DUCKDB_PATH": str(self.db_path)}
        command = [str(DBT), "build", "--threads", str(threads)]
        command += ["--project-dir", str(self.root), "--profiles-dir", str(self.root)]
        started = time.perf_counter()
        completed = subprocess.run(
            command, cwd=self.root, env=env, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - started
        results = json.loads(run_results.read_text())["results"] if run_results.exists() else []
        return Build(completed.returncode, wall, completed.stdout + completed.stderr, results)

    def query(self, sql: str) -> pd.DataFrame:
        con = duckdb.connect(str(self.db_path), read_only=True)
        try:
            return con.sql(sql).df()
        finally:
            con.close()

    def drift(self) -> pd.DataFrame:
        """fct_feature_drift of the study model, with whether each row is one column's
        (a multivariate metric's row names no column of the log)."""
        drift = self.query(
            f"""
            select
                batch_id,
                feature_name,
                metric_name,
                metric_value,
                threshold_direction,
                warn_threshold,
                error_threshold,
                status
            from fct_feature_drift
            where model_id = '{MODEL_ID}'
            """
        )
        drift["is_column"] = drift["feature_name"].isin([*NUMERIC, *CATEGORICAL, SCORE])
        return drift


# --- counting ------------------------------------------------------------------------------

LEVELS = {"alert": 2, "warn": 1, "ok": 0}


def _is_pvalue(rows: pd.DataFrame) -> bool:
    directions = set(rows["threshold_direction"].dropna())
    if directions:
        return directions == {"below"}
    return rows["metric_name"].iloc[0].endswith("pvalue")


def _levels_text(group: pd.DataFrame, column: str) -> str:
    """A threshold level of one metric over the model's columns: one value, a range, 'off'.

    Where the level is in force on some columns only, says on how many.
    """
    per_column = group.drop_duplicates("feature_name")[column]
    present = sorted(set(per_column.dropna().round(12)))
    if not present:
        return "off"
    text = f"{present[0]:g}" if len(present) == 1 else f"{present[0]:.3g}–{present[-1]:.3g}"
    if per_column.isna().any():
        text += f" on {per_column.notna().sum()} of {len(per_column)} columns"
    return text


@dataclass
class FalseAlarms:
    """One metric's figures over the stable batches."""

    metric: str
    is_pvalue: bool
    warn_threshold: str
    error_threshold: str
    cells: int
    insufficient: int
    warn: int
    error: int
    below_alpha: int | None
    extreme: float | None


def false_alarms(drift: pd.DataFrame, stable_ids: Sequence[str], alpha: float = ALPHA):
    """Per metric: thresholds in force, cells at warn / error, cells with p <= alpha."""
    stable = drift[drift["batch_id"].isin(stable_ids)]
    rows = []
    for metric, group in sorted(stable.groupby("metric_name"), key=_metric_order):
        is_pvalue = _is_pvalue(group)
        usable = group[group["status"] != "insufficient_data"]
        values = usable["metric_value"].dropna()
        rows.append(
            FalseAlarms(
                metric=metric,
                is_pvalue=is_pvalue,
                warn_threshold=_levels_text(group, "warn_threshold"),
                error_threshold=_levels_text(group, "error_threshold"),
                cells=len(group),
                insufficient=len(group) - len(usable),
                warn=int((group["status"] == "warn").sum()),
                error=int((group["status"] == "alert").sum()),
                below_alpha=int((values <= alpha).sum()) if is_pvalue else None,
                extreme=(values.min() if is_pvalue else values.max()) if len(values) else None,
            )
        )
    return rows


def _metric_order(item: tuple[str, pd.DataFrame]) -> tuple[int, str]:
    """Distances first, p-values last, each alphabetical."""
    metric, group = item
    return (1 if _is_pvalue(group) else 0, metric)


@dataclass
class Detection:
    """One metric at one scenario and batch size: the level reached at the shifted feature."""

    metric: str
    scenario: str
    size: int
    level: str  # 'alert', 'warn', 'ok', 'insufficient_data' or 'n/a'
    value: float | None
    below_alpha: bool | None


def detections(drift: pd.DataFrame, batches: Sequence[Batch], alpha: float = ALPHA):
    """Per metric, shift and size: the level at the target features (or the model-level row).

    For a shift that touches two features (the correlation flip), the higher level counts;
    the value shown is the one furthest from 'no drift'.
    """
    metrics = {metric: _is_pvalue(group) for metric, group in drift.groupby("metric_name")}
    out = []
    for batch in batches:
        if batch.shift is None:
            continue
        in_batch = drift[drift["batch_id"] == batch.batch_id]
        hit = in_batch["feature_name"].isin(batch.shift.targets) | ~in_batch["is_column"]
        for metric, is_pvalue in metrics.items():
            rows = in_batch[hit & (in_batch["metric_name"] == metric)]
            if rows.empty:
                out.append(Detection(metric, batch.shift.key, batch.rows, "n/a", None, None))
                continue
            usable = rows[rows["status"] != "insufficient_data"]
            if usable.empty:
                level = "insufficient_data"
            else:
                level = max(usable["status"], key=lambda status: LEVELS.get(status, -1))
            values = usable["metric_value"].dropna()
            value = None
            if len(values):
                value = float(values.min() if is_pvalue else values.max())
            below = (value is not None and value <= alpha) if is_pvalue else None
            out.append(Detection(metric, batch.shift.key, batch.rows, level, value, below))
    return out


# --- the tables ----------------------------------------------------------------------------

SYMBOLS = {"alert": "E", "warn": "W", "ok": "·", "insufficient_data": "i", "n/a": "–"}


def false_alarm_table(rows: Sequence[FalseAlarms], alpha: float = ALPHA) -> list[str]:
    lines = [
        "| Metric | Warn at | Error at | Cells | Warn | Error "
        f"| p ≤ {alpha:g} (expected) | Extreme value seen |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        cells = row.cells - row.insufficient
        cells_text = f"{cells:,}" + (
            f" (+{row.insufficient} insufficient)" if row.insufficient else ""
        )
        alpha_text = "–" if row.below_alpha is None else f"{row.below_alpha} ({alpha * cells:.1f})"
        extreme = (
            "–" if row.extreme is None else f"{'min' if row.is_pvalue else 'max'} {row.extreme:.3g}"
        )
        lines.append(
            f"| {row.metric} | {row.warn_threshold} | {row.error_threshold} | {cells_text} "
            f"| {row.warn} | {row.error} | {alpha_text} | {extreme} |"
        )
    return lines


def _by_cell(found: Sequence[Detection]) -> dict[tuple[str, str], list[Detection]]:
    cells: dict[tuple[str, str], list[Detection]] = {}
    for item in found:
        cells.setdefault((item.metric, item.scenario), []).append(item)
    for items in cells.values():
        items.sort(key=lambda item: item.size)
    return cells


def _scenario_header(shifts: Sequence[Shift]) -> list[str]:
    header = "| Metric | " + " | ".join(shift.label for shift in shifts) + " |"
    return [header, "| --- |" + " :---: |" * len(shifts)]


def _metrics_in_order(found: Sequence[Detection], pvalues: bool | None) -> list[str]:
    is_pvalue = {item.metric: item.below_alpha is not None for item in found if item.level != "n/a"}
    for item in found:
        is_pvalue.setdefault(item.metric, item.metric.endswith("pvalue"))
    metrics = sorted(is_pvalue, key=lambda metric: (is_pvalue[metric], metric))
    return [m for m in metrics if pvalues is None or is_pvalue[m] == pvalues]


def detection_table(found: Sequence[Detection], shifts: Sequence[Shift]) -> list[str]:
    """Levels reached with the default thresholds: one symbol per batch size."""
    cells = _by_cell(found)
    lines = _scenario_header(shifts)
    for metric in _metrics_in_order(found, None):
        row = [
            " ".join(SYMBOLS[item.level] for item in cells.get((metric, shift.key), []))
            for shift in shifts
        ]
        lines.append(f"| {metric} | " + " | ".join(row) + " |")
    return lines


def alpha_table(found: Sequence[Detection], shifts: Sequence[Shift]) -> list[str]:
    """p-value metrics: whether p <= alpha at the shifted feature, one symbol per size."""
    cells = _by_cell(found)
    lines = _scenario_header(shifts)
    for metric in _metrics_in_order(found, True):
        row = []
        for shift in shifts:
            items = cells.get((metric, shift.key), [])
            row.append(
                " ".join(
                    "–" if item.level == "n/a" else ("✓" if item.below_alpha else "·")
                    for item in items
                )
            )
        lines.append(f"| {metric} | " + " | ".join(row) + " |")
    return lines


def value_table(found: Sequence[Detection], shifts: Sequence[Shift]) -> list[str]:
    """The measured values behind the detection table, one per batch size."""
    cells = _by_cell(found)
    lines = _scenario_header(shifts)
    for metric in _metrics_in_order(found, None):
        row = []
        for shift in shifts:
            items = cells.get((metric, shift.key), [])
            row.append(
                " / ".join("–" if item.value is None else f"{item.value:.3g}" for item in items)
            )
        lines.append(f"| {metric} | " + " | ".join(row) + " |")
    return lines


# --- the run -------------------------------------------------------------------------------


def project_state() -> str:
    """The commit measured, and whether the working tree differs from it."""

    def git(*args: str) -> str:
        completed = subprocess.run(
            ["git", *args], cwd=PROJECT, capture_output=True, text=True, check=False
        )
        return completed.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", *COPIED)
    return f"commit {commit}" + (" plus uncommitted changes" if dirty else "")


def machine() -> str:
    versions = []
    for package in ("dbt-core", "dbt-duckdb", "duckdb", "numpy"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{package} {importlib.metadata.version(package)}")
    return f"{platform.system()} {os.cpu_count()} cores, Python {platform.python_version()}, " + (
        ", ".join(versions)
    )


def say(message: str = "") -> None:
    print(message, flush=True)


def _int_list(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text}") from error
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("give sizes of at least 1, e.g. 1000,10000,100000")
    return values


def _shift_list(text: str) -> list[Shift]:
    keys = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [key for key in keys if key not in SHIFTS_BY_KEY]
    if unknown or not keys:
        raise argparse.ArgumentTypeError(
            f"unknown shift(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(SHIFTS_BY_KEY)}"
        )
    return [SHIFTS_BY_KEY[key] for key in keys]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__[__doc__.index("    .venv/bin/python") :],
    )
    parser.add_argument(
        "--stable-batches",
        type=int,
        default=STABLE_BATCHES,
        help=f"stable batches drawn from the reference distribution (default {STABLE_BATCHES})",
    )
    parser.add_argument(
        "--stable-rows",
        type=int,
        default=STABLE_ROWS,
        help=f"rows per stable batch (default {STABLE_ROWS:,})",
    )
    parser.add_argument(
        "--reference-rows",
        type=int,
        default=REFERENCE_ROWS,
        help=f"rows of the reference sample (default {REFERENCE_ROWS:,})",
    )
    parser.add_argument(
        "--sizes",
        type=_int_list,
        default=list(SIZES),
        help="batch sizes of the shift scenarios, comma-separated (default 1000,10000,100000)",
    )
    parser.add_argument(
        "--shifts",
        type=_shift_list,
        default=list(SHIFTS),
        help=f"shift scenarios, comma-separated (default all: {','.join(SHIFTS_BY_KEY)})",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument("--threads", type=int, default=2, help="dbt threads (default 2)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary project and its DuckDB file"
    )
    args = parser.parse_args(argv)
    if min(args.stable_batches, args.stable_rows, args.reference_rows, args.threads) < 1:
        parser.error("--stable-batches, --stable-rows, --reference-rows and --threads must be ≥ 1")
    return args


@dataclass
class StudyResult:
    """What a run found: the tables and the counts behind them."""

    batches: list[Batch]
    alarms: list[FalseAlarms]
    found: list[Detection]
    markdown: list[str]

    @property
    def stable_errors(self) -> int:
        return sum(row.error for row in self.alarms)


def run_study(
    args: argparse.Namespace, root: Path, log: Callable[[str], None] = say
) -> StudyResult:
    """Generate, build, count; `root` is an empty folder for the project copy."""
    batches = plan(args.stable_batches, args.stable_rows, args.sizes, args.shifts)
    started = time.perf_counter()
    reference, predictions = generate(batches, args.reference_rows, args.seed)
    log(
        f"generated {len(reference):,} reference rows and {len(predictions):,} log rows in "
        f"{len(batches)} batches ({time.perf_counter() - started:.1f} s)"
    )
    project = StudyProject(root)
    project.load({REFERENCE_TABLE: reference, LOG_TABLE: predictions})
    del reference, predictions
    build = project.build(args.threads)
    broken = build.broken_nodes()
    log(f"dbt build: {build.wall_s:.1f} s, exit {build.returncode}, {len(build.results)} nodes")
    if broken or not build.results:
        tail = "\n".join(build.output.splitlines()[-40:])
        raise StudyError(
            "the dbt build broke (" + (", ".join(broken) or "no run_results.json") + "):\n" + tail
        )
    drift = project.drift()
    stable_ids = [batch.batch_id for batch in batches if batch.shift is None]
    alarms = false_alarms(drift, stable_ids)
    found = detections(drift, batches)
    shifts = [shift for shift in args.shifts]
    lines = [
        f"### False alarms: {len(stable_ids)} stable batches of {args.stable_rows:,} rows "
        f"(reference {args.reference_rows:,} rows, 20 features and the score)",
        "",
        *false_alarm_table(alarms),
        "",
        f"Error-level cells in the stable batches: **{sum(row.error for row in alarms)}**; "
        f"warn-level cells: {sum(row.warn for row in alarms)}.",
        "",
        f"### Detection power: level reached at the shifted feature, batch sizes "
        f"{' / '.join(f'{size:,}' for size in args.sizes)}",
        "",
        "E error (alert), W warn, · neither, – metric not computed for that feature, "
        "i insufficient data.",
        "",
        *detection_table(found, shifts),
        "",
        f"### p-values at α = {ALPHA:g} (opt-in), batch sizes "
        f"{' / '.join(f'{size:,}' for size in args.sizes)}",
        "",
        f"✓ p ≤ {ALPHA:g}, · p > {ALPHA:g}, – not computed for that feature.",
        "",
        *alpha_table(found, shifts),
        "",
        "### Measured values at the shifted feature (largest distance, smallest p-value)",
        "",
        *value_table(found, shifts),
    ]
    return StudyResult(batches, alarms, found, lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="modelwatch-study-"))
    state = project_state()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    say(f"modelwatch drift study in {root}; {state}; load average {load:.2f}")
    try:
        result = run_study(args, root / "project")
    except StudyError as error:
        say(f"error: {error}")
        return 2
    finally:
        if args.keep:
            say(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    elapsed = time.perf_counter() - started
    header = [
        f"## modelwatch drift study ({elapsed:.0f} s in all)",
        "",
        f"`make study` (`scripts/drift_study.py`, seed {args.seed}) at {state}; {machine()}; "
        f"load average {load:.2f} at the start.",
        "",
    ]
    say()
    for line in header + result.markdown:
        say(line)
    if args.markdown:
        args.markdown.write_text("\n".join(header + result.markdown) + "\n")
    if result.stable_errors:
        say(
            f"\n{result.stable_errors} error-level alert(s) on stable data with the default "
            "configuration: false alarms (exit 1)."
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
