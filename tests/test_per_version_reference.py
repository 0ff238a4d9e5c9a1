"""Per-version references (registry `references:`, decision 0015), as a spec.

A scoring model logs its version. v1 is monitored against a window of its own log for four
weeks. Then v2 takes over in the middle of a week (v1 served Monday and Tuesday, v2 from
Wednesday), and the registry gives v2 its own reference: its validation sample, whose input
mix and scores differ from v1's. One project, built twice:

1. v1 only, no `references:` key: four weekly batches, every one ok.
2. three more weeks in the log, `references: [{model_version: v2, source: …}]` added.

Then: the switching week is two batches, one per version; each v2 batch is compared with
v2's own frozen bins and is ok, while the same rows binned on v1's bins would alert (PSI
and Wasserstein / sigma well past their error levels, computed with numpy); v1's batches
kept their reference_id and every figure; fct_model_batch_status shows the version and the
reference of each batch. A bad `references:` entry stops the run naming file, model,
version and fix.

Every week is a stratified sample (quantiles of the distribution in a shuffled order), so
a batch matches its version's reference up to sampling on a grid, and the test is exact.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject
from scipy import stats

MODEL_ID = "lead_scorer"
REGISTRY_FILE = "models/staging/fixtures/_fixtures__sources.yml"
WEEK_ROWS = 490  # 70 a day
EPSILON = 1e-4
CHANNELS = ["web", "app", "store"]

# (distribution of x, of the score, channel shares) per version
V1 = {"x_mean": 0.0, "score": (2.0, 5.0), "channels": [0.5, 0.3, 0.2]}
V2 = {"x_mean": 0.8, "score": (5.0, 2.0), "channels": [0.3, 0.5, 0.2]}

V1_WEEKS = ["2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"]
SWITCH_WEEK = "2026-03-02"  # v1 on Monday and Tuesday, v2 from Wednesday
V2_WEEKS = ["2026-03-09", "2026-03-16"]

REGISTRY = """
sources:
  - name: raw
    schema: raw
    tables:
      - name: lead_scores
        config:
          meta:
            modelwatch:
              model_id: lead_scorer
              owner: growth-ml@example.com
              business_unit: growth
              timestamp_column: scored_at
              prediction_id_column: lead_id
              model_version_column: model_version
              score_column: score
              min_batch_size: 100
              thresholds: {psi: {warn: 0.1, error: 0.25}}
              learned_thresholds: {chunks: 4}
              segments: [channel]
              reference:
                window: {start: "2026-01-05", end: "2026-02-02"}
              features:
                - {name: x, kind: numeric}
                - {name: y, kind: numeric}
                - {name: channel, kind: categorical}
      - name: lead_scorer_v2_validation
"""
REFERENCE_ANCHOR = '                window: {start: "2026-01-05", end: "2026-02-02"}\n'


def references(*items: str) -> str:
    return "              references:\n" + "".join(f"                - {i}\n" for i in items)


def registry(references_yaml: str = "") -> str:
    return REGISTRY.replace(REFERENCE_ANCHOR, REFERENCE_ANCHOR + references_yaml)


V2_REFERENCE = references("{model_version: v2, source: raw.lead_scorer_v2_validation}")


def stratified(version: dict, n: int, seed: int) -> pd.DataFrame:
    """n rows of a version's distribution, on the quantile grid (i + 0.5) / n, shuffled."""
    rng = np.random.default_rng(seed)
    grid = (np.arange(n) + 0.5) / n
    channel_edges = np.cumsum(version["channels"])
    return pd.DataFrame(
        {
            "x": version["x_mean"] + stats.norm.ppf(rng.permutation(grid)),
            "y": stats.norm.ppf(rng.permutation(grid)),
            "channel": np.array(CHANNELS)[np.searchsorted(channel_edges, rng.permutation(grid))],
            "score": stats.beta.ppf(rng.permutation(grid), *version["score"]),
        }
    )


