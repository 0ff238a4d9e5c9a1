"""Thresholds learned from the reference (`auto`, decision 0009), as a spec.

A model whose reference is 20,000 rows over four days sets `psi: {warn: auto, error: auto}`
and `jensen_shannon: {error: auto}` with `learned_thresholds: {chunks: 10, k: 3}`: the
reference is cut in timestamp order into ten chunks of 2,000 rows (the size of its batches),
every chunk is binned on the frozen bins and measured against the whole reference, and the
levels are mean + k sd of the ten values (NannyML's rule; sd with ddof 0).

- The learned levels equal a numpy computation of the same chunks (to 1e-9).
- A stable batch passes; a batch shifted by 0.5 sd fails, both judged on the learned levels.
- A second model's reference is too small for its chunks (600 rows in ten chunks of 60 rows,
  below min_batch_size 100): no level is learned, its batches are insufficient_data with the
  reason, never judged on a threshold learned from noise.
- `auto` on a metric that cannot be learned, and bad `learned_thresholds` settings, are
  registry errors.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject
from scipy.spatial.distance import jensenshannon

REGISTRY_FILE = "models/staging/fixtures/_fixtures__sources.yml"
REFERENCE_DAYS = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
STABLE, SHIFTED = "2026-03-05", "2026-03-06"
CHUNKS, K, WARN_K = 10, 3.0, 2.0
EPSILON = 1e-4


def make_log(reference_rows_per_day: int, batch_rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    days = [(d, reference_rows_per_day) for d in REFERENCE_DAYS]
    for day, n in [*days, (STABLE, batch_rows), (SHIFTED, batch_rows)]:
        shift = 0.5 if day == SHIFTED else 0.0
        frame = pd.DataFrame(
            {
                "score": rng.random(n),
                "x": rng.normal(shift, 1.0, n),
                "c": rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1]),
            }
        )
        if shift:
            frame["c"] = rng.choice(["a", "b", "c", "d"], n, p=[0.2, 0.3, 0.2, 0.3])
        frame.loc[rng.random(n) < 0.02, "x"] = np.nan
        frame["pid"] = [f"{day}-{k:06d}" for k in range(n)]
        frame["ts"] = pd.Timestamp(day) + pd.to_timedelta(
            rng.choice(86_400_000, n, replace=False), unit="ms"
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def model_entry(model_id: str, table: str, settings: str, thresholds: str) -> str:
    return f"""
      - name: {table}
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
              reference: {{window: {{start: "2026-03-01", end: "2026-03-05"}}}}
              learned_thresholds: {settings}
              thresholds: {thresholds}
              features:
                - {{name: x, kind: numeric}}
                - {{name: c, kind: categorical}}"""


GOOD = model_entry(
    "learned_model",
    "learned_log",
    f"{{chunks: {CHUNKS}, k: {K:g}}}",
    "{psi: {warn: auto, error: auto}, jensen_shannon: {error: auto}}",
)
SMALL = model_entry("small_reference_model", "small_log", "{chunks: 10}", "{psi: {error: auto}}")


def registry(*entries: str) -> str:
    return "sources:\n  - name: raw\n    schema: raw\n    tables:" + "".join(entries) + "\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = DbtProject(tmp_path_factory.mktemp("learned") / "project")
    project.load(
        {
            "learned_log": make_log(5_000, 2_000, seed=5),
            "small_log": make_log(150, 2_000, seed=6),
        }
    )
    project.write_registry(registry(GOOD, SMALL))
    result = project.build()
    assert result.returncode == 0, result.output[-3000:]
    return project


@pytest.fixture(scope="module")
def drift(project: DbtProject) -> pd.DataFrame:
    return project.query("select * from fct_feature_drift").set_index(
        ["model_id", "batch_id", "feature_name", "metric_name"]
    )


def numpy_learned(project: DbtProject, feature: str) -> dict[str, tuple[float, float, int]]:
    """The oracle: chunk the reference rows in (timestamp, id) order into CHUNKS equal parts,
    bin each on the frozen bins, measure PSI and JS against the whole reference."""
    log = project.query(
        "select * from raw.learned_log where ts < timestamp '2026-03-05' order by ts, pid"
    )
    bins = project.query(
        "select * from dim_feature_bins where model_id = 'learned_model' "
        f"and feature_name = '{feature}' order by bin_index"
    )
    reference_share = bins["reference_share"].to_numpy()
    n = len(log)
    chunk_of_row = np.floor(np.arange(n) * CHUNKS / n).astype(int)
    values = {"psi": [], "jensen_shannon": []}
    for chunk in range(CHUNKS):
        part = log.loc[chunk_of_row == chunk, feature]
        counts = np.zeros(len(bins))
        for i, b in bins.iterrows():
            if b["bin_type"] == "missing":
                counts[i] = part.isna().sum()
            elif b["bin_type"] == "value":
                lower = -np.inf if pd.isna(b["lower_edge"]) else b["lower_edge"]
                upper = np.inf if pd.isna(b["upper_edge"]) else b["upper_edge"]
                counts[i] = ((part > lower) & (part <= upper)).sum()
            elif b["bin_type"] == "level":
                counts[i] = (part == b["category_value"]).sum()
        share = counts / len(part)
        b_, r_ = np.maximum(share, EPSILON), np.maximum(reference_share, EPSILON)
        values["psi"].append(float(np.sum((b_ - r_) * np.log(b_ / r_))))
        values["jensen_shannon"].append(float(jensenshannon(share, reference_share, base=2)))
    return {m: (float(np.mean(v)), float(np.std(v)), len(v)) for m, v in values.items()}


@pytest.mark.parametrize("feature", ["x", "c"])
def test_learned_levels_equal_numpy_on_the_same_chunks(project: DbtProject, feature: str) -> None:
    learned = project.query(
        "select * from dim_learned_thresholds where model_id = 'learned_model' "
        f"and feature_name = '{feature}'"
    ).set_index("metric_name")
    for metric, (mean, std, count) in numpy_learned(project, feature).items():
        row = learned.loc[metric]
        assert row["chunk_count"] == count == CHUNKS
        assert row["min_chunk_rows"] == row["max_chunk_rows"] == 2_000
        assert row["chunk_mean"] == pytest.approx(mean, rel=1e-9, abs=1e-12)
        assert row["chunk_std"] == pytest.approx(std, rel=1e-9, abs=1e-12)
        assert row["error_upper"] == pytest.approx(mean + K * std, rel=1e-9, abs=1e-12)
        assert row["warn_upper"] == pytest.approx(mean + WARN_K * std, rel=1e-9, abs=1e-12)
        assert row["is_learned"]


def test_the_drift_rows_carry_the_learned_levels(project: DbtProject, drift: pd.DataFrame) -> None:
    learned = project.query(
        "select * from dim_learned_thresholds where model_id = 'learned_model'"
    ).set_index(["feature_name", "metric_name"])
    for feature in ("x", "c"):
        psi = drift.loc[("learned_model", STABLE, feature, "psi")]
        assert psi["error_threshold"] == learned.loc[(feature, "psi"), "error_upper"]
        assert psi["warn_threshold"] == learned.loc[(feature, "psi"), "warn_upper"]
        assert "learned" in psi["threshold_rule"]
        js = drift.loc[("learned_model", STABLE, feature, "jensen_shannon")]
        assert js["error_threshold"] == learned.loc[(feature, "jensen_shannon"), "error_upper"]
        assert js["warn_threshold"] == 0.10  # the packaged warning level stays


def test_a_stable_batch_passes_and_a_shifted_batch_fails(drift: pd.DataFrame) -> None:
    for feature in ("x", "c"):
        for metric in ("psi", "jensen_shannon"):
            assert drift.loc[("learned_model", STABLE, feature, metric), "status"] == "ok"
            assert drift.loc[("learned_model", SHIFTED, feature, metric), "status"] == "alert"


def test_a_reference_too_small_for_its_chunks_learns_nothing(
    project: DbtProject, drift: pd.DataFrame
) -> None:
    learned = project.query(
        "select * from dim_learned_thresholds where model_id = 'small_reference_model'"
    )
    assert len(learned) > 0 and not learned["is_learned"].any()
    assert learned["error_upper"].isna().all()
    assert set(learned["not_learned_reason"]) == {
        "reference chunks of 60 rows, below min_batch_size 100"
    }
    for batch_id in (STABLE, SHIFTED):
        row = drift.loc[("small_reference_model", batch_id, "x", "psi")]
        assert row["status"] == "insufficient_data"
        assert "60 rows, below min_batch_size 100" in row["threshold_rule"]


BAD_SETTINGS = [
    (
        "{chunks: 10}",
        "{ks_pvalue: {error: auto}}",
        ("ks_pvalue.error is 'auto'", "learned only for", "psi"),
    ),
    ("{chunks: 1}", "{psi: {error: auto}}", ("learned_thresholds.chunks is '1'",)),
    ("{chunks: 10, k: 2, warn_k: 3}", "{psi: {error: auto}}", ("warn_k (3) is above k (2)",)),
    ("{chunk: 10}", "{psi: {error: auto}}", ("unknown key 'chunk' in learned_thresholds",)),
]


def test_bad_learned_settings_are_registry_errors(tmp_path: Path) -> None:
    def compile_with(index: int) -> str:
        settings, thresholds, _ = BAD_SETTINGS[index]
        project = DbtProject(tmp_path / f"bad{index}")
        project.write_registry(
            registry(model_entry("learned_model", "learned_log", settings, thresholds))
        )
        result = project.dbt("compile", "--select", "dim_feature_thresholds")
        assert result.returncode != 0
        return " ".join(result.output.split())

    # one compile per case, in parallel: each stops at its first registry error
    with ThreadPoolExecutor(max_workers=2) as pool:
        messages = list(pool.map(compile_with, range(len(BAD_SETTINGS))))
    for (_, _, expected), message in zip(BAD_SETTINGS, messages, strict=True):
        common = (f"modelwatch registry error in {REGISTRY_FILE}", "model 'learned_model'")
        for fragment in (*common, *expected):
            assert fragment in message, message[-2000:]
