"""How modelwatch treats bad input: a clear error, never a stack trace, nonsense or half a build.

Every mistake in a registry entry (a missing table or column, a wrong type, an unknown kind or
key, an impossible threshold or reference window, a duplicate model_id, an empty reference)
must stop `dbt build` with a non-zero exit and one message that names the YAML file, the
model, the offending column or key and what to do. The check runs in the on-run-start hook
(macros/registry/validate_registry.sql), before any model: so after such a failure no
modelwatch table was created in a fresh warehouse, and a warehouse that already holds results
is left exactly as it was. Every bad entry is built on a fresh warehouse; one of each kind
also on a copy of a warehouse holding a good build's results. (A feature column that vanishes
from the log of a model already monitored with an unchanged entry is a data-quality failure,
not a registry error: tests/test_batch_quality.py, decision 0018.)

Input that is odd but legitimate must work, with a documented treatment: column names with
spaces and capitals; NaN (missing, bin 0) and +-infinity (the open-ended outer bins) in a
numeric feature; a batch where a feature is entirely null (KS insufficient_data, PSI alert);
an empty registry. A drift test asked about a batch with no rows errors instead of passing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject, DbtResult

REGISTRY_FILE = "models/staging/fixtures/_fixtures__sources.yml"
MODEL_ID = "loan_default"
WEEK_ROWS = 200
REFERENCE_WEEKS = 4
BATCH_WEEKS = 2
FIRST_MONDAY = pd.Timestamp("2026-01-05")
BATCHES = ["2026-02-02", "2026-02-09"]

# The good registry every bad case starts from: one model, a reference window of four weeks,
# two weekly batches after it. Bad cases edit it by exact text replacement.
GOOD_REGISTRY = """\
sources:
  - name: raw
    schema: raw
    tables:
      - name: loan_predictions
        config:
          meta:
            modelwatch:
              model_id: loan_default
              owner: credit-risk@lender.example
              business_unit: retail_credit
              timestamp_column: scored_at
              prediction_id_column: prediction_id
              model_version_column: model_version
              score_column: default_probability
              reference:
                window: {start: "2026-01-05", end: "2026-02-02"}
              features:
                - {name: income, kind: numeric}
                - {name: region, kind: categorical}
        data_tests:
          - no_feature_drift
"""
WINDOW = 'window: {start: "2026-01-05", end: "2026-02-02"}'
MODEL_THRESHOLDS = "business_unit: retail_credit\n              thresholds:\n"
VALIDATION_TABLE = "      - name: loan_validation_sample\n"

Tables = dict[str, pd.DataFrame]


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def _weekly_log(weeks: int = REFERENCE_WEEKS + BATCH_WEEKS) -> pd.DataFrame:
    """A prediction log of `weeks` weeks from FIRST_MONDAY, WEEK_ROWS rows a week.

    Every week holds the same multiset of values in a different order, so every batch
    matches the reference exactly: PSI 0, KS statistic 0, status ok.
    """
    row = np.arange(weeks * WEEK_ROWS)
    week, position = np.divmod(row, WEEK_ROWS)
    return pd.DataFrame(
        {
            "prediction_id": [f"p{i:05d}" for i in row],
            "scored_at": FIRST_MONDAY
            + pd.to_timedelta(week * 7, unit="D")
            + pd.to_timedelta(position * 3000, unit="s"),
            "model_version": "v1",
            "income": 20_000.0 + (position * 37 % WEEK_ROWS) * 250.0,
            "region": np.array(["north", "south", "east", "west"])[position % 4],
            "default_probability": (position * 53 % WEEK_ROWS) / WEEK_ROWS,
        }
    )


def _good_tables() -> Tables:
    return {"loan_predictions": _weekly_log()}


def _with_column(column: str, convert: Callable[[pd.Series], pd.Series]) -> Tables:
    """The good tables with one column of the log converted (e.g. to text)."""
    log = _weekly_log()
    log[column] = convert(log[column])
    return {"loan_predictions": log}


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype(str).astype(object)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _in_bin(values: pd.Series, lower: float, upper: float) -> int:
    """How many values fall in the bin (lower, upper]; a missing edge leaves that side open."""
    inside = pd.Series(True, index=values.index)
    if pd.notna(lower):
        inside &= values > lower
    if pd.notna(upper):
        inside &= values <= upper
    return int(inside.sum())


def _edit(text: str, *replacements: tuple[str, str]) -> str:
    """Apply exact replacements, each of which must match (no silent no-op edits)."""
    for old, new in replacements:
        assert old in text, f"edit does not apply: {old!r}"
        text = text.replace(old, new, 1)
    return text


def _error_line(result: DbtResult) -> str:
    """The one line of dbt's output that carries modelwatch's error message."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.output)
    lines = [line.strip() for line in plain.splitlines() if "modelwatch registry error" in line]
    assert lines, f"no modelwatch registry error in the output:\n{plain[-3000:]}"
    return lines[0]


