"""Drift per segment (registry `segments:`), as a spec: where is the shift?

One log with a region column declared as a segment. The reference is two days; then a stable
day, and a day where x1 moves up by one standard deviation in the south only. The south's x1
is flagged (PSI and the Benjamini-Hochberg-adjusted chi-square p-value), no other segment is;
over the whole batch the shift is diluted. A region too small for min_batch_size is
insufficient_data. Every figure equals numpy/scipy on the same frozen bins.

The incremental path continues a copy of that build: a new day with a region never seen
before, a --full-refresh, then a new reference window and another day.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import test_bad_input as bad_input
from conftest import DbtProject
from scipy import stats
from scipy.spatial.distance import jensenshannon

REGIONS = {"north": 0.3, "south": 0.3, "east": 0.2, "west": 0.19, "island": 0.01}
REFERENCE_END = "2026-03-03"
STABLE, SHIFTED = "2026-03-03", "2026-03-04"
DAYS = [("2026-03-01", 8000), ("2026-03-02", 8000), (STABLE, 8000), (SHIFTED, 8000)]
EPSILON = 1e-4

REGISTRY = f"""
sources:
  - name: raw
    schema: raw
    tables:
      - name: sales_log
        config:
          meta:
            modelwatch:
              model_id: sales_model
              owner: stats
              business_unit: research
              timestamp_column: ts
              batch: {{grain: day}}
              prediction_id_column: pid
              score_column: score
              reference: {{window: {{start: "2026-03-01", end: "{REFERENCE_END}"}}}}
              segments: [region]
              multivariate: {{enabled: false}}
              thresholds:
                chi_square_pvalue: {{warn: 0.01, error: 0.001}}
              features:
                - {{name: x1, kind: numeric}}
                - {{name: x2, kind: numeric}}
                - {{name: channel, kind: categorical}}
