"""Data-quality checks come first: every batch is checked before its drift is trusted.

Two models share one registry. `loan_default` has a four-week reference window and three
weekly batches: a clean one (the reference's values again), a broken one with one fault per
column (income entirely null, tenure 30 % null, age in the wrong unit, region mostly an
unseen category, 5 % of the prediction ids repeated) and a small one (30 rows against the
usual 200). `steady` is clean throughout and sets its own row-count warning level.

First build, as of 2026-02-20 (the next batch is not due yet): each check fails on the broken
or small batch and passes on the clean one, with a message naming model, batch and column;
the data-quality test fails for loan_default and passes for steady.

Second build, as of 2026-03-06, after the log lost its `age` column and `tenure` became
text: no registry error, the other model is monitored as usual, loan_default's newest batch
records a schema_change failure for each, and both models are late (no row in the batch due
by 2026-03-02).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject, DbtResult

WEEK_ROWS = 200
FIRST_MONDAY = pd.Timestamp("2026-01-05")
REFERENCE_WEEKS = 4
CLEAN, BROKEN, SMALL = "2026-02-02", "2026-02-09", "2026-02-16"
SMALL_ROWS = 30

REGISTRY = """\
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
              score_column: default_probability
              reference:
                window: {start: "2026-01-05", end: "2026-02-02"}
              features:
                - {name: income, kind: numeric}
                - {name: tenure, kind: numeric}
                - {name: age, kind: numeric}
                - {name: region, kind: categorical}
        data_tests:
          - no_data_quality_failure
      - name: steady_predictions
        config:
          meta:
            modelwatch:
              model_id: steady
              owner: credit-risk@lender.example
              business_unit: retail_credit
              timestamp_column: scored_at
              prediction_id_column: prediction_id
              score_column: default_probability
              reference:
                window: {start: "2026-01-05", end: "2026-02-02"}
              data_quality:
                row_count_factor: {warn: 1.5}
              features:
                - {name: income, kind: numeric}
                - {name: region, kind: categorical}
        data_tests:
          - no_data_quality_failure
