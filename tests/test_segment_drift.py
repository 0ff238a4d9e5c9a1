"""Drift per segment (registry `segments:`), as a spec: where is the shift?

One log with a region column declared as a segment. The reference is two days; then a stable
day, and a day where x1 moves up by one standard deviation in the south only. The south's x1
is flagged (PSI and the Benjamini-Hochberg-adjusted chi-square p-value), no other segment is;
over the whole batch the shift is diluted. A region too small for min_batch_size is
insufficient_data. Every figure equals numpy/scipy on the same frozen bins.
"""

from __future__ import annotations

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
