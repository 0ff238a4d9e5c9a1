"""Multiple-testing control across the features of one model and batch, as a spec.

Two copies of the same log are monitored, one with Bonferroni and one with
Benjamini-Hochberg; a third with no correction. The adjusted p-values equal scipy's, and the
alert level follows the adjusted value, not the raw one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject
from scipy.stats import false_discovery_control

FEATURES = [f"x{i}" for i in range(8)]
METHODS = {"plain_model": "none", "bonf_model": "bonferroni", "bh_model": "benjamini_hochberg"}


def make_log(seed: int = 11) -> pd.DataFrame:
    """A reference day and two batch days; a few features shift a little in the batches."""
    rng = np.random.default_rng(seed)
    frames = []
    for day, n in (("2026-03-01", 3000), ("2026-03-02", 800), ("2026-03-03", 800)):
        shifted = day != "2026-03-01"
        frame = pd.DataFrame(
            {
                f"x{i}": rng.normal(0.03 * i if shifted and i >= 5 else 0.0, 1.0, n)
                for i in range(len(FEATURES))
            }
        )
        frame["score"] = rng.random(n)
        frame["pid"] = [f"{day}-{k}" for k in range(n)]
        frame["ts"] = pd.Timestamp(day) + pd.to_timedelta(rng.integers(0, 86400, n), unit="s")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def registry() -> str:
    tables = []
    for model_id, method in METHODS.items():
        features = "\n".join(f"                - {{name: {f}, kind: numeric}}" for f in FEATURES)
        tables.append(
            f"""
      - name: {model_id}_log
        config:
          meta:
            modelwatch:
              model_id: {model_id}
              owner: stats
              business_unit: research
              timestamp_column: ts
              batch: {{grain: day}}
              prediction_id_column: pid
              score_column: score
              multiple_testing: {method}
              reference: {{window: {{start: "2026-03-01", end: "2026-03-02"}}}}
              thresholds:
                ks_pvalue: {{warn: 0.05, error: 0.01}}
              features:
{features}"""
        )
    return "sources:\n  - name: raw\n    schema: raw\n    tables:" + "".join(tables) + "\n"


@pytest.fixture(scope="module")
def drift(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    project = DbtProject(tmp_path_factory.mktemp("mt") / "project")
    log = make_log()
    project.load({f"{model_id}_log": log for model_id in METHODS})
    project.write_registry(registry())
    result = project.build()
    assert result.returncode == 0, result.output
    return project.query("select * from fct_feature_drift where metric_name = 'ks_pvalue'")


@pytest.mark.parametrize("batch_id", ["2026-03-02", "2026-03-03"])
def test_adjusted_pvalues_equal_scipy(drift: pd.DataFrame, batch_id: str) -> None:
    plain = drift[(drift["model_id"] == "plain_model") & (drift["batch_id"] == batch_id)]
    raw = plain.set_index("feature_name")["metric_value"].sort_index()
    assert len(raw) == len(FEATURES) + 1  # the features and the score
    expected = {
        "bonf_model": np.minimum(1.0, raw.to_numpy() * len(raw)),
        "bh_model": false_discovery_control(raw.to_numpy(), method="bh"),
        "plain_model": raw.to_numpy(),
    }
    for model_id, values in expected.items():
        rows = drift[(drift["model_id"] == model_id) & (drift["batch_id"] == batch_id)]
        adjusted = rows.set_index("feature_name")["assessed_value"].sort_index()
        assert np.max(np.abs(adjusted.to_numpy() - values)) < 1e-12, model_id
        raw_again = rows.set_index("feature_name")["metric_value"].sort_index()
        assert np.max(np.abs(raw_again.to_numpy() - raw.to_numpy())) < 1e-15


def test_the_alert_level_follows_the_adjusted_pvalue(drift: pd.DataFrame) -> None:
    def level(model_id: str) -> pd.Series:
        rows = drift[drift["model_id"] == model_id]
        return rows.set_index(["batch_id", "feature_name"])["severity_level"].sort_index()

    plain, bonferroni, bh = level("plain_model"), level("bonf_model"), level("bh_model")
    # corrections only ever lower the level, Bonferroni at least as much as BH
    assert (bonferroni <= bh).all() and (bh <= plain).all()
    assert (bonferroni < plain).any(), "the fixture has a feature only the raw p-value flags"


def test_the_adjustment_is_recorded(drift: pd.DataFrame) -> None:
    recorded = drift.groupby("model_id")["pvalue_adjustment"].unique()
    assert list(recorded["bh_model"]) == ["benjamini_hochberg"]
    assert list(recorded["bonf_model"]) == ["bonferroni"]
    assert list(recorded["plain_model"]) == ["none"]
