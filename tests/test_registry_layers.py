"""The registry's configuration layers and inventory, as a spec (decision 0013).

Layers, lowest first: packaged defaults < project var `modelwatch` < risk tier < business
unit (source-level `modelwatch_business_unit` block) < model entry < feature entry. A key set
at a layer wins over every lower one, key by key and threshold level by threshold level.
One build of the registry tables serves every layer assertion; the bad registries are only
compiled (`dbt run-operation get_registry`, no warehouse needed), two at a time.

Every bad key or value stops dbt with one message naming the YAML file, the model and the
key: unknown inventory values, dates that are no dates, an undefined risk tier, a business
unit declared twice with different defaults.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject, DbtResult

FILE_A = "models/staging/fixtures/_fixtures__sources.yml"
FILE_B = "models/staging/fixtures/_unit_b__sources.yml"

# Project var layer: PSI warn 0.11 and 7 bins everywhere; tier_3 re-defined to an SLA of 40
# days and a new tier added.
PROJECT_VARS = """\
vars:
  modelwatch:
    bins: 7
    thresholds:
      psi: {warn: 0.11}
    risk_tiers:
      tier_3: {sla_days: 40}
      tier_internal: {description: internal tools, thresholds: {psi: {error: 0.6}}}
"""


def _model(model_id: str, table: str, extra: str = "", features: str = "") -> str:
    """A registry entry over one of the identical logs."""
    return f"""\
      - name: {table}
        config:
          meta:
            modelwatch:
              model_id: {model_id}
              owner: team-{model_id}@bank.example
              timestamp_column: scored_at
              prediction_id_column: prediction_id
              score_column: score
              reference:
                window: {{start: "2026-01-05", end: "2026-01-19"}}
{extra}              features:
                - {{name: amount, kind: numeric{features}}}
                - {{name: channel, kind: categorical}}
"""


# Unit "cards" (file A): min_batch_size 300 and PSI warn 0.16. Unit "loans" (file B): no block.
REGISTRY_A = (
    """\
sources:
  - name: raw
    schema: raw
    config:
      meta:
        modelwatch_business_unit:
          name: cards
          description: Card payments
          min_batch_size: 300
          thresholds:
            psi: {warn: 0.16}
    tables:
"""
    + _model("m_vars", "log_vars", "              business_unit: loans\n")
    + _model(
        "m_tier",
        "log_tier",
        "              business_unit: loans\n              risk_tier: tier_3\n",
    )
    + _model("m_unit", "log_unit", "              risk_tier: tier_3\n")
    + _model(
        "m_model",
        "log_model",
        "              risk_tier: tier_3\n"
        "              lifecycle_stage: retired\n"
        "              deployment_date: 2025-06-30\n"
        '              last_validation_date: "2025-06-01"\n'
        "              production_version: 3\n"
        "              retrain_policy: {cooldown_days: 14}\n"
        "              label_source: chargebacks\n"
        "              label_delay_days: 90\n"
        "              validator: mrm@bank.example\n"
        "              purpose: Decline fraudulent card payments.\n"
        "              thresholds:\n"
        "                psi: {warn: 0.17}\n",
        ", thresholds: {psi: {warn: 0.18}}",
    )
)
# File B re-declares unit "cards" identically: allowed.
REGISTRY_B = """\
sources:
  - name: raw_b
    schema: raw
    config:
      meta:
        modelwatch_business_unit:
          name: cards
          description: Card payments
          min_batch_size: 300
          thresholds:
            psi: {warn: 0.16}
    tables:
