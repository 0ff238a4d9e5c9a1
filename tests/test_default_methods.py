"""The default method table (decision 0008), as a spec.

One monitored log, one build. Its daily batches sit on both sides of each cut-off of the
table: 300 rows (below 500: only the missing-rate change is judged), 700 rows (PSI joins),
5,000 rows (the distance of each class joins: Wasserstein normed for numeric features and
the score, Jensen-Shannon for a three-level categorical, total variation for a binary one)
and 60,000 rows. The batch's size picks the row of the table when fct_feature_drift is
built; a feature's `methods:` list or explicit thresholds replace the table for it.

- p-values are opt-in: a 0.05 sd shift in the 60,000-row batch makes the KS p-value tiny, yet
  nothing alerts by default; the same values under `methods: [wasserstein_normed, ks_pvalue]`
  alert on the p-value (packaged level 0.01).
- A missing-value jump from 1 % to 30 % with unchanged non-null values alerts on
  missing_rate_change (and not on the Wasserstein distance of the values).
- Unknown method names, and a method with no default threshold, are registry errors naming
  the file, model, feature and what to write.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject

REGISTRY_FILE = "models/staging/fixtures/_fixtures__sources.yml"
SIZES = {"2026-03-02": 300, "2026-03-03": 700, "2026-03-04": 5_000, "2026-03-05": 60_000}
SMALL, MID, LARGE, HUGE = SIZES
REFERENCE_ROWS = 20_000
TV = {"psi", "total_variation"}


def make_log(seed: int = 3) -> pd.DataFrame:
    """A reference day, then one batch per day of SIZES. Only two things change: the missing
    share of `m_missing` (1 % -> 30 %) on LARGE, and `tiny_*` (+0.05 sd) on HUGE."""
    rng = np.random.default_rng(seed)
    frames = []
    for day, n in [("2026-03-01", REFERENCE_ROWS), *SIZES.items()]:
        tiny = rng.normal(0.05 if day == HUGE else 0.0, 1.0, n)
        missing = rng.normal(10.0, 2.0, n)
        missing[rng.random(n) < (0.30 if day == LARGE else 0.01)] = np.nan
        frame = pd.DataFrame(
            {
                "score": rng.random(n),
                "x_num": rng.normal(0.0, 1.0, n),
                "x_explicit": rng.normal(0.0, 1.0, n),
                "m_missing": missing,
                "tiny_default": tiny,
                "tiny_opted": tiny,
                "c_multi": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
                "c_binary": rng.choice(["yes", "no"], n, p=[0.6, 0.4]),
            }
        )
        frame["pid"] = [f"{day}-{k}" for k in range(n)]
        frame["ts"] = pd.Timestamp(day) + pd.to_timedelta(rng.integers(0, 86400, n), unit="s")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def registry(features: str | None = None) -> str:
    features = (
        features
        or """\
                - {name: x_num, kind: numeric}
                - {name: m_missing, kind: numeric}
                - {name: tiny_default, kind: numeric}
                - {name: tiny_opted, kind: numeric, methods: [wasserstein_normed, ks_pvalue]}
                - {name: x_explicit, kind: numeric,
                   thresholds: {hellinger: {error: 0.5}, ks_pvalue: {warn: false}}}
                - {name: c_multi, kind: categorical}
                - {name: c_binary, kind: categorical}"""
    )
    return f"""\