def _snapshot(project: DbtProject) -> dict[str, pd.DataFrame]:
    """Every table of the main schema, rows sorted, plus every view's definition."""
    tables = project.query(
        "select table_name, table_type from information_schema.tables "
        "where table_schema = 'main' order by table_name"
    )
    snapshot = {}
    for name, kind in tables.itertuples(index=False):
        if kind == "VIEW":
            snapshot[name] = project.query(
                "select sql from duckdb_views() "
                f"where schema_name = 'main' and view_name = '{name}'"
            )
        else:
            frame = project.query(f'select * from main."{name}"')
            snapshot[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return snapshot


@dataclass(frozen=True)
class Baseline:
    """A warehouse holding the results of a good build, and what it held afterwards."""

    db_path: Path
    snapshot: dict[str, pd.DataFrame]


# --------------------------------------------------------------------------------------------
# Bad registry input: a clear error, and no partial output
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadInput:
    """One mistake: how it is made, and what the error must say about it."""

    case: str
    edits: tuple[tuple[str, str], ...] = ()
    tables: Callable[[], Tables] = _good_tables
    other_files: dict[str, str] = field(default_factory=dict)
    expected: tuple[str, ...] = ()
    # Also run it against a warehouse holding a good build's results (see the test).
    on_existing: bool = False


BAD_INPUTS = [
    BadInput(
        "missing_table",
        edits=(("- name: loan_predictions", "- name: loan_predictons"),),
        expected=("raw.loan_predictons", "does not exist in the warehouse", "load it, or fix"),
    ),
    BadInput(
        "missing_feature_column",
        edits=(("{name: income, kind: numeric}", "{name: incme, kind: numeric}"),),
        expected=("column 'incme' (feature)", "raw.loan_predictions", "Fix the name"),
        on_existing=True,
    ),
    BadInput(
        "missing_timestamp_column",
        edits=(("timestamp_column: scored_at", "timestamp_column: scored_on"),),
        expected=("column 'scored_on' (timestamp_column)", "its columns are:", "Fix the name"),
    ),
    BadInput(
        "missing_prediction_id_column",
        edits=(("prediction_id_column: prediction_id", "prediction_id_column: request_id"),),
        expected=("column 'request_id' (prediction_id_column)", "Fix the name"),
    ),
    BadInput(
        "missing_model_version_column",
        edits=(("model_version_column: model_version", "model_version_column: version"),),
        expected=("column 'version' (model_version_column)", "Fix the name"),
    ),
    BadInput(
        "numeric_feature_holds_text",
        tables=lambda: _with_column("income", _as_text),
        expected=(
            "column 'income' of raw.loan_predictions is declared numeric (feature)",
            "holds character varying",
            "declare kind: categorical",
        ),
    ),
    BadInput(
        "unknown_kind",
        edits=(("{name: income, kind: numeric}", "{name: income, kind: numerical}"),),
        expected=("feature 'income'", "unknown kind 'numerical'", "use kind: numeric or"),
        on_existing=True,
    ),
    BadInput(
        "negative_threshold",
        edits=(
            (
                "{name: income, kind: numeric}",
                "{name: income, kind: numeric, thresholds: {psi: {warn: -0.1}}}",
            ),
        ),
        expected=("feature 'income'", "psi.warn is '-0.1'", "a number of at least 0"),
    ),
    BadInput(
        "empty_threshold",
        edits=(
            (
                "business_unit: retail_credit\n",
                MODEL_THRESHOLDS + "                psi: {warn: }\n",
            ),
        ),
        expected=("model 'loan_default': threshold psi.warn is empty", "give a number"),
    ),
    BadInput(
        "warn_past_error",
        edits=(
            (
                "business_unit: retail_credit\n",
                MODEL_THRESHOLDS + "                psi: {warn: 0.3, error: 0.2}\n",
            ),
        ),
        expected=("thresholds.psi: warn (0.3) is past error (0.2)", "must be reached first"),
    ),
    BadInput(
        "pvalue_above_one",
        edits=(
            (
                "{name: income, kind: numeric}",
                "{name: income, kind: numeric, thresholds: {ks_pvalue: {warn: 1.5}}}",
            ),
        ),
        expected=("feature 'income'", "ks_pvalue.warn is '1.5'", "between 0 and 1"),
    ),
    BadInput(
        "unknown_ecdf_method",
        edits=(
            (
                "{name: income, kind: numeric}",
                "{name: income, kind: numeric, ecdf_method: asof}",
            ),
        ),
        expected=("feature 'income'", "ecdf_method is 'asof'", "use lookup", "or merge"),
    ),
    BadInput(
        "data_quality_unknown_check",
        edits=(
            (
                "business_unit: retail_credit\n",
                "business_unit: retail_credit\n"
                "              data_quality: {null_rate_jmp: {warn: 0.1}}\n",
            ),
        ),
        expected=("unknown key 'null_rate_jmp' in data_quality", "null_rate_jump"),
    ),
    BadInput(
        "data_quality_warn_past_error",
        edits=(
            (
                "business_unit: retail_credit\n",
                "business_unit: retail_credit\n"
                "              data_quality: {null_rate_jump: {warn: 0.3, error: 0.2}}\n",
            ),
        ),
        expected=("data_quality.null_rate_jump: warn (0.3) is past error (0.2)",),
    ),
    BadInput(
        "unknown_model_key",
        edits=(("              features:", "              featurs:"),),
        expected=("unknown key 'featurs' in the model entry", "allowed keys:", "features"),
    ),
    BadInput(
        "unknown_feature_key",
        edits=(("{name: region, kind: categorical}", "{name: region, kind: categorical, bin: 5}"),),
        expected=("feature 'region'", "unknown key 'bin' in a feature", "allowed keys: bins"),
    ),
    BadInput(
        "duplicate_model_id",
        other_files={
            "_second__sources.yml": _edit(
                GOOD_REGISTRY,
                ("name: raw\n", "name: raw_v2\n"),
                ("- name: loan_predictions", "- name: loan_predictions_v2"),
            )
        },
        expected=(
            "model_id is declared twice",
            "_fixtures__sources.yml",
            "_second__sources.yml",
            "needs its own model_id",
        ),
    ),
    BadInput(
        "window_end_before_start",
        edits=((WINDOW, 'window: {start: "2026-02-02", end: "2026-01-05"}'),),
        expected=("reference.window.start (2026-02-02) must be before its end (2026-01-05)",),
    ),
    BadInput(
        "window_impossible_date",
        edits=((WINDOW, 'window: {start: "2026-01-05", end: "2026-02-30"}'),),
        expected=("reference.window.end is '2026-02-30'", "write a date or timestamp"),
        on_existing=True,
    ),
    BadInput(
        "window_date_in_words",
        edits=((WINDOW, 'window: {start: "5 January 2026", end: "2026-02-02"}'),),
        expected=("reference.window.start is '5 January 2026'", "'YYYY-MM-DD'"),
    ),
    BadInput(
        "reference_source_undeclared",
        edits=((WINDOW, "source: raw.loan_validation"),),
        expected=("source raw.loan_validation", "no sources YAML declares", "declare it"),
    ),
    BadInput(
        "drift_test_threshold_negative",
        edits=(
            (
                "- no_feature_drift\n",
                "- no_feature_drift:\n"
                "              arguments:\n"
                "                thresholds: {psi: {warn: -1}}\n",
            ),
        ),
        expected=(
            "error in the test arguments of models/staging/fixtures/_fixtures__sources.yml",
            "threshold psi.warn is '-1'",
            "a number of at least 0",
        ),
        on_existing=True,
    ),
    BadInput(
        "timestamp_holds_text",
        tables=lambda: _with_column("scored_at", _as_text),
        expected=("timestamp_column 'scored_at'", "holds character varying", "cast it upstream"),
    ),
    BadInput(
        "reference_window_empty",
        edits=((WINDOW, 'window: {start: "2025-01-06", end: "2025-02-03"}'),),
        expected=(
            "reference window [2025-01-06, 2025-02-03) holds no rows of raw.loan_predictions",
            "predictions run from 2026-01-05 00:00:00",
            "Move reference.window",
        ),
        on_existing=True,
    ),
    BadInput(
        "reference_table_empty",
        edits=(
            (WINDOW, "source: raw.loan_validation_sample"),
            ("- no_feature_drift\n", "- no_feature_drift\n" + VALIDATION_TABLE),
        ),
        tables=lambda: {
            **_good_tables(),
            "loan_validation_sample": _weekly_log(1).iloc[0:0][
                ["income", "region", "default_probability"]
            ],
        },
        expected=("reference table raw.loan_validation_sample holds no rows", "load the model"),
    ),
]


def _prepare(project: DbtProject, bad: BadInput) -> None:
    project.write_registry(_edit(GOOD_REGISTRY, *bad.edits))
    for name, text in bad.other_files.items():
        project.write_registry(text, name=name)
    project.load(bad.tables())


Run = tuple[DbtProject, DbtResult]


@dataclass(frozen=True)
class BadRuns:
    """The builds of every bad input, and the good build some of them start from."""

    baseline: Baseline
    runs: dict[str, list[Run]]


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory: pytest.TempPathFactory) -> BadRuns:
    """Every bad input built on a fresh warehouse, and those marked on_existing also on a copy
    of a warehouse holding a good build of GOOD_REGISTRY. The builds run two at a time (a dbt
    invocation is mostly start-up and parsing; each has its own folder and DuckDB file)."""
    good = DbtProject(tmp_path_factory.mktemp("baseline") / "project")
    good.write_registry(GOOD_REGISTRY)
    good.load(_good_tables())
    fresh_jobs: list[tuple[BadInput, DbtProject]] = []
    existing_jobs: list[tuple[BadInput, DbtProject]] = []
    for bad in BAD_INPUTS:
        root = tmp_path_factory.mktemp(bad.case)
        fresh = DbtProject(root / "fresh")
        _prepare(fresh, bad)
        fresh_jobs.append((bad, fresh))
        if bad.on_existing:
            existing_jobs.append((bad, DbtProject(root / "existing")))

    with ThreadPoolExecutor(max_workers=2) as pool:
        good_build = pool.submit(good.build)
        futures = [(bad, project, pool.submit(project.build)) for bad, project in fresh_jobs]
        good_result = good_build.result()
        assert good_result.returncode == 0, good_result.output[-3000:]
        baseline = Baseline(good.db_path, _snapshot(good))
        drift = baseline.snapshot["fct_feature_drift"]
        assert sorted(set(drift["batch_id"])) == BATCHES
        assert set(drift["status"]) == {"ok"}
        for bad, project in existing_jobs:
            project.db_path.write_bytes(good.db_path.read_bytes())
            _prepare(project, bad)
            futures.append((bad, project, pool.submit(project.build)))
        runs: dict[str, list[Run]] = {}
        for bad, project, future in futures:
            runs.setdefault(bad.case, []).append((project, future.result()))
    return BadRuns(baseline, runs)


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[bad.case for bad in BAD_INPUTS])
def test_bad_registry_input_fails_clearly_without_partial_output(
    bad_runs: BadRuns, bad: BadInput
) -> None:
    """Each mistake fails the build with one actionable message and writes nothing.

    On a fresh warehouse nothing may be created: a check that ran only once models were
    being built would leave the first of them behind, so this alone catches partial output.
    For one mistake of each kind (the entry's structure, the warehouse's columns, the
    reference's rows, and the two that used to fail only mid-build: an impossible window date
    and a bad drift test argument) the same build also ran against a copy of a warehouse
    holding a good build's results, which must be left exactly as it was: every table's rows,
    fct_feature_drift's above all.
    """
    runs = bad_runs.runs[bad.case]
    baseline = bad_runs.baseline
    assert len(runs) == (2 if bad.on_existing else 1)
    for _, result in runs:
        assert result.returncode != 0, result.output[-3000:]
        assert "Traceback" not in result.output
        message = _error_line(result)
        assert f"model '{MODEL_ID}'" in message
        for fragment in bad.expected:
            assert fragment in message, f"{fragment!r} not in: {message}"
        if not bad.other_files:
            assert REGISTRY_FILE in message

    fresh, _ = runs[0]
    assert fresh.table_names() == set()
    if bad.on_existing:
        existing, _ = runs[1]
        after = _snapshot(existing)
        assert after.keys() == baseline.snapshot.keys()
        assert len(after["fct_feature_drift"]) == len(baseline.snapshot["fct_feature_drift"])
        for name, frame in baseline.snapshot.items():
            pd.testing.assert_frame_equal(after[name], frame, obj=name)


