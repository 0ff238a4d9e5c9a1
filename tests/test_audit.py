"""Spec of the append-only audit (fct_monitoring_runs_audited, decision 0016) and of
reproducible figures (decision 0022).

Two models, each with its own scoring log: a two-week reference and three weekly batches
(week 3 drifts, so the drift tests fail). The project is built once on four DuckDB threads;
week 2 is rerun with unchanged data on one thread; everything is rebuilt with --full-refresh;
then one model's week 2 is corrected, the other model's PSI threshold changed, and week 2
rerun. Every test reads the audit after that sequence. Each step builds only what the audit
needs (the first build adds the latest-status view and the drift tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject

REFERENCE_START = pd.Timestamp("2026-01-05")
WEEKS = ["2026-01-19", "2026-01-26", "2026-02-02"]
ROWS_PER_WEEK = 400
RERUN = "2026-01-26"


def registry(steady_psi_error: float) -> str:
    """Two models, each on its own log: `audited_model` (data corrected later) and
    `steady_model` (its threshold changed later)."""
    tables = []
    for model_id, psi_error in (("audited_model", 0.25), ("steady_model", steady_psi_error)):
        tables.append(f"""
          - name: {model_id}_scores
            config:
              meta:
                modelwatch:
                  model_id: {model_id}
                  owner: audit@example.com
                  business_unit: risk
                  timestamp_column: scored_at
                  prediction_id_column: prediction_id
                  score_column: score
                  reference: {{window: {{start: "2026-01-05", end: "2026-01-19"}}}}
                  thresholds: {{psi: {{warn: 0.1, error: {psi_error}}}}}
                  min_batch_size: 50
                  features:
                    - {{name: amount, kind: numeric}}
                    - {{name: channel, kind: categorical}}
            data_tests:
              - no_feature_drift""")
    return "sources:\n  - name: audit_logs\n    schema: raw\n    tables:" + "".join(tables) + "\n"


def scoring_log(seed: int) -> pd.DataFrame:
    """Two reference weeks and three batches; week 3 (2026-02-02) shifts `amount`."""
    rng = np.random.default_rng(seed)
    frames = []
    for week in range(5):
        start = REFERENCE_START + pd.Timedelta(weeks=week)
        shift = 1.5 if week == 4 else 0.0
        frames.append(
            pd.DataFrame(
                {
                    "prediction_id": [f"{week}-{i}" for i in range(ROWS_PER_WEEK)],
                    "scored_at": start
                    + pd.to_timedelta(rng.integers(0, 7 * 86400, ROWS_PER_WEEK), "s"),
                    "score": rng.uniform(size=ROWS_PER_WEEK),
                    "amount": np.round(rng.normal(100 + 40 * shift, 20, ROWS_PER_WEEK), 1),
                    "channel": rng.choice(["web", "branch", "phone"], ROWS_PER_WEEK),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# each run builds only what the audit needs; the first build adds the latest-status view (its
# only other child) and the drift tests, none of the other data tests
AUDITED = ["--select", "+fct_monitoring_runs_audited"]
FIRST_BUILD = [
    *AUDITED,
    "fct_model_latest_status",
    "test_name:no_feature_drift",
    "--indirect-selection",
    "empty",
]

# the stored figures compared bit for bit between runs: table -> (key, double columns)
FIGURES = {
    "fct_feature_drift": (
        ["model_id", "batch_id", "feature_name", "metric_name"],
        ["metric_value", "assessed_value", "warn_threshold", "error_threshold"],
    ),
    "fct_feature_histograms": (
        ["model_id", "batch_id", "feature_name", "bin_index"],
        ["batch_share", "reference_share", "lower_edge", "upper_edge"],
    ),
}

PROFILE = """modelwatch:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{{{{ env_var('MODELWATCH_DUCKDB_PATH') }}}}"
      threads: 2
      settings:
        threads: {threads}