sources:
  - name: raw
    schema: raw
    tables:
      - name: scored
        config:
          meta:
            modelwatch:
              model_id: methods_model
              owner: stats
              business_unit: research
              timestamp_column: ts
              batch: {{grain: day}}
              prediction_id_column: pid
              score_column: score
              reference: {{window: {{start: "2026-03-01", end: "2026-03-02"}}}}
              features:
{features}
"""


@pytest.fixture(scope="module")
def drift(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    project = DbtProject(tmp_path_factory.mktemp("methods") / "project")
    project.load({"scored": make_log()})
    project.write_registry(registry())
    result = project.build()
    assert result.returncode == 0, result.output[-3000:]
    return project.query("select * from fct_feature_drift")


def enforced(drift: pd.DataFrame, feature: str, batch_id: str) -> set[str]:
    rows = drift[(drift["feature_name"] == feature) & (drift["batch_id"] == batch_id)]
    return set(rows.loc[rows["is_enforced"], "metric_name"])


def row(drift: pd.DataFrame, feature: str, batch_id: str, metric: str) -> pd.Series:
    rows = drift[
        (drift["feature_name"] == feature)
        & (drift["batch_id"] == batch_id)
        & (drift["metric_name"] == metric)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("batch_id", "numeric", "categorical", "binary"),
    [
        (SMALL, set(), set(), set()),
        (MID, {"psi"}, {"psi"}, {"psi"}),
        (LARGE, {"psi", "wasserstein_normed"}, {"psi", "jensen_shannon"}, TV),
        (HUGE, {"psi", "wasserstein_normed"}, {"psi", "jensen_shannon"}, TV),
    ],
)
def test_the_batch_size_picks_the_row_of_the_default_table(
    drift: pd.DataFrame, batch_id: str, numeric: set, categorical: set, binary: set
) -> None:
    always = {"missing_rate_change"}
    assert enforced(drift, "x_num", batch_id) == always | numeric
    assert enforced(drift, "score", batch_id) == always | numeric
    assert enforced(drift, "c_multi", batch_id) == always | categorical
    assert enforced(drift, "c_binary", batch_id) == always | binary


def test_the_rule_in_force_is_visible_on_every_row(drift: pd.DataFrame) -> None:
    small_psi = row(drift, "x_num", SMALL, "psi")
    assert not small_psi["is_enforced"] and pd.isna(small_psi["error_threshold"])
    assert small_psi["status"] == "ok"
    assert small_psi["threshold_rule"] == "default table: numeric from batch rows 500"
    mid_psi = row(drift, "x_num", MID, "psi")
    assert mid_psi["threshold_rule"] == "default table: numeric, batch rows >= 500"
    assert (mid_psi["warn_threshold"], mid_psi["error_threshold"]) == (0.10, 0.25)
    assert row(drift, "c_binary", LARGE, "total_variation")["feature_class"] == "binary"
    assert row(drift, "c_multi", LARGE, "jensen_shannon")["feature_class"] == "categorical"
    assert row(drift, "score", LARGE, "wasserstein_normed")["feature_class"] == "score"
    assert row(drift, "x_num", LARGE, "psi")["batch_rows"] == SIZES[LARGE]
    missing = row(drift, "x_num", SMALL, "missing_rate_change")
    assert missing["threshold_rule"] == "default table: numeric, every batch"
    ks = row(drift, "x_num", HUGE, "ks_pvalue")
    assert ks["threshold_source"] == "not_in_force" and ks["threshold_rule"] == "not in force"


def test_nothing_stable_reaches_a_level(drift: pd.DataFrame) -> None:
    stable = drift[drift["feature_name"].isin(["x_num", "x_explicit", "score", "c_multi"])]
    assert (stable["severity_level"] == 0).all(), stable[stable["severity_level"] > 0]


def test_a_methods_list_replaces_the_table_for_its_feature(drift: pd.DataFrame) -> None:
    for batch_id in SIZES:
        assert enforced(drift, "tiny_opted", batch_id) == {"wasserstein_normed", "ks_pvalue"}
    rows = drift[(drift["feature_name"] == "tiny_opted") & drift["is_enforced"]]
    assert set(rows["threshold_rule"]) == {"registry methods"}


def test_explicit_thresholds_keep_working_as_before(drift: pd.DataFrame) -> None:
    # a numeric level puts the metric in force at every size; a level set to false only
    # switches that level off (ks_pvalue is not in force by default, so it stays off)
    for batch_id in SIZES:
        hellinger = row(drift, "x_explicit", batch_id, "hellinger")
        assert hellinger["is_enforced"] and hellinger["threshold_rule"] == "registry thresholds"
        assert (hellinger["warn_threshold"], hellinger["error_threshold"]) == (0.10, 0.5)
        assert not row(drift, "x_explicit", batch_id, "ks_pvalue")["is_enforced"]
    assert enforced(drift, "x_explicit", LARGE) == {
        "hellinger",
        "missing_rate_change",
        "psi",
        "wasserstein_normed",
    }


def test_pvalues_are_opt_in_on_a_large_sample_with_a_tiny_effect(drift: pd.DataFrame) -> None:
    default = row(drift, "tiny_default", HUGE, "ks_pvalue")
    opted = row(drift, "tiny_opted", HUGE, "ks_pvalue")
    assert default["metric_value"] < 1e-3  # the test sees the 0.05 sd shift ...
    assert default["status"] == "ok" and not default["is_enforced"]  # ... nobody is alerted
    effect = drift[(drift["feature_name"] == "tiny_default") & (drift["batch_id"] == HUGE)]
    assert (effect["severity_level"] == 0).all()  # the effect sizes stay under their levels
    assert row(drift, "tiny_default", HUGE, "wasserstein_normed")["metric_value"] < 0.1
    assert opted["metric_value"] == default["metric_value"]
    assert opted["status"] == "alert" and opted["error_threshold"] == 0.01


def test_a_missing_rate_jump_alerts_even_when_the_values_look_the_same(
    drift: pd.DataFrame,
) -> None:
    jump = row(drift, "m_missing", LARGE, "missing_rate_change")
    assert jump["metric_value"] == pytest.approx(0.29, abs=0.02)
    assert jump["status"] == "alert"
    assert row(drift, "m_missing", LARGE, "wasserstein_normed")["status"] == "ok"
    for batch_id in (SMALL, MID, HUGE):
        assert row(drift, "m_missing", batch_id, "missing_rate_change")["status"] == "ok"


BAD_METHODS = [
    (
        "{name: x_num, kind: numeric, methods: [psi, wasserstain]}",
        ("feature 'x_num'", "unknown method 'wasserstain'", "allowed names:", "psi"),
    ),
    (
        "{name: x_num, kind: numeric, methods: [jensen_shannon, chi_square_pvalue]}",
        ("feature 'x_num'", "'chi_square_pvalue' does not apply to a numeric feature"),
    ),
    (
        "{name: x_num, kind: numeric, methods: [wasserstein]}",
        ("feature 'x_num'", "'wasserstein' has no default threshold", "thresholds: {"),
    ),
]


def test_bad_methods_are_registry_errors(tmp_path: Path) -> None:
    def compile_with(index: int) -> str:
        project = DbtProject(tmp_path / f"bad{index}")
        project.write_registry(registry(f"                - {BAD_METHODS[index][0]}"))
        result = project.dbt("compile", "--select", "dim_feature_thresholds")
        assert result.returncode != 0
        return " ".join(result.output.split())

    # one compile per case, in parallel: each stops at its first registry error
    with ThreadPoolExecutor(max_workers=len(BAD_METHODS)) as pool:
        messages = list(pool.map(compile_with, range(len(BAD_METHODS))))
    for (_, expected), message in zip(BAD_METHODS, messages, strict=True):
        common = (f"modelwatch registry error in {REGISTRY_FILE}", "model 'methods_model'")
        for fragment in (*common, *expected):
            assert fragment in message, message[-2000:]