"""


def _week(week: int, rows: int = WEEK_ROWS) -> pd.DataFrame:
    """Week `week` (0-based from FIRST_MONDAY): the same multiset of values every week."""
    position = np.arange(rows)
    return pd.DataFrame(
        {
            "prediction_id": [f"w{week:02d}-{i:04d}" for i in position],
            "scored_at": FIRST_MONDAY
            + pd.to_timedelta(week * 7, unit="D")
            + pd.to_timedelta(position * 3000, unit="s"),
            "income": 20_000.0 + (position * 37 % WEEK_ROWS) * 250.0,
            "tenure": (position % 60).astype(float),
            "age": 18.0 + (position * 7 % 62),
            "region": np.array(["north", "south", "east", "west"])[position % 4],
            "default_probability": (position * 53 % WEEK_ROWS) / WEEK_ROWS,
        }
    )


def _broken(week: int) -> pd.DataFrame:
    """One fault per column."""
    frame = _week(week)
    frame["income"] = None
    frame.loc[frame.index % 10 < 3, "tenure"] = None
    frame["age"] = frame["age"] * 100.0
    frame.loc[frame.index < 120, "region"] = "atlantis"
    frame.loc[frame.index < 10, "prediction_id"] = frame.loc[10:19, "prediction_id"].to_numpy()
    return frame


def _logs() -> dict[str, pd.DataFrame]:
    reference = [_week(w) for w in range(REFERENCE_WEEKS)]
    loan = pd.concat([*reference, _week(4), _broken(5), _week(6, SMALL_ROWS)], ignore_index=True)
    steady = pd.concat([*reference, _week(4), _week(5), _week(6)], ignore_index=True)
    steady = steady.drop(columns=["tenure", "age"])
    return {"loan_predictions": loan, "steady_predictions": steady}


@dataclass(frozen=True)
class Phase:
    """One build and what it left."""

    result: DbtResult
    quality: pd.DataFrame
    status: pd.DataFrame


def _phase(project: DbtProject, as_of: str) -> Phase:
    result = project.build("--vars", f"{{modelwatch_as_of: '{as_of}'}}")
    assert "Traceback" not in result.output
    assert not [r for r in result.results if r["status"] in ("error", "skipped")], result.output[
        -4000:
    ]
    quality = project.query("select * from fct_batch_quality")
    status = project.query("select model_id, batch_id, dq_status from fct_model_batch_status")
    return Phase(result, quality, status)


@pytest.fixture(scope="module")
def phases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Phase, Phase, DbtProject]:
    project = DbtProject(tmp_path_factory.mktemp("batch_quality") / "project")
    project.write_registry(REGISTRY)
    project.load(_logs())
    first = _phase(project, "2026-02-20")
    project.execute("alter table raw.loan_predictions drop column age")
    project.execute("alter table raw.loan_predictions alter tenure type varchar")
    second = _phase(project, "2026-03-06")
    return first, second, project


def _row(quality: pd.DataFrame, model: str, batch: str, check: str, column: str | None) -> dict:
    match = quality[
        (quality["model_id"] == model)
        & (quality["batch_id"] == batch)
        & (quality["check_name"] == check)
        & (quality["column_name"].isna() if column is None else quality["column_name"] == column)
    ]
    assert len(match) == 1, (model, batch, check, column, match)
    return match.iloc[0].to_dict()


FAULTS = [
    # check, column, crafted batch, observed figure on it
    ("all_null", "income", BROKEN, 1.0),
    ("null_rate_jump", "tenure", BROKEN, 0.3),
    ("out_of_range_share", "age", BROKEN, 1.0),
    ("unseen_share", "region", BROKEN, 0.6),
    ("duplicate_id_share", "prediction_id", BROKEN, 0.05),
    ("row_count_factor", None, SMALL, float(SMALL_ROWS)),
]


@pytest.mark.parametrize(("check", "column", "batch", "observed"), FAULTS)
def test_each_check_fails_on_its_crafted_batch_and_passes_on_the_clean_one(
    phases: tuple[Phase, Phase, DbtProject],
    check: str,
    column: str | None,
    batch: str,
    observed: float,
) -> None:
    quality = phases[0].quality
    failed = _row(quality, "loan_default", batch, check, column)
    assert failed["status"] == "fail"
    assert failed["is_blocking"]
    assert failed["observed_value"] == pytest.approx(observed, abs=1e-12)
    message = failed["message"]
    assert message.startswith(f"{check} fails: model 'loan_default', batch {batch}")
    if column is not None:
        assert f"column '{column}'" in message
    clean = _row(quality, "loan_default", CLEAN, check, column)
    assert clean["status"] == "pass"
    assert not clean["is_blocking"]


def test_usual_volume_is_the_median_of_earlier_batches_or_the_reference_rate(
    phases: tuple[Phase, Phase, DbtProject],
) -> None:
    quality = phases[0].quality
    first = _row(quality, "loan_default", CLEAN, "row_count_factor", None)
    # no earlier batch: 800 reference rows over 4 weekly periods
    assert first["expected_value"] == pytest.approx(WEEK_ROWS)
    assert "reference rows per batch period" in first["message"]
    small = _row(quality, "loan_default", SMALL, "row_count_factor", None)
    assert small["expected_value"] == pytest.approx(WEEK_ROWS)
    assert small["assessed_value"] == pytest.approx(WEEK_ROWS / SMALL_ROWS)
    assert "median of the previous 2 batches" in small["message"]


def test_limits_come_from_the_registry_layers(phases: tuple[Phase, Phase, DbtProject]) -> None:
    quality = phases[0].quality
    steady = _row(quality, "steady", CLEAN, "row_count_factor", None)
    assert (steady["warn_limit"], steady["error_limit"]) == (1.5, 5.0)
    loan = _row(quality, "loan_default", CLEAN, "row_count_factor", None)
    assert (loan["warn_limit"], loan["error_limit"]) == (2.0, 5.0)


def test_a_clean_model_passes_every_check(phases: tuple[Phase, Phase, DbtProject]) -> None:
    first = phases[0]
    steady = first.quality[first.quality["model_id"] == "steady"]
    assert set(steady["status"]) == {"pass"}
    assert set(steady["check_name"]) == {
        "row_count_factor", "null_rate_jump", "all_null", "unseen_share",
        "out_of_range_share", "duplicate_id_share", "schema_change", "freshness_hours_late",
    }  # fmt: skip
    dq = first.status.set_index(["model_id", "batch_id"])["dq_status"]
    assert dq[("steady", CLEAN)] == dq[("steady", SMALL)] == "pass"
    assert dq[("loan_default", CLEAN)] == "pass"
    assert dq[("loan_default", BROKEN)] == dq[("loan_default", SMALL)] == "fail"


def test_the_data_quality_test_fails_for_the_broken_model_only(
    phases: tuple[Phase, Phase, DbtProject],
) -> None:
    result = phases[0].result
    assert result.status("no_data_quality_failure_raw_loan_predictions") == ["fail"]
    assert result.status("no_data_quality_failure_raw_steady_predictions") == ["pass"]
    # its stored failures (after the second build) name model, batch, check and column: the
    # latest batch (the small one, which then lost `age`) and the late batch
    project = phases[2]
    stored = project.query(
        "select * from main_dbt_test__audit.source_no_data_quality_failure_raw_loan_predictions_"
    )
    assert set(stored["model_id"]) == {"loan_default"}
    columns = stored["column_name"].astype(object).where(stored["column_name"].notna(), "")
    assert sorted(zip(stored["batch_id"], stored["check_name"], columns, strict=True)) == [
        (SMALL, "all_null", "age"),
        (SMALL, "all_null", "tenure"),
        (SMALL, "null_rate_jump", "age"),
        (SMALL, "null_rate_jump", "tenure"),
        (SMALL, "row_count_factor", ""),
        (SMALL, "schema_change", "age"),
        (SMALL, "schema_change", "tenure"),
        ("2026-02-23", "freshness_hours_late", "scored_at"),
    ]


def test_freshness_fails_when_the_expected_batch_has_not_arrived(
    phases: tuple[Phase, Phase, DbtProject],
) -> None:
    first, second, _ = phases
    expected = "2026-02-23"  # the batch after the newest, due in full by 2026-03-02
    on_time = _row(first.quality, "loan_default", expected, "freshness_hours_late", "scored_at")
    assert on_time["status"] == "pass"
    assert on_time["observed_value"] == pytest.approx(-10 * 24)
    for model in ("loan_default", "steady"):
        late = _row(second.quality, model, expected, "freshness_hours_late", "scored_at")
        assert late["status"] == "fail"
        assert late["observed_value"] == pytest.approx(4 * 24)
        assert not late["is_blocking"]
        assert f"model '{model}', batch {expected}, column 'scored_at'" in late["message"]
        assert "96.0 hours late" in late["message"]
    # one freshness row per model, never piling up
    freshness = second.quality[second.quality["check_name"] == "freshness_hours_late"]
    assert sorted(freshness["model_id"]) == ["loan_default", "steady"]


def test_a_vanished_or_retyped_column_is_a_schema_change_not_a_broken_run(
    phases: tuple[Phase, Phase, DbtProject],
) -> None:
    first, second, _ = phases
    plain = re.sub(r"\x1b\[[0-9;]*m", "", second.result.output)
    assert "column 'age' is missing in raw.loan_predictions" in plain
    assert "column 'tenure' is retyped in raw.loan_predictions" in plain
    change = _row(second.quality, "loan_default", SMALL, "schema_change", "age")
    assert change["status"] == "fail"
    assert change["is_blocking"]
    assert "missing from the log raw.loan_predictions; read as null" in change["message"]
    retyped = _row(second.quality, "loan_default", SMALL, "schema_change", "tenure")
    assert retyped["status"] == "fail"
    assert "holds character varying" in retyped["message"]
    assert "not a number; read as null" in retyped["message"]
    assert _row(second.quality, "loan_default", SMALL, "all_null", "age")["status"] == "fail"
    # earlier batches keep what they recorded; the other model is monitored as usual
    assert _row(second.quality, "loan_default", CLEAN, "schema_change", "age")["status"] == "pass"
    steady = second.quality[
        (second.quality["model_id"] == "steady")
        & (second.quality["check_name"] != "freshness_hours_late")
    ]
    assert set(steady["status"]) == {"pass"}
    # history is neither lost nor duplicated
    keys = ["model_id", "batch_id", "check_name", "column_name"]
    assert not second.quality.duplicated(keys).any()
    assert len(second.quality) == len(first.quality)
