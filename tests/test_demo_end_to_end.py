"""The demo, end to end, as a spec: what was injected is what modelwatch reports.

One module-scoped build of the demo (16 weekly batches of 10,000 predictions for a credit
model and a churn model) serves the read-only assertions; the retrain decisions are taken and
handed off by the real CLI (scripts/retrain_handoff.py), crashed once and re-run. The weekly,
incremental path has its own tests below.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import demo_data
import pandas as pd
import pytest
import replay_policy
import retrain_handoff
from conftest import SCRIPTS, DbtProject

FIRST_WEEK = demo_data.REFERENCE_START + timedelta(weeks=demo_data.DEFAULT_REFERENCE_WEEKS)
SCORES = {"credit_default": "default_probability", "subscriber_churn": "churn_probability"}


def week_start(week: int) -> str:
    """The batch_id of monitoring week `week` (1-based)."""
    return (FIRST_WEEK + timedelta(weeks=week - 1)).isoformat()


def injected_cells() -> set[tuple[str, str, str]]:
    """(model, feature, batch) of every feature drift the generator injected."""
    return {
        (drift["model_id"], drift["feature"], week_start(week))
        for drift in demo_data.INJECTED_DRIFTS
        if drift["kind"] != "model_version_change"
        for week in drift["weeks"]
    }


def run_handoff(
    project: DbtProject, outbox: Path, *args: str, fault: str | None = None
) -> subprocess.CompletedProcess:
    """The retrain hand-off CLI, as the orchestrator would call it after `dbt build`."""
    env = {"MODELWATCH_DUCKDB_PATH": str(project.db_path), "PATH": "/usr/bin:/bin"}
    if fault:
        env["MODELWATCH_HANDOFF_FAULT"] = fault
    command = list(args) or ["run", "--as-of", "2026-06-22"]
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "retrain_handoff.py"), command[0]]
        + ["--project-dir", str(project.root), "--outbox", str(outbox), *command[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = DbtProject(tmp_path_factory.mktemp("demo") / "project", include_demo=True)
    demo_data.generate(str(project.db_path))
    result = project.build("--vars", "{modelwatch_batch: all}")
    assert not [r for r in result.results if r["status"] in ("error", "skipped")], result.output
    return project


@pytest.fixture(scope="module")
def drift(demo: DbtProject) -> pd.DataFrame:
    return demo.query("select * from fct_feature_drift")


def test_governance_finds_the_registry_complete_and_the_monitoring_stale(
    demo: DbtProject,
) -> None:
    """Both models are production, tier 2, with owner, validator, drift test and thresholds
    within the tier's bounds; but the demo's logs end in June 2026, so as of the run both
    break their 8-day SLA (as the freshness check says)."""
    inventory = demo.query("select model_id, lifecycle_stage, risk_tier from dim_monitored_models")
    assert set(inventory["lifecycle_stage"]) == {"production"}
    assert set(inventory["risk_tier"]) == {"tier_2"}
    for rule, model in {
        "production_model_is_accountable": "dim_model_governance",
        "production_model_is_monitored": "dim_model_governance",
        "thresholds_within_tier_bounds": "dim_feature_thresholds",
    }.items():
        # every governance test stores its failing rows: none here
        breaches = demo.query(f"select count(*) as n from main_dbt_test__audit.{rule}_{model}_")
        assert breaches["n"][0] == 0, rule
    stale = demo.query(
        "select model_id, last_batch_started_at, sla_days "
        "from main_dbt_test__audit.monitoring_within_sla_dim_model_governance_"
    )
    assert sorted(stale["model_id"]) == ["credit_default", "subscriber_churn"]
    assert {str(t)[:10] for t in stale["last_batch_started_at"]} == {week_start(16)}
    assert set(stale["sla_days"]) == {8}


def test_every_batch_of_both_models_is_assessed(demo: DbtProject) -> None:
    batches = demo.query("select model_id, batch_id, batch_rows from fct_model_batch_status")
    assert len(batches) == 2 * demo_data.DEFAULT_BATCHES
    assert set(batches["batch_rows"]) == {demo_data.DEFAULT_ROWS_PER_BATCH}
    assert set(batches["batch_id"]) == {week_start(w) for w in range(1, 17)}


def test_every_injected_drift_alerts_on_psi(drift: pd.DataFrame) -> None:
    psi = drift[drift["metric_name"] == "psi"].set_index(["model_id", "feature_name", "batch_id"])
    strong = {
        # the gradual income shift passes PSI 0.25 at its fourth week (0.6 sd)
        cell
        for cell in injected_cells()
        if not (cell[1] == "income" and cell[2] < week_start(12))
    }
    assert strong, "the demo injects drifts"
    for cell in strong:
        assert psi.loc[cell, "status"] == "alert", (cell, psi.loc[cell, "metric_value"])


def test_the_gradual_income_shift_warns_before_it_alerts(drift: pd.DataFrame) -> None:
    income = drift[(drift["feature_name"] == "income") & (drift["metric_name"] == "psi")]
    status = dict(zip(income["batch_id"], income["status"], strict=True))
    assert status[week_start(8)] == "ok"
    assert status[week_start(11)] == "warn"
    assert all(status[week_start(w)] == "alert" for w in range(12, 17))


def test_the_default_wasserstein_distance_sees_the_income_shift_two_weeks_before_psi(
    drift: pd.DataFrame,
) -> None:
    # decision 0008: numeric features are judged on Wasserstein / sd from 1,000 rows on
    # (warn 0.10, error 0.20); the shift is -0.15 sd of log-income a week from week 9
    income = drift[
        (drift["feature_name"] == "income") & (drift["metric_name"] == "wasserstein_normed")
    ]
    status = dict(zip(income["batch_id"], income["status"], strict=True))
    assert all(status[week_start(w)] == "ok" for w in range(1, 9))
    assert status[week_start(9)] == "warn"
    assert all(status[week_start(w)] == "alert" for w in range(10, 17))


def test_stable_features_reach_no_level_at_all(drift: pd.DataFrame) -> None:
    # effect sizes only by default: no p-value warnings on stable features (decision 0008);
    # the multivariate check summarises the numeric features: its own test is below
    drifted = {(m, f) for m, f, _ in injected_cells()} | set(SCORES.items())
    drifted |= {(m, "_multivariate") for m in SCORES}
    stable = drift[
        [
            (m, f) not in drifted
            for m, f in zip(drift["model_id"], drift["feature_name"], strict=True)
        ]
    ]
    assert (stable["severity_level"] == 0).all(), stable[stable["severity_level"] > 0]
    assert not stable.loc[stable["metric_name"] == "ks_pvalue", "is_enforced"].any()


def test_stable_features_never_reach_error_level(drift: pd.DataFrame) -> None:
    # the multivariate check summarises the numeric features: its own test is below
    drifted = {(m, f) for m, f, _ in injected_cells()} | set(SCORES.items())
    drifted |= {(m, "_multivariate") for m in SCORES}
    stable = drift[
        [
            (m, f) not in drifted
            for m, f in zip(drift["model_id"], drift["feature_name"], strict=True)
        ]
    ]
    assert len(stable) > 0
    assert (stable["severity_level"] < 2).all(), stable[stable["severity_level"] == 2]


def test_stable_weeks_of_drifting_features_do_not_alert(drift: pd.DataFrame) -> None:
    cells = injected_cells()
    drifting_features = {(m, f) for m, f, _ in cells}
    rows = drift[
        [
            (m, f) in drifting_features and (m, f, b) not in cells
            for m, f, b in zip(
                drift["model_id"], drift["feature_name"], drift["batch_id"], strict=True
            )
        ]
    ]
    assert len(rows) > 0
    assert (rows["severity_level"] < 2).all(), rows[rows["severity_level"] == 2]


def test_the_multivariate_check_alerts_exactly_when_a_numeric_feature_drifts(
    demo: DbtProject, drift: pd.DataFrame
) -> None:
    """MMD over each model's numeric features (default: all but the score) alerts in every
    week with an injected numeric drift, from the income shift's first week (0.15 sd, PSI
    0.02), and in no other week: not for the region mix (categorical, not in the check)."""
    numeric = demo.query(
        "select model_id, feature_name from dim_monitored_features "
        "where feature_kind = 'numeric' and feature_role = 'feature'"
    )
    numeric_features = set(zip(numeric["model_id"], numeric["feature_name"], strict=True))
    expected = {(m, b) for m, f, b in injected_cells() if (m, f) in numeric_features}
    checks = drift[(drift["feature_name"] == "_multivariate")]
    assert len(checks) == 2 * 2 * demo_data.DEFAULT_BATCHES  # mmd and mmd_pvalue
    alerting = checks[checks["status"] == "alert"]
    assert set(alerting["metric_name"]) == {"mmd_pvalue"}
    assert set(zip(alerting["model_id"], alerting["batch_id"], strict=True)) == expected
    assert ("credit_default", week_start(9)) in expected
    assert not (checks["status"] == "warn").any()


def test_pipeline_fault_week_alerts_on_missing_share_and_skips_ks(drift: pd.DataFrame) -> None:
    fault = drift[
        (drift["feature_name"] == "debt_to_income") & (drift["batch_id"] == week_start(13))
    ]
    by_metric = fault.set_index("metric_name")
    assert by_metric.loc["psi", "status"] == "alert"
    assert by_metric.loc["psi", "metric_value"] > 10
    assert by_metric.loc["missing_rate_change", "status"] == "alert"
    assert by_metric.loc["missing_rate_change", "metric_value"] == 1.0
    assert by_metric.loc["ks_statistic", "status"] == "insufficient_data"
    assert by_metric.loc["ks_pvalue", "status"] == "insufficient_data"


def test_pipeline_fault_week_is_the_only_data_quality_failure(demo: DbtProject) -> None:
    """Week 13's all-null debt_to_income fails the data-quality checks (decision 0018); the
    churn model's monthly-charge jump (drift, not a broken pipe) only warns on values above
    the reference's maximum; the demo's logs ended in June 2026, so both models are late."""
    quality = demo.query("select * from fct_batch_quality")
    batches = quality[quality["check_name"] != "freshness_hours_late"]
    failing = batches[batches["status"] == "fail"]
    keys = ["model_id", "batch_id", "check_name", "column_name"]
    assert sorted(failing[keys].itertuples(index=False, name=None)) == [
        ("credit_default", week_start(13), "all_null", "debt_to_income"),
        ("credit_default", week_start(13), "null_rate_jump", "debt_to_income"),
    ]
    assert failing["is_blocking"].all()
    warning = batches[batches["status"] == "warn"]
    assert set(warning[["model_id", "check_name", "column_name"]].itertuples(index=False)) == {
        ("subscriber_churn", "out_of_range_share", "monthly_charges")
    }
    assert set(warning["batch_id"]) == {week_start(w) for w in range(11, 17)}
    late = quality[quality["check_name"] == "freshness_hours_late"]
    assert sorted(late["model_id"]) == ["credit_default", "subscriber_churn"]
    assert set(late["status"]) == {"fail"}
    assert set(late["batch_id"]) == {week_start(17)}
    status = demo.query(
        "select model_id, batch_id from fct_model_batch_status where dq_status = 'fail'"
    )
    assert list(status.itertuples(index=False, name=None)) == [("credit_default", week_start(13))]


def test_bins_are_frozen_per_reference_and_cover_missing_and_open_ends(demo: DbtProject) -> None:
    bins = demo.query(
        "select * from dim_feature_bins "
        "where model_id = 'credit_default' and feature_name = 'income'"
    ).sort_values("bin_index")
    assert list(bins["bin_index"]) == list(range(0, 11))
    assert bins.iloc[0]["bin_type"] == "missing"
    assert pd.isna(bins.iloc[1]["lower_edge"]) and pd.isna(bins.iloc[-1]["upper_edge"])
    assert bins["reference_share"].sum() == pytest.approx(1.0, abs=1e-12)


def test_the_policy_requests_one_retrain_per_injected_drift_exactly_once(
    demo: DbtProject, tmp_path: Path
) -> None:
    """Region mix: week 7 (two weeks of drift); churn charges: week 12; income: week 15, once
    the region request completed (v3.2.0 appears in week 15). No request on the week-13
    pipeline fault. A crash after the warehouse write, then a re-run: every row once."""
    outbox = tmp_path / "outbox"
    crashed = run_handoff(demo, outbox, fault="crash:warehouse")
    assert crashed.returncode == 99, crashed.stdout + crashed.stderr
    rerun = run_handoff(demo, outbox)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr  # nothing new to decide
    requests = [json.loads(p.read_text()) for p in sorted(outbox.glob("*.json"))]
    assert {(r["model_id"], r["batch_id"]) for r in requests} == {
        ("credit_default", week_start(7)),
        ("credit_default", week_start(15)),
        ("subscriber_churn", week_start(12)),
    }
    income = next(r for r in requests if r["batch_id"] == week_start(15))
    assert {t["feature_name"] for t in income["trigger"]} == {
        "income",
        "default_probability",
        "_multivariate",
    }
    assert income["model_version"] == "v3.2.0"
    assert income["retrain_window"]["started_at"] < income["retrain_window"]["ended_at"]

    decisions = demo.query("select * from retrain_decisions")
    assert len(decisions) == 2 * demo_data.DEFAULT_BATCHES
    assert decisions["decision_id"].is_unique and decisions["reason"].notna().all()
    fault = decisions.set_index(["model_id", "batch_id"]).loc[("credit_default", week_start(13))]
    assert fault["outcome"] == "blocked_quality"  # a data-quality incident, not a retrain
    assert "all_null" in fault["reason"] and "debt_to_income" in fault["reason"]
    events = demo.query("select * from retrain_requests order by event_at")
    assert events["event_id"].is_unique
    assert sorted(events["status"]) == ["completed", "requested", "requested", "requested"]

    churn = next(r for r in requests if r["model_id"] == "subscriber_churn")
    ack = run_handoff(demo, outbox, "ack", churn["request_id"], "--by", "airflow")
    assert ack.returncode == 0, ack.stdout + ack.stderr
    current = demo.query("select * from retrain_requests_current").set_index("request_id")
    assert current.loc[churn["request_id"], "status"] == "acknowledged"
    assert current["is_open"].sum() == 2  # churn acknowledged, income requested


def test_the_replay_shows_the_policy_prevents_thrashing(demo: DbtProject, tmp_path: Path) -> None:
    signals = tmp_path / "signals.json"
    frame = demo.query("select * from fct_retrain_signals")
    signals.write_text(frame.to_json(orient="records", date_format="iso"))
    models = retrain_handoff.signals_from_rows(retrain_handoff.file_signal_source(signals)())
    text, ok = replay_policy.table(models)
    assert ok, text
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in text.splitlines()}
    # credit weeks 6-7 and 9-16 (week 9 on the multivariate check alone, from week 10 the
    # default Wasserstein distance too, decision 0008) and churn weeks 11-16
    assert rows["no policy (one request per alerting batch)"][3] == "16"
    assert rows["full policy"][3] == "3"


def week_of(frame: pd.DataFrame, timestamp_column: str) -> pd.Series:
    """Monitoring week number (1-based; <= 0 in the reference period) of each row."""
    days = (frame[timestamp_column] - pd.Timestamp(FIRST_WEEK)).dt.days
    return days // 7 + 1


def test_weekly_runs_compute_only_new_batches_and_match_a_full_refresh(tmp_path: Path) -> None:
    """As in production: runs add new weeks to the logs (one, then two at once); each run
    recomputes only the new batches and the lookback, no row is duplicated, and the figures
    (drift and data quality) equal those of a --full-refresh over all weeks."""
    weekly = DbtProject(tmp_path / "weekly", include_demo=True)
    demo_data.generate(str(weekly.db_path), rows_per_batch=2000)
    full = {
        table: weekly.query(f"select * from demo.{table}")
        for table in ("credit_default_predictions", "churn_predictions")
    }
    stamps = {"credit_default_predictions": "scored_at", "churn_predictions": "predicted_at"}

    def load_until(week: int) -> None:
        weekly.load({t: f[week_of(f, stamps[t]) <= week] for t, f in full.items()}, schema="demo")

    load_until(13)
    assert weekly.build().returncode in (0, 1)
    first_run = weekly.query(
        "select distinct batch_id, dbt_invocation_id from fct_feature_drift"
    ).set_index("batch_id")["dbt_invocation_id"]
    for week in (14, 16):
        load_until(week)
        result = weekly.build()
        assert not [r for r in result.results if r["status"] == "error"], result.output

    keys = ["model_id", "batch_id", "feature_name", "metric_name"]
    incremental = weekly.query("select * from fct_feature_drift")
    assert not incremental.duplicated(keys).any()
    assert incremental["batch_id"].nunique() == 16
    # batches before the newest stored one (the default lookback) are left alone
    untouched = incremental[incremental["batch_id"] <= week_start(12)]
    assert (untouched["batch_id"].map(first_run) == untouched["dbt_invocation_id"]).all()
    recomputed = incremental[incremental["batch_id"] >= week_start(13)]
    assert not recomputed["batch_id"].map(first_run).eq(recomputed["dbt_invocation_id"]).any()

    quality_keys = ["model_id", "batch_id", "check_name", "column_name"]
    quality_figures = ["observed_value", "expected_value", "status"]
    quality_incremental = weekly.query("select * from fct_batch_quality")
    assert not quality_incremental.duplicated(quality_keys).any()

    weekly.build("--full-refresh")
    # the data-quality checks (row-count history included) equal a full refresh's; the
    # freshness row (hours late as of each run's start) is one per model, for week 17
    quality_rebuilt = weekly.query("select * from fct_batch_quality")
    for frame in (quality_incremental, quality_rebuilt):
        late = frame[frame["check_name"] == "freshness_hours_late"]
        assert sorted(late["model_id"]) == ["credit_default", "subscriber_churn"]
        assert set(late["batch_id"]) == {week_start(17)}
    pd.testing.assert_frame_equal(
        *[
            frame[frame["check_name"] != "freshness_hours_late"]
            .sort_values(quality_keys)[quality_keys + quality_figures]
            .reset_index(drop=True)
            for frame in (quality_incremental, quality_rebuilt)
        ],
        check_exact=False,
        rtol=1e-12,
    )
    rebuilt = weekly.query("select * from fct_feature_drift")
    merged = incremental.merge(rebuilt, on=keys, suffixes=("_incremental", "_full"))
    assert len(merged) == len(rebuilt) == len(incremental)
    a, b = merged["metric_value_incremental"], merged["metric_value_full"]
    # parallel sums may add in another order: equal to 1e-12 relative
    close = (a - b).abs() <= 1e-12 * b.abs().clip(lower=1.0)
    assert ((a.isna() & b.isna()) | close).all(), merged[~close][keys + ["metric_value_full"]]
    assert (merged["status_incremental"] == merged["status_full"]).all()


def test_a_corrected_past_batch_is_replaced_not_duplicated(tmp_path: Path) -> None:
    project = DbtProject(tmp_path / "rerun", include_demo=True)
    demo_data.generate(str(project.db_path), rows_per_batch=2000)
    project.build()
    before = project.query("select * from fct_model_batch_status").set_index(
        ["model_id", "batch_id"]
    )
    # a late correction: week 3 of the churn log loses 500 rows
    week3 = date.fromisoformat(week_start(3))
    project.execute(
        "delete from demo.churn_predictions where prediction_id in ("
        "select prediction_id from demo.churn_predictions "
        f"where predicted_at >= '{week3}' and predicted_at < '{week3 + timedelta(days=7)}' "
        "order by prediction_id limit 500)"
    )
    project.build("--vars", f"{{modelwatch_rerun_batches: ['{week3}']}}")
    after = project.query("select * from fct_model_batch_status").set_index(
        ["model_id", "batch_id"]
    )
    assert len(after) == len(before)
    assert after.loc[("subscriber_churn", str(week3)), "batch_rows"] == 1500
    assert after.loc[("credit_default", str(week3)), "batch_rows"] == 2000
    drift_rows = project.query("select * from fct_feature_drift")
    assert not drift_rows.duplicated(["model_id", "batch_id", "feature_name", "metric_name"]).any()
    histograms = project.query(
        "select sum(batch_count) as n from fct_feature_histograms "
        f"where model_id = 'subscriber_churn' and batch_id = '{week3}' "
        "and feature_name = 'tenure_months'"
    )
    assert histograms["n"].iloc[0] == 1500