# --------------------------------------------------------------------------------------------
# A drift test asked about a batch with no rows errors, it does not pass
# --------------------------------------------------------------------------------------------


def test_drift_test_on_a_batch_without_rows_errors(dbt_project: DbtProject) -> None:
    dbt_project.write_registry(GOOD_REGISTRY)
    dbt_project.load(_good_tables())
    result = dbt_project.build("--vars", '{modelwatch_batch: "2030-01-01"}')

    assert result.returncode != 0
    assert result.status("no_feature_drift") == ["error"]
    assert set(result.status("model.modelwatch.")) == {"success"}
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.output)
    lines = [line for line in plain.splitlines() if "drift test of model 'loan_default'" in line]
    assert lines, plain[-3000:]
    for fragment in [
        "batch '2030-01-01' has no rows",
        "computed batches: 2026-02-02, 2026-02-09",
        "Check --vars modelwatch_batch",
    ]:
        assert fragment in lines[0]
    # Nothing was computed for the batch that does not exist.
    assert (
        dbt_project.query(
            "select count(*) as n from fct_model_batch_status where batch_id = '2030-01-01'"
        )["n"][0]
        == 0
    )
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------------------------
# Odd but legitimate input works, with a documented treatment
# --------------------------------------------------------------------------------------------

EDGE_REGISTRY = """\
sources:
  - name: raw
    schema: raw
    tables:
      - name: subscriber_log
        config:
          meta:
            modelwatch:
              model_id: Subscriber_Churn
              owner: growth@subscriptions.example
              business_unit: subscriptions
              timestamp_column: Predicted At
              prediction_id_column: Prediction ID
              model_version_column: Model Version
              score_column: Churn Score
              reference:
                window: {start: "2026-01-05", end: "2026-02-02"}
              features:
                - {name: Monthly Charges, kind: numeric}
                - {name: Age, kind: numeric}
                - {name: Contract Type, kind: categorical}
        data_tests:
          - no_feature_drift
"""
NAN_ROWS, POSITIVE_INF_ROWS, NEGATIVE_INF_ROWS, REFERENCE_NAN_ROWS = 10, 5, 5, 4