""" + _model("m_unit_b", "log_unit_b", "              batch: {grain: day}\n")

TABLES = ["log_vars", "log_tier", "log_unit", "log_model", "log_unit_b"]


def _log() -> pd.DataFrame:
    """Three weeks of 400 rows: two reference weeks and one batch, all alike."""
    row = np.arange(3 * 400)
    week, position = np.divmod(row, 400)
    return pd.DataFrame(
        {
            "prediction_id": [f"p{i}" for i in row],
            "scored_at": pd.Timestamp("2026-01-05")
            + pd.to_timedelta(week * 7, unit="D")
            + pd.to_timedelta(position * 600, unit="s"),
            "amount": (position * 37 % 400) * 1.5,
            "channel": np.array(["web", "pos", "atm"])[position % 3],
            "score": (position * 53 % 400) / 400,
        }
    )


def _with_vars(project: DbtProject) -> None:
    path = project.root / "dbt_project.yml"
    text = path.read_text()
    assert "  modelwatch: {}\n" in text
    own = PROJECT_VARS.split("vars:\n", 1)[1]
    path.write_text(text.replace("  modelwatch: {}\n", own, 1))


@pytest.fixture(scope="module")
def layered(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = DbtProject(tmp_path_factory.mktemp("layers") / "project")
    _with_vars(project)
    project.write_registry(REGISTRY_A)
    project.write_registry(REGISTRY_B, name="_unit_b__sources.yml")
    project.load({table: _log() for table in TABLES})
    result = project.dbt(
        "run",
        "--select",
        "dim_monitored_models dim_monitored_features dim_feature_thresholds dim_risk_tier_bounds",
    )
    assert result.returncode == 0, result.output[-3000:]
    return project


def _psi(project: DbtProject, model_id: str, feature: str = "amount") -> tuple[float, float]:
    row = project.query(
        "select warn_threshold, error_threshold from dim_feature_thresholds "
        f"where model_id = '{model_id}' and feature_name = '{feature}' and metric_name = 'psi'"
    ).iloc[0]
    return float(row["warn_threshold"]), float(row["error_threshold"])


def test_each_layer_wins_over_the_ones_below(layered: DbtProject) -> None:
    # var: warn 0.11 over packaged 0.10; error stays packaged 0.25 (merged level by level)
    assert _psi(layered, "m_vars") == (0.11, 0.25)
    # risk tier 3 (0.15 / 0.35) over the var
    assert _psi(layered, "m_tier") == (0.15, 0.35)
    # business unit "cards" (warn 0.16) over tier 3; tier 3's error level kept
    assert _psi(layered, "m_unit") == (0.16, 0.35)
    # model (warn 0.17) over its unit, feature (warn 0.18) over its model
    assert _psi(layered, "m_model", "channel") == (0.17, 0.35)
    assert _psi(layered, "m_model", "amount") == (0.18, 0.35)


def test_non_threshold_keys_are_layered_too(layered: DbtProject) -> None:
    models = layered.query("select * from dim_monitored_models").set_index("model_id")
    features = layered.query(
        "select model_id, bin_count, min_batch_size from dim_monitored_features "
        "where feature_name = 'amount'"
    ).set_index("model_id")
    # bins from the var everywhere; min_batch_size from the unit only in unit "cards"
    assert set(features["bin_count"]) == {7}
    assert features.loc["m_vars", "min_batch_size"] == 100
    assert features.loc["m_unit", "min_batch_size"] == 300
    assert features.loc["m_unit_b", "min_batch_size"] == 300
    # tier 3 sets the monitoring frequency (month) and, re-defined in vars, an SLA of 40 days;
    # the model's own batch grain wins over its unit and tier
    assert models.loc["m_tier", "batch_grain"] == "month"
    assert models.loc["m_tier", "sla_days"] == 40
    assert models.loc["m_vars", ["batch_grain", "sla_days"]].tolist() == ["week", 8]
    assert models.loc["m_unit_b", ["batch_grain", "sla_days"]].tolist() == ["day", 2]
    config = json.loads(models.loc["m_model", "resolved_config"])
    assert config["thresholds"]["psi"] == {"warn": 0.17, "error": 0.35}
    assert config["min_batch_size"] == 300


def test_models_belong_to_their_files_business_unit_unless_they_name_another(
    layered: DbtProject,
) -> None:
    units = layered.query("select model_id, business_unit from dim_monitored_models")
    assert dict(zip(units["model_id"], units["business_unit"], strict=True)) == {
        "m_vars": "loans",
        "m_tier": "loans",
        "m_unit": "cards",
        "m_model": "cards",
        "m_unit_b": "cards",
    }


def test_inventory_fields_are_carried_typed(layered: DbtProject) -> None:
    row = layered.query("select * from dim_monitored_models where model_id = 'm_model'").iloc[0]
    assert row["lifecycle_stage"] == "retired"
    assert row["risk_tier"] == "tier_3"
    assert row["validator"] == "mrm@bank.example"
    assert row["model_purpose"] == "Decline fraudulent card payments."
    assert str(row["deployment_date"])[:10] == "2025-06-30"  # an unquoted YAML date
    assert str(row["last_validation_date"])[:10] == "2025-06-01"
    assert row["production_version"] == "3"
    # the retrain policy resolved by its own layers (issue #5), its tier's budget included
    policy = json.loads(row["retrain_policy"])
    assert (policy["cooldown_days"], policy["risk_tier"]) == (14, "tier_3")
    assert (row["label_source"], row["label_delay_days"]) == ("chargebacks", 90)
    # a model that declares no stage is in development
    stages = layered.query("select distinct lifecycle_stage from dim_monitored_models")
    assert set(stages["lifecycle_stage"]) == {"development", "retired"}


def test_project_risk_tiers_extend_the_packaged_ones(layered: DbtProject) -> None:
    bounds = layered.query("select distinct risk_tier from dim_risk_tier_bounds")
    assert {"tier_1", "tier_2", "tier_3"} <= set(bounds["risk_tier"])


# --------------------------------------------------------------------------------------------
# Bad keys and values: compile-time errors naming the file, the model and the key
# --------------------------------------------------------------------------------------------

BAD_CASES = {
    "unknown lifecycle stage": (
        (
            "              risk_tier: tier_3\n              lifecycle_stage: retired\n",
            "              risk_tier: tier_3\n              lifecycle_stage: live\n",
        ),
        FILE_A,
        "m_model",
        "lifecycle_stage is 'live'; use development, production or retired",
    ),
    "risk tier not defined": (
        (
            "business_unit: loans\n              risk_tier: tier_3\n",
            "business_unit: loans\n              risk_tier: tier_9\n",
        ),
        FILE_A,
        "m_tier",
        "risk_tier is 'tier_9'; use one of the tiers defined: tier_1, tier_2",
    ),
    "impossible deployment date": (
        ("deployment_date: 2025-06-30", 'deployment_date: "2025-02-30"'),
        FILE_A,
        "m_model",
        "deployment_date is '2025-02-30'; write a real date as 'YYYY-MM-DD'",
    ),
    "unknown model key": (
        ("label_source: chargebacks", "label_sauce: chargebacks"),
        FILE_A,
        "m_model",
        "unknown key 'label_sauce' in the model entry",
    ),
    "unknown business-unit key": (
        ("          min_batch_size: 300\n", "          min_batch_sise: 300\n"),
        FILE_A,
        None,
        "unknown key 'min_batch_sise' in the modelwatch_business_unit block",
    ),
    "business unit declared twice, differently": (
        None,
        FILE_B,
        None,
        "business unit 'cards' is declared in the modelwatch_business_unit block",
    ),
}


def _bad_project(root: Path, case: str) -> DbtProject:
    edit, *_ = BAD_CASES[case]
    project = DbtProject(root)
    _with_vars(project)
    text_a = REGISTRY_A
    text_b = REGISTRY_B
    if edit is None:
        text_b = text_b.replace("min_batch_size: 300", "min_batch_size: 200", 1)
    else:
        assert edit[0] in text_a, edit[0]
        text_a = text_a.replace(edit[0], edit[1], 1)
    project.write_registry(text_a)
    project.write_registry(text_b, name="_unit_b__sources.yml")
    return project


def _message(result: DbtResult) -> str:
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.output)
    return " ".join(line.strip() for line in plain.splitlines() if line.strip())


def test_every_bad_key_or_value_names_file_model_and_key(tmp_path: Path) -> None:
    projects = {case: _bad_project(tmp_path / f"case{i}", case) for i, case in enumerate(BAD_CASES)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(
            zip(
                projects,
                pool.map(lambda p: p.dbt("run-operation", "get_registry"), projects.values()),
                strict=True,
            )
        )
    for case, (_, file_path, model_id, expected) in BAD_CASES.items():
        result = results[case]
        message = _message(result)
        assert result.returncode != 0, case
        assert "modelwatch registry error in " in message, (case, message[-1500:])
        assert file_path in message, (case, message[-1500:])
        if model_id is not None:
            assert f"model '{model_id}'" in message, (case, message[-1500:])
        assert expected in message, (case, message[-1500:])