def logged(version: dict, name: str, start: str, days: int, seed: int) -> pd.DataFrame:
    """70 predictions a day of `version` for `days` days from `start`, evenly spread."""
    n = 70 * days
    frame = stratified(version, n, seed)
    seconds = np.arange(n) * 86400 * days // n
    frame["scored_at"] = (pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")).astype(
        "datetime64[us]"
    )
    frame["model_version"] = name
    frame["lead_id"] = [f"{name}-{start}-{k}" for k in range(n)]
    return frame


def log_until_switch() -> pd.DataFrame:
    """v1's reference window (four weeks) and its four monitored weeks."""
    weeks = ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", *V1_WEEKS]
    return pd.concat([logged(V1, "v1", w, 7, i) for i, w in enumerate(weeks)], ignore_index=True)


def log_after_switch() -> pd.DataFrame:
    return pd.concat(
        [
            logged(V1, "v1", SWITCH_WEEK, 2, 20),
            logged(V2, "v2", "2026-03-04", 5, 21),
            *[logged(V2, "v2", w, 7, 22 + i) for i, w in enumerate(V2_WEEKS)],
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict:
    project = DbtProject(tmp_path_factory.mktemp("versions") / "project")
    before = log_until_switch()
    validation = stratified(V2, 2000, 99)
    project.load({"lead_scores": before, "lead_scorer_v2_validation": validation})
    project.write_registry(registry())
    first = project.build()
    assert first.returncode == 0, first.output[-3000:]
    snapshot = {
        "drift": project.query("select * from fct_feature_drift"),
        "status": project.query("select * from fct_model_batch_status"),
        "bins": project.query("select * from dim_feature_bins"),
    }

    after = log_after_switch()
    project.load({"lead_scores": pd.concat([before, after], ignore_index=True)})
    project.write_registry(registry(V2_REFERENCE))
    second = project.build()
    assert second.returncode == 0, second.output[-3000:]
    return {
        "project": project,
        "first": snapshot,
        "log": pd.concat([before, after], ignore_index=True),
        "validation": validation,
        "drift": project.query("select * from fct_feature_drift"),
        "status": project.query("select * from fct_model_batch_status").set_index("batch_id"),
        "bins": project.query("select * from dim_feature_bins"),
        "models": project.query("select * from dim_monitored_models"),
        "frozen": {
            table: project.query(f"select distinct reference_id from {table}")["reference_id"]
            for table in [
                "int_reference_moments_computed",
                "int_reference_ranges_computed",
                "int_reference_chunk_metrics_computed",
                "dim_learned_thresholds",
                "int_segment_reference_values_counted",
                "int_reference_embeddings_averaged",
            ]
        },
        "segments": project.query("select * from fct_segment_drift"),
    }


def version_reference_id(steps: dict) -> str:
    (item,) = json.loads(steps["models"]["version_references"].iloc[0])
    assert item["model_version"] == "v2"
    return item["reference_id"]


def bins_of(steps: dict, reference_id: str, feature: str) -> pd.DataFrame:
    bins = steps["bins"]
    chosen = bins[(bins["reference_id"] == reference_id) & (bins["feature_name"] == feature)]
    return chosen.sort_values("bin_index")


def psi_on_bins(values: pd.Series, bins: pd.DataFrame) -> float:
    """numpy PSI of `values` on frozen numeric bins: (lower, upper], open ends, missing bin 0."""
    shares = []
    for row in bins.itertuples():
        if row.bin_type == "missing":
            inside = values.isna()
        else:
            inside = values.notna()
            if pd.notna(row.lower_edge):
                inside &= values > row.lower_edge
            if pd.notna(row.upper_edge):
                inside &= values <= row.upper_edge
        shares.append(inside.mean())
    batch = np.maximum(np.array(shares), EPSILON)
    reference = np.maximum(bins["reference_share"].to_numpy(dtype=float), EPSILON)
    return float(np.sum((batch - reference) * np.log(batch / reference)))


def rows_of(steps: dict, version: str, start: str, days: int) -> pd.DataFrame:
    log = steps["log"]
    begin = pd.Timestamp(start)
    inside = (log["scored_at"] >= begin) & (log["scored_at"] < begin + pd.Timedelta(days=days))
    return log[inside & (log["model_version"] == version)]


def metric(steps: dict, batch_id: str, feature: str, name: str) -> pd.Series:
    drift = steps["drift"]
    (row,) = drift[
        (drift["batch_id"] == batch_id)
        & (drift["feature_name"] == feature)
        & (drift["metric_name"] == name)
    ].itertuples()
    return row


def test_the_switching_week_is_one_batch_per_version(steps: dict) -> None:
    status = steps["status"]
    assert sorted(status.index) == sorted(
        [*V1_WEEKS, SWITCH_WEEK, f"{SWITCH_WEEK}@v2"] + [f"{w}@v2" for w in V2_WEEKS]
    )
    assert status.loc[SWITCH_WEEK, "model_version"] == "v1"
    assert status.loc[SWITCH_WEEK, "batch_rows"] == 140  # Monday and Tuesday
    assert status.loc[f"{SWITCH_WEEK}@v2", "model_version"] == "v2"
    assert status.loc[f"{SWITCH_WEEK}@v2", "batch_rows"] == 350  # Wednesday to Sunday
    assert (status["model_version_count"] == 1).all()


def test_analysts_see_each_batchs_version_and_reference(steps: dict) -> None:
    status = steps["status"]
    default_reference = steps["models"]["reference_id"].iloc[0]
    v2_reference = version_reference_id(steps)
    assert v2_reference != default_reference
    for batch_id, row in status.iterrows():
        expected = v2_reference if batch_id.endswith("@v2") else default_reference
        assert (row["model_version"], row["reference_id"]) == (
            "v2" if batch_id.endswith("@v2") else "v1",
            expected,
        ), batch_id
    # and every drift figure of a batch carries the batch's reference
    drift = steps["drift"].merge(
        status[["reference_id"]].rename(columns={"reference_id": "batch_reference"}),
        left_on="batch_id",
        right_index=True,
    )
    assert (drift["reference_id"] == drift["batch_reference"]).all()


def test_v2_batches_are_ok_against_their_own_reference(steps: dict) -> None:
    status = steps["status"]
    for batch_id in [f"{SWITCH_WEEK}@v2"] + [f"{w}@v2" for w in V2_WEEKS]:
        assert status.loc[batch_id, "batch_status"] == "ok", batch_id
        assert status.loc[batch_id, "features_warning"] == 0
    # v1's part of the switching week is ok against v1's reference
    assert status.loc[SWITCH_WEEK, "batch_status"] == "ok"


def test_v2_batches_would_alert_against_v1s_reference(steps: dict) -> None:
    """The same rows, binned on v1's frozen bins by numpy: far past the error level."""
    v1_reference = steps["models"]["reference_id"].iloc[0]
    v2_reference = version_reference_id(steps)
    rows = rows_of(steps, "v2", "2026-03-09", 7)
    for feature in ["x", "score"]:
        own = psi_on_bins(rows[feature], bins_of(steps, v2_reference, feature))
        stored = metric(steps, "2026-03-09@v2", feature, "psi")
        assert stored.metric_value == pytest.approx(own, abs=1e-9)
        assert stored.status == "ok"
        against_v1 = psi_on_bins(rows[feature], bins_of(steps, v1_reference, feature))
        assert against_v1 > 0.5 > stored.error_threshold, (feature, against_v1)
    # Wasserstein / sigma of v1's reference: v2's x is 0.8 sd higher (error at 0.2)
    v1_x = rows_of(steps, "v1", "2026-01-05", 28)["x"]
    against_v1 = stats.wasserstein_distance(rows["x"], v1_x) / v1_x.std(ddof=0)
    assert against_v1 == pytest.approx(0.8, abs=0.01)
    stored = metric(steps, "2026-03-09@v2", "x", "wasserstein_normed")
    validation = steps["validation"]["x"]
    own = stats.wasserstein_distance(rows["x"], validation) / validation.std(ddof=0)
    assert stored.metric_value == pytest.approx(own, abs=1e-9)
    assert stored.metric_value < 0.05


def test_every_frozen_reference_table_holds_each_versions_own(steps: dict) -> None:
    """Moments, ranges, learned-threshold chunks, segment and multivariate references."""
    both = {steps["models"]["reference_id"].iloc[0], version_reference_id(steps)}
    for table, reference_ids in steps["frozen"].items():
        assert set(reference_ids) == both, table
    # the v2 batches' segment and multivariate figures are against v2's reference
    segments = steps["segments"]
    v2_segments = segments[segments["batch_id"].str.endswith("@v2")]
    assert set(v2_segments["reference_id"]) == {version_reference_id(steps)}
    assert set(v2_segments["segment_value"]) == set(CHANNELS)
    mmd = metric(steps, "2026-03-09@v2", "_multivariate", "mmd_pvalue")
    assert (mmd.reference_id, mmd.status) == (version_reference_id(steps), "ok")


def test_v1_history_keeps_its_reference_and_figures(steps: dict) -> None:
    key = ["batch_id", "feature_name", "metric_name"]
    first = steps["first"]["drift"].set_index(key).sort_index()
    now = steps["drift"].set_index(key).loc[first.index]
    assert (now["reference_id"] == first["reference_id"]).all()
    pd.testing.assert_series_equal(now["metric_value"], first["metric_value"])
    pd.testing.assert_series_equal(now["status"], first["status"])
    # batches before the newest stored one are not recomputed at all
    before = steps["first"]["status"].set_index("batch_id")
    for batch_id in V1_WEEKS[:-1]:
        assert steps["status"].loc[batch_id, "computed_at"] == before.loc[batch_id, "computed_at"]
    # v1's frozen bins are untouched; v2's are added beside them
    v1_bins = steps["bins"][steps["bins"]["reference_id"].isin(first["reference_id"])]
    pd.testing.assert_frame_equal(
        v1_bins.sort_values(["feature_name", "bin_index"]).reset_index(drop=True),
        steps["first"]["bins"].sort_values(["feature_name", "bin_index"]).reset_index(drop=True),
    )
    assert steps["bins"]["reference_id"].nunique() == 2


@pytest.mark.parametrize(
    ("references_yaml", "expected"),
    [
        (
            references(
                "{model_version: v2, source: raw.lead_scorer_v2_validation}",
                "{model_version: v2, window: {start: '2026-03-04', end: '2026-03-09'}}",
            ),
            ["model_version 'v2' is listed twice"],
        ),
        (
            references("{model_version: v3, window: {start: '2026-03-04', end: '2026-03-09'}}"),
            [
                "references: model_version 'v3'",
                "holds no rows of that version in raw.lead_scores",
                "the log has no row of that version",
                "Move the window",
            ],
        ),
        (
            references("{model_version: v2, window: {start: '2026-02-02', end: '2026-02-09'}}"),
            [
                "references: model_version 'v2'",
                "its predictions run from 2026-03-04",
            ],
        ),
    ],
    ids=["duplicate_version", "version_never_logged", "window_before_the_version"],
)
def test_a_bad_references_entry_fails_naming_file_model_and_version(
    steps: dict, references_yaml: str, expected: list[str]
) -> None:
    project = steps["project"]
    project.write_registry(registry(references_yaml))
    try:
        result = project.dbt("run-operation", "validate_registry")
    finally:
        project.write_registry(registry(V2_REFERENCE))
    assert result.returncode != 0
    assert f"modelwatch registry error in {REGISTRY_FILE}, model '{MODEL_ID}'" in result.output
    for fragment in expected:
        assert fragment in result.output, result.output[-2000:]


def test_references_need_the_model_version_column(steps: dict) -> None:
    project = steps["project"]
    project.write_registry(
        registry(V2_REFERENCE).replace("              model_version_column: model_version\n", "")
    )
    try:
        result = project.dbt("run-operation", "validate_registry")
    finally:
        project.write_registry(registry(V2_REFERENCE))
    assert result.returncode != 0
    assert "has no model_version_column" in result.output