def _edge_log() -> pd.DataFrame:
    """The weekly log with names that need quoting; in the first batch ten "Monthly Charges"
    are NaN, five +inf and five -inf; in the second batch "Age" is entirely null."""
    log = _weekly_log().rename(
        columns={
            "prediction_id": "Prediction ID",
            "scored_at": "Predicted At",
            "model_version": "Model Version",
            "income": "Monthly Charges",
            "region": "Contract Type",
            "default_probability": "Churn Score",
        }
    )
    log["Monthly Charges"] = log["Monthly Charges"] / 1000.0
    log["Age"] = 18.0 + (np.arange(len(log)) % WEEK_ROWS) % 60
    first_batch = log.index[REFERENCE_WEEKS * WEEK_ROWS : (REFERENCE_WEEKS + 1) * WEEK_ROWS]
    inf_rows = first_batch[NAN_ROWS : NAN_ROWS + POSITIVE_INF_ROWS + NEGATIVE_INF_ROWS]
    log.loc[inf_rows[:POSITIVE_INF_ROWS], "Monthly Charges"] = np.inf
    log.loc[inf_rows[POSITIVE_INF_ROWS:], "Monthly Charges"] = -np.inf
    log.loc[log.index[(REFERENCE_WEEKS + 1) * WEEK_ROWS :], "Age"] = np.nan
    return log


