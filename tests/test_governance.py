"""Governance as dbt tests, as a spec (decision 0014).

Every production model has an owner, a validator and a risk tier; has a drift test attached
(no production model is unmonitored); was monitored within its SLA (weekly: the newest batch
began at most 8 days before "as of", the run's start unless the var modelwatch_as_of says
otherwise); and its thresholds lie within the bounds its risk tier allows. Retired models are
never alerted on. Each rule fails on a crafted bad registry, with one stored row per breach
naming the model and the fix; development models are held to none of it.

One build of a registry holding one good production model and one breach of each rule serves
the assertions; then a model is added by YAML alone and the next build monitors it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject, DbtResult

AS_OF = "2026-02-02"  # the Monday after the last weekly batch of the recent logs
AUDIT = "main_dbt_test__audit"
RULES = {
    "production_model_is_accountable": "dim_model_governance",
    "production_model_is_monitored": "dim_model_governance",
    "monitoring_within_sla": "dim_model_governance",
    "thresholds_within_tier_bounds": "dim_feature_thresholds",
}
JUDGE_PSI = "              methods: [psi]\n"
INVENTORY = (
    "              lifecycle_stage: production\n"
    "              validator: model-validation@bank.example\n"
    "              risk_tier: tier_2\n"
)


def _model(model_id: str, table: str, inventory: str, drift_test: bool = True, **extra) -> str:
    features = extra.get("features", "")
    return f"""\
      - name: {table}
        config:
          meta:
            modelwatch:
              model_id: {model_id}
              owner: team-{model_id}@bank.example
              business_unit: payments
{inventory}{extra.get("model", "")}              timestamp_column: scored_at
              prediction_id_column: prediction_id
              score_column: score
              reference:
                window: {{start: "2026-01-05", end: "2026-01-19"}}
              features:
                - {{name: amount, kind: numeric}}
                - {{name: channel, kind: categorical{features}}}
""" + ("        data_tests:\n          - no_feature_drift\n" if drift_test else "")


REGISTRY = (
    "sources:\n  - name: raw\n    schema: raw\n    tables:\n"
    + _model("good", "good_log", INVENTORY)
    + _model(
        "unaccountable",
        "unaccountable_log",
        "              lifecycle_stage: production\n",
    )
    + _model("unmonitored", "unmonitored_log", INVENTORY, drift_test=False)
    + _model("stale", "stale_log", INVENTORY)
    + _model(
        "loose",
        "loose_log",
        INVENTORY.replace("tier_2", "tier_1"),
        model="              thresholds:\n                psi: {error: 0.4}\n",
        features=", thresholds: {psi: {warn: false}}",
    )
    # 300-row batches are below the default table's PSI cut-off (500 rows): name PSI
    + _model(
        "retired_drifting",
        "retired_log",
        "              lifecycle_stage: retired\n",
        model=JUDGE_PSI,
    )
    + _model("dev_drifting", "dev_log", "", model=JUDGE_PSI)
)

ADDED = "sources:\n  - name: raw_added\n    schema: raw\n    tables:\n" + _model(
    "added", "added_log", INVENTORY
)


def _log(weeks: int, shift_last: float = 0.0) -> pd.DataFrame:
    """`weeks` weeks of 300 rows from Monday 2026-01-05, every week alike except that the
    last one's amounts can be shifted (a drift)."""
    row = np.arange(weeks * 300)
    week, position = np.divmod(row, 300)
    amount = (position * 37 % 300) * 1.0 + np.where(week == weeks - 1, shift_last, 0.0)
    return pd.DataFrame(
        {
            "prediction_id": [f"p{i}" for i in row],
            "scored_at": pd.Timestamp("2026-01-05")
            + pd.to_timedelta(week * 7, unit="D")
            + pd.to_timedelta(position * 1800, unit="s"),
            "amount": amount,
            "channel": np.array(["web", "pos", "atm"])[position % 3],
            "score": (position * 53 % 300) / 300,
        }
    )


@pytest.fixture(scope="module")
def governed(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, DbtResult]:
    project = DbtProject(tmp_path_factory.mktemp("governance") / "project")
    project.write_registry(REGISTRY)
    recent, stale, drifting = _log(4), _log(3), _log(4, shift_last=1000.0)
    project.load(
        {
            # batches 2026-01-19 and 2026-01-26
            **{t: recent for t in ("good_log", "unaccountable_log", "unmonitored_log")},
            **{t: recent for t in ("loose_log", "added_log")},
            "stale_log": stale,  # newest batch 2026-01-19: 14 days before AS_OF
            **{t: drifting for t in ("retired_log", "dev_log")},
        }
    )
    result = project.build("--vars", f"{{modelwatch_as_of: '{AS_OF}'}}")
    assert not [r for r in result.results if r["status"] == "error"], result.output[-3000:]
    return project, result


def _breaches(project: DbtProject, rule: str) -> pd.DataFrame:
    return project.query(f"select * from {AUDIT}.{rule}_{RULES[rule]}_")