"""


def make_log(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for day, n in DAYS:
        region = rng.choice(list(REGIONS), n, p=list(REGIONS.values()))
        x1 = rng.normal(0, 1, n)
        if day == SHIFTED:
            x1 = np.where(region == "south", x1 + 1.0, x1)
        frame = pd.DataFrame(
            {
                "region": region,
                "x1": x1,
                "x2": np.where(rng.random(n) < 0.05, np.nan, rng.exponential(1.0, n)),
                "channel": rng.choice(["web", "app", "branch"], n, p=[0.5, 0.3, 0.2]),
                "score": rng.random(n),
                "pid": [f"{day}-{k}" for k in range(n)],
                "ts": pd.Timestamp(day) + pd.to_timedelta(rng.integers(0, 86400, n), unit="s"),
            }
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, pd.DataFrame]:
    project = DbtProject(tmp_path_factory.mktemp("segments") / "project")
    log = make_log()
    project.load({"sales_log": log})
    project.write_registry(REGISTRY)
    result = project.build()
    assert result.returncode == 0, result.output[-3000:]
    compiled = project.dbt(
        "compile", "--select", "where_is_the_shift", "--vars", "{model_id: sales_model}"
    )
    assert compiled.returncode == 0, compiled.output[-3000:]
    return project, log


@pytest.fixture(scope="module")
def segments(built: tuple[DbtProject, pd.DataFrame]) -> pd.DataFrame:
    project, _ = built
    return project.query("select * from fct_segment_drift")


def levels(segments: pd.DataFrame, batch_id: str) -> pd.DataFrame:
    return (
        segments[segments["batch_id"] == batch_id]
        .set_index(["segment_value", "feature_name", "metric_name"])
        .sort_index()
    )


def test_a_shift_in_one_region_is_flagged_there_and_nowhere_else(
    segments: pd.DataFrame,
) -> None:
    shifted = levels(segments, SHIFTED)
    assert shifted.loc[("south", "x1", "psi"), "status"] == "alert"
    assert shifted.loc[("south", "x1", "chi_square_pvalue"), "status"] == "alert"
    others = shifted.drop(index="south", level="segment_value").drop(index="island", level=0)
    assert len(others) == 3 * 4 * 3  # regions x (3 features and the score) x metrics
    assert (others["severity_level"] == 0).all(), others[others["severity_level"] > 0]
    south = shifted.loc["south"]
    assert (south.drop(index="x1", level="feature_name")["severity_level"] == 0).all()


def test_a_stable_batch_flags_no_segment(segments: pd.DataFrame) -> None:
    stable = levels(segments, STABLE)
    assert set(stable["status"]) == {"ok", "insufficient_data"}


def test_thresholds_are_the_models_and_p_values_are_opt_in(segments: pd.DataFrame) -> None:
    levels_in_force = (
        segments.groupby("metric_name")[["warn_threshold", "error_threshold"]]
        .agg(lambda values: set(values.dropna()))
        .to_dict("index")
    )
    assert levels_in_force == {
        "psi": {"warn_threshold": {0.10}, "error_threshold": {0.25}},  # packaged
        "chi_square_pvalue": {"warn_threshold": {0.01}, "error_threshold": {0.001}},  # model
        "jensen_shannon": {"warn_threshold": set(), "error_threshold": set()},  # not set: off
    }


def test_a_segment_below_min_batch_size_is_insufficient_data(
    segments: pd.DataFrame,
) -> None:
    island = segments[segments["segment_value"] == "island"]
    assert len(island) > 0 and (island["batch_size"] < 100).all()
    assert set(island["status"]) == {"insufficient_data"}


def test_the_whole_batch_dilutes_what_the_segment_shows(
    built: tuple[DbtProject, pd.DataFrame], segments: pd.DataFrame
) -> None:
    project, _ = built
    whole = project.query(
        f"select metric_value from fct_feature_drift where batch_id = '{SHIFTED}' "
        "and feature_name = 'x1' and metric_name = 'psi'"
    )["metric_value"][0]
    south = levels(segments, SHIFTED).loc[("south", "x1", "psi"), "metric_value"]
    assert whole < south / 3


def test_the_analysis_puts_the_south_first(
    built: tuple[DbtProject, pd.DataFrame],
) -> None:
    project, _ = built
    sql = next((project.root / "target" / "compiled").rglob("where_is_the_shift.sql")).read_text()
    located = project.query(sql)
    assert located.iloc[0][["segment_column", "segment_value", "feature_name"]].tolist() == [
        "region",
        "south",
        "x1",
    ]
    assert set(located["segment_value"]) == {"south"}


def bin_counts(values: pd.Series, bins: pd.DataFrame, kind: str) -> np.ndarray:
    counts = np.zeros(len(bins))
    for position, row in enumerate(bins.itertuples()):
        if row.bin_type == "missing":
            inside = values.isna()
        elif kind == "numeric":
            lower = -np.inf if pd.isna(row.lower_edge) else row.lower_edge
            upper = np.inf if pd.isna(row.upper_edge) else row.upper_edge
            inside = (values > lower) & (values <= upper)
        elif row.bin_type == "level":
            inside = values == row.category_value
        else:  # unseen
            levels = set(bins.loc[bins["bin_type"] == "level", "category_value"])
            inside = values.notna() & ~values.isin(levels)
        counts[position] = inside.sum()
    return counts


def test_figures_equal_numpy_and_scipy_on_the_frozen_bins(
    built: tuple[DbtProject, pd.DataFrame], segments: pd.DataFrame
) -> None:
    project, log = built
    bins = project.query("select * from dim_feature_bins").sort_values("bin_index")
    kinds = {
        "x1": "numeric",
        "x2": "numeric",
        "score": "numeric",
        "channel": "categorical",
    }
    day = log["ts"].dt.strftime("%Y-%m-%d")
    reference = log[log["ts"] < pd.Timestamp(REFERENCE_END)]
    batch = log[day == SHIFTED]
    shifted = levels(segments, SHIFTED)
    raw_pvalues = {}
    for region in ["north", "south", "east", "west"]:
        for feature, kind in kinds.items():
            feature_bins = bins[bins["feature_name"] == feature]
            ref = bin_counts(
                reference.loc[reference["region"] == region, feature],
                feature_bins,
                kind,
            )
            new = bin_counts(batch.loc[batch["region"] == region, feature], feature_bins, kind)
            r, b = ref / ref.sum(), new / new.sum()
            psi = np.sum(
                (np.maximum(b, EPSILON) - np.maximum(r, EPSILON))
                * np.log(np.maximum(b, EPSILON) / np.maximum(r, EPSILON))
            )
            figures = shifted.loc[(region, feature)]
            assert figures.loc["psi", "metric_value"] == pytest.approx(psi, rel=1e-9)
            assert figures.loc["jensen_shannon", "metric_value"] == pytest.approx(
                jensenshannon(b, r, base=2), rel=1e-9, abs=1e-12
            )
            keep = (feature_bins["bin_type"] != "missing").to_numpy() & (ref + new > 0)
            table = np.vstack([ref[keep], new[keep]])
            expected = stats.chi2_contingency(table).pvalue if keep.sum() > 1 else 1.0
            pvalue = figures.loc["chi_square_pvalue", "metric_value"]
            assert pvalue == pytest.approx(expected, rel=1e-9, abs=1e-300)
            raw_pvalues[(region, feature)] = pvalue
    keys = sorted(raw_pvalues)
    adjusted = stats.false_discovery_control([raw_pvalues[k] for k in keys], method="bh")
    for key, value in zip(keys, adjusted, strict=True):
        assessed = shifted.loc[(*key, "chi_square_pvalue"), "assessed_value"]
        assert assessed == pytest.approx(value, rel=1e-9, abs=1e-300)


# The incremental path (decision 0004): a copy of the module's build goes on for three more
# runs. Run 2 appends a day holding a region the log never had; run 3 is a --full-refresh of
# the same log; run 4 moves the reference window (a new reference version) and appends a day.
NEW_DAY, LATER_DAY, NEW_REGION = "2026-03-05", "2026-03-06", "atlantis"
NEW_REFERENCE_START = "2026-03-02"
SEGMENT_KEY = ["batch_id", "segment_column", "segment_value", "feature_name", "metric_name"]
RUN_COLUMNS = ["computed_at", "dbt_invocation_id"]


def day_of_log(day: str, seed: int, regions: dict[str, float]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 8000
    return pd.DataFrame(
        {
            "region": rng.choice(list(regions), n, p=list(regions.values())),
            "x1": rng.normal(0, 1, n),
            "x2": np.where(rng.random(n) < 0.05, np.nan, rng.exponential(1.0, n)),
            "channel": rng.choice(["web", "app", "branch"], n, p=[0.5, 0.3, 0.2]),
            "score": rng.random(n),
            "pid": [f"{day}-{k}" for k in range(n)],
            "ts": pd.Timestamp(day) + pd.to_timedelta(rng.integers(0, 86400, n), unit="s"),
        }
    )


def run_segments(project: DbtProject, *args: str) -> None:
    """`dbt run` of what the segment rows and the batch ledger (which batches are pending,
    decision 0004) depend on: the data tests and other marts are not this spec's subject."""
    result = project.dbt("run", "--select", "+fct_segment_drift", "+fct_model_batch_status", *args)
    assert result.returncode == 0, result.output[-3000:]