"""


@dataclass
class History:
    """What the audit and the drift figures looked like along the sequence."""

    audit: pd.DataFrame
    first_build_exit: int
    figures_first: dict[str, pd.DataFrame]
    figures_after_rerun: dict[str, pd.DataFrame]
    figures_after_full_refresh: dict[str, pd.DataFrame]
    invocations: list[str]
    latest: pd.DataFrame
    weekly: pd.DataFrame


def _invocation(project: DbtProject) -> str:
    frame = project.query(
        "select dbt_invocation_id from fct_model_batch_status order by computed_at desc limit 1"
    )
    return frame.iloc[0, 0]


def _figures(project: DbtProject) -> dict[str, pd.DataFrame]:
    """Every stored figure of every batch, keyed, in a fixed order."""
    figures = {}
    for table, (key, values) in FIGURES.items():
        columns = ", ".join(key + values)
        order = ", ".join(key)
        frame = project.query(f"select {columns} from {table} order by {order}")
        figures[table] = frame.set_index(key)
    return figures


def _duckdb_threads(project: DbtProject, threads: int) -> None:
    """The next dbt runs use this many DuckDB threads (`SET threads`, via the profile)."""
    (project.root / "profiles.yml").write_text(PROFILE.format(threads=threads))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    project = DbtProject(Path(tmp_path_factory.mktemp("audit")) / "project")
    project.write_registry(registry(steady_psi_error=0.25))
    project.load({"audited_model_scores": scoring_log(16), "steady_model_scores": scoring_log(17)})
    # every run after the first passes the same vars on the same profile, so dbt parses the
    # project twice in all, not once per run (a full parse is most of a small run's time);
    # model_id is the analysis's var; a --full-refresh computes every batch anyway
    later_vars = ["--vars", f"{{modelwatch_rerun_batches: ['{RERUN}'], model_id: steady_model}}"]
    invocations = []

    # week 3's drift tests fail: the audit is written all the same
    _duckdb_threads(project, 4)
    first = project.build(*FIRST_BUILD)
    invocations.append(_invocation(project))
    figures_first = _figures(project)

    _duckdb_threads(project, 1)  # unchanged data and config, another thread count
    result = project.dbt("run", *AUDITED, *later_vars)
    assert result.returncode == 0, result.output
    invocations.append(_invocation(project))
    figures_after_rerun = _figures(project)

    result = project.dbt("run", *AUDITED, *later_vars, "--full-refresh")
    assert result.returncode == 0, result.output
    invocations.append(_invocation(project))
    figures_after_full_refresh = _figures(project)

    # a correction of audited_model's week 2 (one value), and a new threshold for steady_model
    project.execute(
        "update raw.audited_model_scores set amount = amount + 0.1 where prediction_id = '3-0'"
    )
    project.write_registry(registry(steady_psi_error=0.3))
    result = project.dbt("run", *AUDITED, *later_vars)
    assert result.returncode == 0, result.output
    invocations.append(_invocation(project))

    audit = project.query("select * from fct_monitoring_runs_audited order by run_started_at")
    latest = project.query("select * from fct_model_latest_status order by model_id")
    compiled = project.dbt("compile", "--select", "drift_history_by_week", *later_vars)
    assert compiled.returncode == 0, compiled.output
    sql = next((project.root / "target/compiled").rglob("drift_history_by_week.sql")).read_text()
    weekly = project.query(sql)
    yield History(
        audit,
        first.returncode,
        figures_first,
        figures_after_rerun,
        figures_after_full_refresh,
        invocations,
        latest,
        weekly,
    )


def _rerun_rows(history: History, model_id: str = "audited_model") -> pd.DataFrame:
    """The audit rows of the rerun batch of one model, one per run, in run order."""
    rows = history.audit[
        (history.audit["batch_id"] == RERUN) & (history.audit["model_id"] == model_id)
    ]
    return rows.set_index("dbt_invocation_id").loc[history.invocations]


def test_every_run_appends_one_row_per_model_and_batch_it_computed(history: History) -> None:
    audit = history.audit
    assert not audit.duplicated(["dbt_invocation_id", "model_id", "batch_id"]).any()
    per_run = audit.groupby("dbt_invocation_id", sort=False)["batch_id"].apply(sorted)
    assert per_run[history.invocations[0]] == sorted(WEEKS * 2)  # the first run: everything
    # a rerun computes the rerun batch and the newest stored one (late rows)
    assert per_run[history.invocations[1]] == sorted([RERUN, WEEKS[-1]] * 2)
    assert per_run[history.invocations[2]] == sorted(WEEKS * 2)  # --full-refresh: all again
    assert len(audit) == 2 * (3 + 2 + 3 + 2)


def test_an_alerting_run_is_audited(history: History) -> None:
    assert history.first_build_exit == 1  # week 3's drift tests failed
    first = history.audit[history.audit["dbt_invocation_id"] == history.invocations[0]]
    assert set(first.loc[first["batch_id"] == WEEKS[-1], "batch_status"]) == {"alert"}


def test_the_audit_survives_a_full_refresh(history: History) -> None:
    runs = history.audit["dbt_invocation_id"].unique().tolist()
    assert runs == history.invocations
    triggers = history.audit.groupby("dbt_invocation_id", sort=False)["run_trigger"].unique()
    assert list(triggers[history.invocations[2]]) == ["full_refresh"]
    assert list(triggers[history.invocations[0]]) == ["scheduled"]


def test_a_rerun_with_the_same_data_and_config_reproduces_the_figures_exactly(
    history: History,
) -> None:
    # bit for bit, whatever the DuckDB thread count (4, then 1) and whether the batch is
    # rerun alone or rebuilt with everything else: every double sum adds its terms in a fixed
    # order (modelwatch.ordered_sum, decision 0022)
    for later in (history.figures_after_rerun, history.figures_after_full_refresh):
        for table, first in history.figures_first.items():
            assert later[table].index.equals(first.index), table
            for column in first.columns:
                a, b = first[column].to_numpy(), later[table][column].to_numpy()
                same = (a == b) | (pd.isna(a) & pd.isna(b))
                assert same.all(), (table, column, list(first.index[~same])[:5])
    assert len(history.figures_first["fct_feature_drift"]) > 0
    runs = _rerun_rows(history).iloc[:3].itertuples()
    first_run, rerun_run, full_refresh = runs
    assert rerun_run.run_trigger == "rerun"
    for later in (rerun_run, full_refresh):  # the audit holds all three runs, the same hashes
        assert later.input_fingerprint == first_run.input_fingerprint
        assert later.config_hash == first_run.config_hash
        assert later.results_hash == first_run.results_hash
        assert later.code_version == first_run.code_version
        assert later.batch_rows == first_run.batch_rows == ROWS_PER_WEEK


def test_changed_data_changes_the_fingerprint_not_the_config_hash(history: History) -> None:
    before, corrected = _rerun_rows(history, "audited_model").iloc[[2, 3]].itertuples()
    assert corrected.input_fingerprint != before.input_fingerprint
    assert corrected.batch_rows == before.batch_rows
    assert corrected.config_hash == before.config_hash
    assert corrected.results_hash != before.results_hash  # PSI and KS see the change


def test_a_changed_threshold_changes_the_config_hash_not_the_fingerprint(history: History) -> None:
    before, changed = _rerun_rows(history, "steady_model").iloc[[2, 3]].itertuples()
    assert changed.config_hash != before.config_hash
    assert changed.input_fingerprint == before.input_fingerprint
    assert changed.code_version == before.code_version
    assert changed.results_hash != before.results_hash  # the error threshold is a result column


def test_the_run_is_described(history: History) -> None:
    audit = history.audit
    assert audit["code_version"].str.fullmatch("[0-9a-f]{32}").all()
    assert audit["warehouse_version"].str.startswith("duckdb v").all()
    assert audit["dbt_version"].str.startswith("1.").all()
    assert (audit["figures_computed"] > 0).all() and (audit["value_rows"] > 0).all()
    assert audit["reference_rows"].eq(2 * ROWS_PER_WEEK).all()


def test_the_latest_status_view_shows_each_models_newest_batch(history: History) -> None:
    latest = history.latest.set_index("model_id")
    assert list(latest.index) == ["audited_model", "steady_model"]
    assert (latest["latest_batch_id"] == WEEKS[-1]).all()
    assert (latest["latest_status"] == "alert").all()
    assert latest["latest_dq_status"].notna().all()
    assert (latest["batches_stored"] == 3).all()
    assert (latest["last_alert_batch_id"] == WEEKS[-1]).all()
    assert "psi warn 0.1 error 0.3" in latest.loc["steady_model", "thresholds_in_force"]


def test_drift_history_by_week_has_one_row_per_feature_and_week(history: History) -> None:
    weekly = history.weekly
    assert set(weekly["model_id"]) == {"steady_model"}
    assert len(weekly) == 3 * 3  # score, amount, channel x three weeks
    amount = weekly[weekly["feature_name"] == "amount"].sort_values("week_started_at")
    assert list(amount["worst_status"])[-1] == "alert"
    assert amount["worst_psi"].iloc[-1] > 0.3