@pytest.fixture(scope="module")
def edge_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, DbtResult]:
    project = DbtProject(tmp_path_factory.mktemp("edge") / "project")
    project.write_registry(EDGE_REGISTRY)
    log = _edge_log()
    project.load({"subscriber_log": log})
    # DuckDB reads a pandas NaN as NULL: write real NaNs in SQL, in the first batch and in
    # the reference (where NaN must not become a bin edge).
    first_batch = log["Prediction ID"].iloc[REFERENCE_WEEKS * WEEK_ROWS :][:NAN_ROWS]
    reference = log["Prediction ID"].iloc[:REFERENCE_NAN_ROWS]
    ids = ", ".join(f"'{i}'" for i in [*first_batch, *reference])
    project.execute(
        f"""update raw.subscriber_log set "Monthly Charges" = 'NaN'::double
        where "Prediction ID" in ({ids})"""
    )
    nan_count = project.query(
        """select count(*) as n from raw.subscriber_log where isnan("Monthly Charges")"""
    )["n"][0]
    assert nan_count == NAN_ROWS + REFERENCE_NAN_ROWS
    return project, project.build()


def test_names_with_spaces_and_capitals_work_end_to_end(
    edge_build: tuple[DbtProject, DbtResult],
) -> None:
    project, result = edge_build
    # Every model builds; the drift test fails on the data (see the entirely-null case), it
    # does not error.
    assert set(result.status("model.modelwatch.")) == {"success"}, result.output[-3000:]
    assert result.status("no_feature_drift") == ["fail"]
    assert "Traceback" not in result.output

    features = project.query("select feature_name, feature_role from dim_monitored_features")
    assert set(features["feature_name"]) == {
        "Churn Score",
        "Monthly Charges",
        "Age",
        "Contract Type",
        "_multivariate",  # the multivariate check over the two numeric features
    }
    models = project.query("select model_id, timestamp_column from dim_monitored_models")
    assert models.to_dict("records") == [
        {"model_id": "Subscriber_Churn", "timestamp_column": "Predicted At"}
    ]
    drift = project.query(
        "select batch_id, feature_name, metric_name, metric_value, status from fct_feature_drift"
    )
    assert sorted(set(drift["batch_id"])) == BATCHES
    second = drift[drift["batch_id"] == BATCHES[1]].set_index(["feature_name", "metric_name"])
    # The second batch matches the reference but for "Age" (and the reference's four NaN
    # "Monthly Charges"): nothing else drifts.
    for feature in ["Churn Score", "Contract Type"]:
        assert second.loc[(feature, "psi"), "metric_value"] == pytest.approx(0, abs=1e-12)
    assert second.loc[("Monthly Charges", "psi"), "metric_value"] < 0.05
    assert second.loc[("Monthly Charges", "ks_statistic"), "metric_value"] < 0.01
    for feature in ["Churn Score", "Monthly Charges", "Contract Type"]:
        assert set(second.loc[feature, "status"]) == {"ok"}
    batches = project.query(
        "select batch_id, batch_rows, model_version from fct_model_batch_status order by 1"
    )
    assert batches.to_dict("records") == [
        {"batch_id": b, "batch_rows": WEEK_ROWS, "model_version": "v1"} for b in BATCHES
    ]