def test_a_complete_recent_production_model_breaks_no_rule(governed) -> None:
    project, result = governed
    for rule in RULES:
        assert "good" not in set(_breaches(project, rule)["model_id"]), rule
    assert result.status("source_no_feature_drift_raw_good_log") == ["pass"]


def test_production_model_without_validator_or_tier_fails_and_names_the_fix(governed) -> None:
    project, result = governed
    assert result.status("production_model_is_accountable") == ["fail"]
    breaches = _breaches(project, "production_model_is_accountable")
    assert sorted(zip(breaches["model_id"], breaches["problem"], strict=True)) == [
        ("unaccountable", "production model without risk_tier"),
        ("unaccountable", "production model without validator"),
    ]
    assert all("models/staging/fixtures/_fixtures__sources.yml" in fix for fix in breaches["fix"])
    assert any(fix.startswith("add validator: <") for fix in breaches["fix"])


def test_production_model_without_drift_test_is_unmonitored(governed) -> None:
    project, result = governed
    assert result.status("production_model_is_monitored") == ["fail"]
    breaches = _breaches(project, "production_model_is_monitored")
    assert list(breaches["model_id"]) == ["unmonitored"]
    assert breaches["fix"][0].startswith("add data_tests: [no_feature_drift]")


def test_weekly_model_whose_newest_batch_is_14_days_old_breaks_its_sla(governed) -> None:
    project, result = governed
    assert result.status("monitoring_within_sla") == ["fail"]
    breaches = _breaches(project, "monitoring_within_sla")
    assert list(breaches["model_id"]) == ["stale"]
    row = breaches.iloc[0]
    assert (row["last_batch_age_days"], row["sla_days"]) == (14, 8)
    assert "newest monitored batch began 14 days before 2026-02-02" in row["problem"]


def test_sla_is_judged_as_of_the_run_by_default(governed) -> None:
    """Without modelwatch_as_of, "now" is the run's start: these January logs are stale."""
    project, _ = governed
    run = project.dbt("test", "--select", "test_name:monitoring_within_sla")
    assert run.status("monitoring_within_sla") == ["fail"]
    stale = set(_breaches(project, "monitoring_within_sla")["model_id"])
    assert {"good", "stale", "loose", "unmonitored", "unaccountable"} <= stale
    assert "dev_drifting" not in stale and "retired_drifting" not in stale


def test_thresholds_looser_than_the_tier_allows_or_switched_off_fail(governed) -> None:
    project, result = governed
    assert result.status("thresholds_within_tier_bounds") == ["fail"]
    breaches = _breaches(project, "thresholds_within_tier_bounds")
    assert set(breaches["model_id"]) == {"loose"}
    found = {
        (f, m, level, None if pd.isna(v) else v)
        for f, m, level, v in zip(
            breaches["feature_name"],
            breaches["metric_name"],
            breaches["threshold_level"],
            breaches["threshold_value"],
            strict=True,
        )
    }
    # tier_1 allows PSI error at most 0.25 and warn at most 0.10, neither switched off
    assert found == {
        ("amount", "psi", "error", 0.4),
        ("channel", "psi", "error", 0.4),
        ("score", "psi", "error", 0.4),
        ("channel", "psi", "warn", None),
    }
    assert any("is switched off for feature channel" in p for p in breaches["problem"])


def test_retired_models_are_recorded_but_never_alerted_on(governed) -> None:
    project, result = governed
    drift = project.query(
        "select model_id, status from fct_feature_drift "
        "where feature_name = 'amount' and metric_name = 'psi' and batch_id = '2026-01-26'"
    ).set_index("model_id")["status"]
    assert drift["retired_drifting"] == drift["dev_drifting"] == "alert"
    assert result.status("source_no_feature_drift_raw_retired_log") == ["pass"]
    assert result.status("source_no_feature_drift_raw_dev_log") == ["fail"]


def test_development_models_are_held_to_no_rule(governed) -> None:
    project, _ = governed
    for rule in RULES:
        assert "dev_drifting" not in set(_breaches(project, rule)["model_id"]), rule


def test_a_model_added_by_yaml_alone_is_monitored_by_the_next_build(governed) -> None:
    project, _ = governed
    project.write_registry(ADDED, name="_added__sources.yml")
    result = project.build("--vars", f"{{modelwatch_as_of: '{AS_OF}'}}")
    assert not [r for r in result.results if r["status"] == "error"], result.output[-3000:]
    inventory = project.query("select * from dim_monitored_models where model_id = 'added'")
    assert inventory[["lifecycle_stage", "risk_tier", "drift_test_count"]].values.tolist() == [
        ["production", "tier_2", 1]
    ]
    batches = project.query(
        "select batch_id from fct_model_batch_status where model_id = 'added' order by 1"
    )
    assert list(batches["batch_id"]) == ["2026-01-19", "2026-01-26"]
    assert result.status("source_no_feature_drift_raw_added_added_log") == ["pass"]
    for rule in RULES:
        assert "added" not in set(_breaches(project, rule)["model_id"]), rule