def append(project: DbtProject, rows: pd.DataFrame) -> None:
    project.load({"arriving": rows})
    project.execute("insert into raw.sales_log by name select * from raw.arriving")


def segment_rows(project: DbtProject) -> pd.DataFrame:
    return (
        project.query("select * from fct_segment_drift")
        .sort_values(SEGMENT_KEY)
        .reset_index(drop=True)
    )


def same_figures(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal but for the run that wrote them (doubles to 1e-12: sums may be re-associated)."""
    pd.testing.assert_frame_equal(
        left.drop(columns=RUN_COLUMNS).reset_index(drop=True),
        right.drop(columns=RUN_COLUMNS).reset_index(drop=True),
        check_exact=False,
        rtol=1e-12,
    )


@pytest.fixture(scope="module")
def runs(
    built: tuple[DbtProject, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, pd.DataFrame]:
    source, log = built
    project = object.__new__(DbtProject)  # a copy of the built project, warehouse included
    project.root = tmp_path_factory.mktemp("segments_incremental") / "project"
    project.db_path = project.root / "warehouse.duckdb"
    shutil.copytree(source.root, project.root)
    frames = {"first": segment_rows(project)}
    frames["first_reference"] = project.query("select * from int_segment_reference_values_counted")

    regions = {**REGIONS, "island": 0.0, "north": 0.26, NEW_REGION: 0.05}
    new_day = day_of_log(NEW_DAY, 11, regions)
    append(project, new_day)
    run_segments(project)
    frames["second"] = segment_rows(project)

    run_segments(project, "--full-refresh")
    frames["full_refresh"] = segment_rows(project)
    frames["before_new_reference"] = project.query(
        "select * from int_segment_reference_values_counted"
    )

    project.write_registry(
        REGISTRY.replace('start: "2026-03-01"', f'start: "{NEW_REFERENCE_START}"')
    )
    append(project, day_of_log(LATER_DAY, 12, REGIONS))
    run_segments(project)
    frames["fourth"] = segment_rows(project)
    frames["reference"] = project.query("select * from int_segment_reference_values_counted")
    frames["log"] = pd.concat([log, new_day], ignore_index=True)
    return frames


def rows_of(frame: pd.DataFrame, *batch_ids: str) -> pd.DataFrame:
    return frame[frame["batch_id"].isin(batch_ids)].reset_index(drop=True)


def test_an_incremental_run_leaves_older_batches_alone(runs: dict[str, pd.DataFrame]) -> None:
    first, second = runs["first"], runs["second"]
    # the stable day is neither recomputed nor duplicated: the very rows of the first run
    pd.testing.assert_frame_equal(rows_of(second, STABLE), rows_of(first, STABLE))
    # the newest stored batch is recomputed (late rows land there), replacing its rows
    recomputed = rows_of(second, SHIFTED)
    same_figures(recomputed, rows_of(first, SHIFTED))
    assert set(recomputed["dbt_invocation_id"]).isdisjoint(first["dbt_invocation_id"])
    assert not second.duplicated(SEGMENT_KEY).any()
    assert set(second["batch_id"]) == {STABLE, SHIFTED, NEW_DAY}


def test_the_new_batch_equals_a_full_refresh(runs: dict[str, pd.DataFrame]) -> None:
    assert (
        len(rows_of(runs["second"], NEW_DAY)) == 5 * 4 * 3
    )  # regions (island none, atlantis new) x features x metrics
    same_figures(runs["second"], runs["full_refresh"])


def test_a_region_first_seen_in_a_later_batch_is_insufficient_data(
    runs: dict[str, pd.DataFrame],
) -> None:
    second = runs["second"]
    assert NEW_REGION not in set(rows_of(second, STABLE, SHIFTED)["segment_value"])
    new = second[second["segment_value"] == NEW_REGION]
    assert len(new) == 4 * 3 and set(new["batch_id"]) == {NEW_DAY}
    assert (new["batch_size"] >= 100).all() and (new["reference_size"] == 0).all()
    assert set(new["status"]) == {"insufficient_data"}
    # not in the Benjamini-Hochberg family: the other segments' p-values are adjusted as if
    # it were not there (4 regions x 4 features)
    assessed = second[
        (second["batch_id"] == NEW_DAY)
        & (second["metric_name"] == "chi_square_pvalue")
        & (second["status"] != "insufficient_data")
    ]
    assert len(assessed) == 4 * 4
    adjusted = stats.false_discovery_control(assessed["metric_value"], method="bh")
    np.testing.assert_allclose(assessed["assessed_value"], adjusted, rtol=1e-9)


def test_a_new_reference_window_starts_a_new_reference_version_for_segments(
    runs: dict[str, pd.DataFrame],
) -> None:
    before, after = runs["before_new_reference"], runs["reference"]
    old_ids = set(before["segmentation_id"])
    assert len(old_ids) == 1 and len(set(after["segmentation_id"])) == 2
    # the old version's reference counts are frozen: not touched by the new one
    kept = after[after["segmentation_id"].isin(old_ids)]
    key = ["reference_id", "segment_column", "segment_value", "feature_name", "numeric_value"]
    pd.testing.assert_frame_equal(
        kept.sort_values([*key, "category_value"]).reset_index(drop=True),
        before.sort_values([*key, "category_value"]).reset_index(drop=True),
    )
    fourth, full_refresh = runs["fourth"], runs["full_refresh"]
    # history keeps its reference version; the new day is judged against the new one
    pd.testing.assert_frame_equal(rows_of(fourth, STABLE), rows_of(full_refresh, STABLE))
    new_ids = set(after["reference_id"]) - set(before["reference_id"])
    assert len(new_ids) == 1
    assert set(rows_of(fourth, LATER_DAY)["reference_id"]) == new_ids
    assert set(rows_of(fourth, STABLE, SHIFTED)["reference_id"]) == set(before["reference_id"])
    # the segment's reference is now the new window's rows of that region only
    log = runs["log"]
    window = log[
        (log["ts"] >= pd.Timestamp(NEW_REFERENCE_START)) & (log["ts"] < pd.Timestamp(REFERENCE_END))
    ]
    south = rows_of(fourth, LATER_DAY).set_index(["segment_value", "feature_name", "metric_name"])
    assert (
        south.loc[("south", "x1", "psi"), "reference_size"] == (window["region"] == "south").sum()
    )


# A bad `segments:` stops the build in the on-run-start check, naming the file, model and fix
# (the same check and message shape as tests/test_bad_input.py; nothing is created).
BAD_SEGMENTS = {
    "not_a_list": (
        "segments: region",
        ("segments must be a non-empty list of column names", "segments: [region"),
    ),
    "listed_twice": ("segments: [region, Region]", ("segments lists column 'Region' twice",)),
    "missing_column": (
        "segments: [regoin]",
        ("column 'regoin' (segment)", "raw.loan_predictions", "Fix the name"),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SEGMENTS))
def test_a_bad_segments_entry_fails_clearly_without_output(tmp_path: Path, case: str) -> None:
    line, expected = BAD_SEGMENTS[case]
    project = DbtProject(tmp_path / "project")
    project.write_registry(
        bad_input._edit(
            bad_input.GOOD_REGISTRY,
            (
                "business_unit: retail_credit\n",
                f"business_unit: retail_credit\n              {line}\n",
            ),
        )
    )
    project.load(bad_input._good_tables())
    result = project.build()
    assert result.returncode != 0
    assert "Traceback" not in result.output
    message = bad_input._error_line(result)
    assert f"model '{bad_input.MODEL_ID}'" in message and bad_input.REGISTRY_FILE in message
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in: {message}"
    assert project.table_names() == set()
