"""Smoke tests for scripts/drift_study.py at a tiny scale: the generator injects each shift as
described, the counting reads fct_feature_drift as documented, and one small dbt build
catches a gross shift. The figures themselves come from `make study` (docs/drift-study.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import drift_study
from drift_study import SHIFTS, SHIFTS_BY_KEY, Batch, detections, false_alarms, generate, plan

ROWS = 20_000


@pytest.fixture(scope="module")
def generated() -> tuple[pd.DataFrame, pd.DataFrame]:
    batches = [Batch("stable", ROWS)] + [Batch(shift.key, ROWS, shift) for shift in SHIFTS]
    return generate(batches, ROWS)


def _batch(log: pd.DataFrame, batch_id: str) -> pd.DataFrame:
    return log[log["batch_id"] == batch_id]


def test_the_model_has_twenty_features_and_a_score(generated):
    reference, log = generated
    features = drift_study.NUMERIC + list(drift_study.CATEGORICAL)
    assert len(features) == 20
    assert list(reference.columns) == list(log.columns)
    assert set(features + [drift_study.SCORE]) <= set(log.columns)
    assert log["prediction_id"].is_unique
    assert not set(reference["prediction_id"]) & set(log["prediction_id"])
    assert reference["counts"].dtype == "int64" and reference["counts"].nunique() < 20
    assert reference["binary"].nunique() == 2
    assert reference["with_nulls"].isna().mean() == pytest.approx(0.01, abs=0.003)


def test_each_shift_changes_its_target_as_described(generated):
    reference, log = generated
    stable = _batch(log, "stable")
    shifted = {shift.key: _batch(log, shift.key) for shift in SHIFTS}
    sd = reference["normal"].std()
    assert shifted["location_0.1sd"]["normal"].mean() - stable["normal"].mean() == pytest.approx(
        0.1 * sd, abs=0.03 * sd
    )
    assert shifted["location_0.5sd"]["normal"].mean() - stable["normal"].mean() == pytest.approx(
        0.5 * sd, abs=0.03 * sd
    )
    assert shifted["scale_1.5"]["normal"].std() / sd == pytest.approx(1.5, abs=0.03)
    p99 = reference["lognormal"].quantile(0.99)
    beyond = (shifted["tail_5pct"]["lognormal"] > p99).mean()
    assert beyond == pytest.approx(0.05 + 0.95 * 0.01, abs=0.005)
    assert (shifted["mix_5_levels"]["level_5"] == "e").mean() == pytest.approx(0.20, abs=0.01)
    assert (shifted["mix_binary"]["binary"] == "yes").mean() == pytest.approx(0.20, abs=0.01)
    assert shifted["missing_30pct"]["with_nulls"].isna().mean() == pytest.approx(0.30, abs=0.01)
    flipped = shifted["correlation_flip"]
    assert stable["correlated_a"].corr(stable["correlated_b"]) == pytest.approx(0.8, abs=0.02)
    assert flipped["correlated_a"].corr(flipped["correlated_b"]) == pytest.approx(-0.8, abs=0.02)
    # the marginals stay those of the reference
    for column in ("correlated_a", "correlated_b"):
        assert flipped[column].mean() == pytest.approx(0.0, abs=0.03)
        assert flipped[column].std() == pytest.approx(1.0, abs=0.03)


def test_every_other_column_keeps_the_reference_distribution(generated):
    _, log = generated
    stable = _batch(log, "stable")
    shifted = _batch(log, "location_0.5sd")
    for column in ("lognormal", "counts", "ratio", "uniform", drift_study.SCORE):
        assert shifted[column].mean() == pytest.approx(stable[column].mean(), rel=0.05)


def test_the_same_seed_gives_the_same_rows():
    batches = plan(2, 100, [50], [SHIFTS_BY_KEY["tail_5pct"]])
    first, second = generate(batches, 200), generate(batches, 200)
    pd.testing.assert_frame_equal(first[1], second[1])
    assert not np.allclose(_batch(first[1], "stable_01")["normal"], first[0]["normal"][:100])


def _row(batch, feature, metric, value, status, direction="above", warn=0.1, error=0.25):
    return {
        "batch_id": batch,
        "feature_name": feature,
        "metric_name": metric,
        "metric_value": value,
        "threshold_direction": direction,
        "warn_threshold": warn,
        "error_threshold": error,
        "status": status,
        "is_column": feature != "(model)",
    }


def test_counting_reads_levels_and_pvalues_from_the_drift_table():
    shift = SHIFTS_BY_KEY["location_0.5sd"]
    batches = [Batch("s1", 10), Batch("s2", 10), Batch("x", 10, shift)]
    p = {"direction": "below", "warn": 0.01, "error": None}
    drift = pd.DataFrame(
        [
            _row("s1", "normal", "psi", 0.02, "ok"),
            _row("s2", "normal", "psi", 0.30, "alert"),
            _row("s1", "ratio", "psi", 0.12, "warn"),
            _row("s1", "normal", "ks_pvalue", 0.005, "warn", **p),
            _row("s2", "normal", "ks_pvalue", 0.5, "ok", **p),
            _row("s2", "ratio", "ks_pvalue", None, "insufficient_data", **p),
            _row("s1", "(model)", "mmd", 0.01, "ok", warn=None, error=None),
            _row("s1", "normal", "jensen_shannon", 0.01, "ok"),
            _row("s1", "level_5", "jensen_shannon", 0.01, "ok", warn=None, error=None),
            _row("x", "normal", "psi", 0.15, "warn"),
            _row("x", "ratio", "psi", 0.9, "alert"),  # not the shifted feature
            _row("x", "normal", "ks_pvalue", 0.001, "warn", **p),
            _row("x", "(model)", "mmd", 0.2, "ok", warn=None, error=None),
        ]
    )
    alarms = {row.metric: row for row in false_alarms(drift, ["s1", "s2"])}
    assert [row.metric for row in alarms.values()] == [
        "jensen_shannon",
        "mmd",
        "psi",
        "ks_pvalue",
    ]
    assert alarms["jensen_shannon"].warn_threshold == "0.1 on 1 of 2 columns"
    assert (alarms["psi"].cells, alarms["psi"].warn, alarms["psi"].error) == (3, 1, 1)
    assert (alarms["psi"].warn_threshold, alarms["psi"].error_threshold) == ("0.1", "0.25")
    assert alarms["ks_pvalue"].below_alpha == 1 and alarms["ks_pvalue"].insufficient == 1
    assert alarms["ks_pvalue"].error_threshold == "off"
    assert alarms["psi"].below_alpha is None and alarms["mmd"].error_threshold == "off"

    found = {item.metric: item for item in detections(drift, batches)}
    assert found["psi"].level == "warn" and found["psi"].value == 0.15
    assert found["ks_pvalue"].below_alpha is True
    assert found["mmd"].value == 0.2  # a model-level row counts for every shift
    assert drift_study.detection_table(list(found.values()), [shift])[2:] == [
        "| jensen_shannon | – |",
        "| mmd | · |",
        "| psi | W |",
        "| ks_pvalue | W |",
    ]


def test_a_tiny_study_through_dbt_catches_a_gross_shift(tmp_path):
    args = drift_study.parse_args(
        [
            "--stable-batches=2",
            "--stable-rows=1000",
            "--reference-rows=3000",
            "--sizes=2000",
            "--shifts=location_0.5sd,missing_30pct",
        ]
    )
    result = drift_study.run_study(args, tmp_path / "project", log=lambda _: None)
    assert [batch.batch_id for batch in result.batches] == [
        "stable_01",
        "stable_02",
        "shift_location_0.5sd_n2000",
        "shift_missing_30pct_n2000",
    ]
    alarms = {row.metric: row for row in result.alarms}
    assert {"psi", "ks_pvalue", "chi_square_pvalue"} <= set(alarms)
    # 2 batches x 21 columns (20 features and the score) for a metric of every kind
    assert alarms["psi"].cells == 42
    assert alarms["ks_pvalue"].cells == 2 * 13 and alarms["ks_pvalue"].below_alpha is not None
    found = {(item.metric, item.scenario): item for item in result.found}
    assert found[("psi", "missing_30pct")].level == "alert"
    assert found[("missing_rate_change", "missing_30pct")].value == pytest.approx(0.29, abs=0.04)
    assert found[("ks_pvalue", "location_0.5sd")].below_alpha is True
    assert found[("chi_square_pvalue", "location_0.5sd")].level == "n/a"
    # the multivariate check's row names no column: it counts for every shift
    assert found[("mmd", "location_0.5sd")].level != "n/a"
    assert found[("mmd", "location_0.5sd")].value is not None
    text = "\n".join(result.markdown)
    assert "### False alarms: 2 stable batches of 1,000 rows" in text
    assert "| psi |" in text and "missing 1 % -> 30 %" in text