def test_nan_is_missing_and_infinity_lands_in_the_outer_bins(
    edge_build: tuple[DbtProject, DbtResult],
) -> None:
    project, _ = edge_build
    bins = project.query(
        """select bin_index, bin_type, lower_edge, upper_edge, reference_count
        from dim_feature_bins where feature_name = 'Monthly Charges' order by bin_index"""
    )
    # NaN in the reference is missing (bin 0), never an edge.
    assert bins["bin_type"].iloc[0] == "missing"
    assert bins["reference_count"].iloc[0] == REFERENCE_NAN_ROWS
    values = bins[bins["bin_type"] == "value"]
    assert len(values) == 10
    assert not values[["lower_edge", "upper_edge"]].isin([np.inf, -np.inf]).any().any()
    assert values[["lower_edge", "upper_edge"]].notna().sum().tolist() == [9, 9]

    histogram = project.query(
        f"""select bin_index, bin_type, lower_edge, upper_edge, batch_count, batch_rows
        from fct_feature_histograms
        where feature_name = 'Monthly Charges' and batch_id = '{BATCHES[0]}'
        order by bin_index"""
    )
    assert (histogram["batch_rows"] == WEEK_ROWS).all()
    # Bin 0 holds the NaNs (the first batch has no NULL).
    assert histogram["batch_count"].iloc[0] == NAN_ROWS
    # Every value bin holds exactly the batch's values in (lower, upper]; -inf falls in the
    # first bin (open below), +inf in the last (open above).
    log = _edge_log()
    batch = log["Monthly Charges"].iloc[REFERENCE_WEEKS * WEEK_ROWS :][:WEEK_ROWS].iloc[NAN_ROWS:]
    edges = histogram.loc[histogram["bin_type"] == "value", ["lower_edge", "upper_edge"]]
    expected = [_in_bin(batch, lower, upper) for lower, upper in edges.itertuples(index=False)]
    assert histogram.loc[histogram["bin_type"] == "value", "batch_count"].tolist() == expected
    first, last = histogram.iloc[1], histogram.iloc[-1]
    assert pd.isna(first["lower_edge"]) and pd.isna(last["upper_edge"])
    assert first["batch_count"] >= NEGATIVE_INF_ROWS
    assert last["batch_count"] >= POSITIVE_INF_ROWS
    assert histogram["batch_count"].sum() == WEEK_ROWS

    ks = project.query(
        f"""select metric_name, metric_value, batch_size, status from fct_feature_drift
        where feature_name = 'Monthly Charges' and batch_id = '{BATCHES[0]}'
        and metric_name like 'ks%'"""
    )
    # KS compares the values that are present: NaN left out, the infinities kept.
    assert (ks["batch_size"] == WEEK_ROWS - NAN_ROWS).all()
    assert ks["metric_value"].notna().all() and np.isfinite(ks["metric_value"]).all()
    assert set(ks["status"]) <= {"ok", "warn", "alert"}


def test_entirely_null_feature_is_insufficient_for_ks_and_alerts_on_missing_rate(
    edge_build: tuple[DbtProject, DbtResult],
) -> None:
    project, result = edge_build
    # Not an error anywhere: the models build, and the drift test fails on the alert.
    assert "error" not in {r["status"] for r in result.results}
    age = project.query(
        f"""select metric_name, metric_value, batch_size, status, is_enforced
        from fct_feature_drift
        where feature_name = 'Age' and batch_id = '{BATCHES[1]}' order by metric_name"""
    ).set_index("metric_name")
    assert age.loc["ks_statistic", "status"] == "insufficient_data"
    assert age.loc["ks_pvalue", "status"] == "insufficient_data"
    assert age.loc["ks_pvalue", "batch_size"] == 0
    # The missing share jumps from 0 to 1: the missing-rate change alerts. PSI is large too,
    # but the default method table judges PSI from 500 rows on (decision 0008): not here.
    assert age.loc["missing_rate_change", "status"] == "alert"
    assert age.loc["missing_rate_change", "metric_value"] == 1.0
    assert age.loc["psi", "metric_value"] > 1
    assert not age.loc["psi", "is_enforced"]
    missing = project.query(
        f"""select batch_share, reference_share from fct_feature_histograms
        where feature_name = 'Age' and batch_id = '{BATCHES[1]}' and bin_index = 0"""
    )
    assert missing.to_dict("records") == [{"batch_share": 1.0, "reference_share": 0.0}]
    status = project.query(
        f"""select batch_status, drifted_features from fct_model_batch_status
        where batch_id = '{BATCHES[1]}'"""
    )
    # the multivariate check sees it too: the missing ages count as the reference mean
    assert status.to_dict("records") == [
        {"batch_status": "alert", "drifted_features": "Age, _multivariate"}
    ]


def test_empty_registry_builds_empty_tables(dbt_project: DbtProject) -> None:
    # A sources YAML with a table that is not monitored: the registry holds no model.
    dbt_project.write_registry(
        """\
        sources:
          - name: raw
            schema: raw
            tables:
              - name: unrelated_table
        """
    )
    result = dbt_project.build()
    assert result.returncode == 0, result.output[-3000:]
    names = dbt_project.table_names()
    assert names >= {
        "stg_modelwatch__predictions",
        "dim_monitored_models",
        "dim_monitored_features",
        "dim_feature_thresholds",
        "dim_feature_bins",
        "fct_feature_histograms",
        "fct_feature_drift",
        "fct_model_batch_status",
    }
    # configuration tables, not registry entries, exist without any model: the risk tiers
    # and the packaged default-method table
    for name in names - {"dim_risk_tier_bounds", "dim_default_methods"}:
        assert dbt_project.query(f"select count(*) as n from {name}")["n"][0] == 0, name
