"""Thresholds learned from the reference (`auto`, decision 0009), as a spec.

A model whose reference is 20,000 rows over four days sets `psi: {warn: auto, error: auto}`
and `jensen_shannon: {error: auto}` with `learned_thresholds: {chunks: 10, k: 3}`: the
reference is cut in timestamp order into ten chunks of 2,000 rows (the size of its batches),
every chunk is binned on the frozen bins and measured against the whole reference, and the
levels are mean + k sd of the ten values (NannyML's rule; sd with ddof 0).

- The learned levels equal a numpy computation of the same chunks (to 1e-9); the KS,
  Wasserstein, chi-square and z-test chunk values equal scipy's (ks_2samp,
  wasserstein_distance, chi2_contingency) on the same chunks.
- A stable batch passes; a batch shifted by 0.5 sd fails, both judged on the learned levels
  (PSI, Jensen-Shannon, the KS statistic).
- A p-value is bad when small: its learned level is the lower bound mean - k sd, clamped at 0
  where it falls below (shown: is_error_clamped and the threshold rule). A model on the same
  log with k = 2 has levels above 0: its shifted batch alerts on every learned p-value, its
  stable batch on none; under Bonferroni the adjusted p-value is compared, as with a fixed
  level.
- `auto` in a drift test's arguments judges the metric on the learned level of the batch's
  reference version (Wasserstein, which has no packaged level): the stable batch passes, the
  shifted one fails; where nothing was learned the metric is not judged. On a model that
  learns nothing it is a compile error naming the model, the metric and the registry fix.
- The score's learned KS level is not asserted: its ten chunk values happen to spread
  little (sd 0.0016), so its level sits just above the stable batch's D (decision 0009:
  sd from ten chunks is uncertain by about 25 %).
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
from scipy.stats import chi2_contingency, ks_2samp, kstwobign, norm, wasserstein_distance

REGISTRY_FILE = "models/staging/fixtures/_fixtures__sources.yml"
REFERENCE_DAYS = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
STABLE, SHIFTED = "2026-03-05", "2026-03-06"
CHUNKS, K, WARN_K = 10, 3.0, 2.0
PVALUE_K = 2.0
PVALUES = ("ks_pvalue", "chi_square_pvalue", "z_test_pvalue")
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
        # a binary feature from its own stream (the others' draws stay as they were)
        own = np.random.default_rng([seed, n, int(pd.Timestamp(day).day)])
        frame["b"] = np.where(own.random(n) < (0.45 if shift else 0.3), "yes", "no")
        frame["pid"] = [f"{day}-{k:06d}" for k in range(n)]
        frame["ts"] = pd.Timestamp(day) + pd.to_timedelta(
            rng.choice(86_400_000, n, replace=False), unit="ms"
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def model_entry(
    model_id: str,
    table: str,
    settings: str | None,
    thresholds: str,
    identifier: str | None = None,
    features: tuple[str, ...] = ("{name: x, kind: numeric}", "{name: c, kind: categorical}"),
    extra: str = "",
) -> str:
    learned = f"\n              learned_thresholds: {settings}" if settings else ""
    feature_lines = "".join(f"\n                - {feature}" for feature in features)
    return f"""
      - name: {table}{f"{chr(10)}        identifier: {identifier}" if identifier else ""}
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
              reference: {{window: {{start: "2026-03-01", end: "2026-03-05"}}}}{learned}{extra}
              thresholds: {thresholds}
              features:{feature_lines}"""


def drift_test(name: str, batch_id: str | None, thresholds: str, metrics: str = "") -> str:
    """A no_feature_drift test with `auto` in its arguments, tagged to run apart from the build."""
    batch = f"batch_id: '{batch_id}', " if batch_id else ""
    chosen = f"metrics: {metrics}, " if metrics else ""
    return f"""
          - no_feature_drift:
              name: {name}
              arguments: {{{batch}{chosen}thresholds: {thresholds}}}
              config: {{tags: [auto_argument]}}"""


def with_tests(entry: str, *tests: str) -> str:
    return entry + "\n        data_tests:" + "".join(tests)


def registry(*entries: str) -> str:
    return "sources:\n  - name: raw\n    schema: raw\n    tables:" + "".join(entries) + "\n"


WASSERSTEIN_AUTO = "{wasserstein: {warn: auto, error: auto}}"
GOOD = with_tests(
    model_entry(
        "learned_model",
        "learned_log",
        f"{{chunks: {CHUNKS}, k: {K:g}}}",
        "{psi: {warn: auto, error: auto}, jensen_shannon: {error: auto}, "
        "ks_statistic: {error: auto}, ks_pvalue: {error: auto}}",
    ),
    drift_test("auto_wasserstein_stable", STABLE, WASSERSTEIN_AUTO, "[wasserstein]"),
    drift_test("auto_wasserstein_shifted", SHIFTED, WASSERSTEIN_AUTO, "[wasserstein]"),
)
# The same log, learning its p-value levels with k = 2 (k = 3 clamps them at 0, decision
# 0009), per feature, with a binary feature b for the z-test and Bonferroni across features.
PVALUE = model_entry(
    "pvalue_model",
    "pvalue_log",
    f"{{chunks: {CHUNKS}, k: {PVALUE_K:g}}}",
    "{}",
    identifier="learned_log",
    features=(
        "{name: x, kind: numeric, thresholds: {ks_pvalue: {error: auto}}}",
        "{name: c, kind: categorical, thresholds: {chi_square_pvalue: {error: auto}}}",
        "{name: b, kind: categorical, thresholds: "
        "{chi_square_pvalue: {error: auto}, z_test_pvalue: {error: auto}}}",
    ),
    extra="\n              multiple_testing: bonferroni",
)
SMALL = with_tests(
    model_entry("small_reference_model", "small_log", "{chunks: 10}", "{psi: {error: auto}}"),
    drift_test(
        "auto_not_learned",
        SHIFTED,
        "{wasserstein_normed: {warn: auto, error: auto}}",
        "[wasserstein_normed]",
    ),
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = DbtProject(tmp_path_factory.mktemp("learned") / "project")
    project.load(
        {
            "learned_log": make_log(5_000, 2_000, seed=5),
            "small_log": make_log(150, 2_000, seed=6),
        }
    )
    project.write_registry(registry(GOOD, PVALUE, SMALL))
    result = project.build("--exclude", "tag:auto_argument")
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


def scipy_chunk_values(project: DbtProject) -> dict[tuple[str, str], list[float]]:
    """The oracle for the ECDF metrics and the tests: the same chunks, each against the whole
    reference, with scipy (ks_2samp, wasserstein_distance, chi2_contingency, norm)."""
    log = project.query(
        "select * from raw.learned_log where ts < timestamp '2026-03-05' order by ts, pid"
    )
    chunk_of_row = np.floor(np.arange(len(log)) * CHUNKS / len(log)).astype(int)
    reference = log["x"].dropna().to_numpy()
    first_level = project.query(
        "select category_value from dim_feature_bins where model_id = 'pvalue_model' "
        "and feature_name = 'b' and bin_index = 1"
    )["category_value"][0]
    values: dict[tuple[str, str], list[float]] = {}
    for chunk in range(CHUNKS):
        rows = log[chunk_of_row == chunk]
        part = rows["x"].dropna().to_numpy()
        n, m = len(reference), len(part)
        d = ks_2samp(part, reference, method="asymp").statistic
        w = wasserstein_distance(part, reference)
        for metric, value in [
            ("ks_statistic", d),
            ("ks_pvalue", kstwobign.sf(d * np.sqrt(n * m / (n + m)))),
            ("wasserstein", w),
            ("wasserstein_normed", w / np.std(reference)),
        ]:
            values.setdefault(("x", metric), []).append(float(value))
        for feature in ("c", "b"):
            levels = sorted(log[feature].unique())
            table = [
                [int((log[feature] == level).sum()) for level in levels],
                [int((rows[feature] == level).sum()) for level in levels],
            ]
            test = chi2_contingency(table)
            values.setdefault((feature, "chi_square_statistic"), []).append(test.statistic)
            values.setdefault((feature, "chi_square_pvalue"), []).append(test.pvalue)
        x1, n1 = (log["b"] == first_level).sum(), len(log)
        x2, n2 = (rows["b"] == first_level).sum(), len(rows)
        pooled = (x1 + x2) / (n1 + n2)
        z = (x2 / n2 - x1 / n1) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        values.setdefault(("b", "z_test_pvalue"), []).append(float(2 * norm.sf(abs(z))))
    return values


def test_ecdf_and_test_chunk_values_equal_scipy(project: DbtProject) -> None:
    chunks = project.query(
        "select * from int_reference_chunk_metrics_computed "
        "where model_id = 'pvalue_model' order by chunk_index"
    )
    learned = project.query(
        "select * from dim_learned_thresholds where model_id = 'pvalue_model'"
    ).set_index(["feature_name", "metric_name"])
    for (feature, metric), expected in scipy_chunk_values(project).items():
        mine = chunks[(chunks["feature_name"] == feature) & (chunks["metric_name"] == metric)]
        assert mine["chunk_index"].tolist() == list(range(CHUNKS)), (feature, metric)
        for got, want in zip(mine["metric_value"], expected, strict=True):
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (feature, metric)
        row = learned.loc[(feature, metric)]
        assert row["chunk_mean"] == pytest.approx(np.mean(expected), rel=1e-9, abs=1e-12)
        assert row["chunk_std"] == pytest.approx(np.std(expected), rel=1e-9, abs=1e-12)


def test_a_pvalue_level_is_the_lower_bound_clamped_at_zero(
    project: DbtProject, drift: pd.DataFrame
) -> None:
    learned = project.query(
        "select * from dim_learned_thresholds where metric_name in "
        "('ks_pvalue', 'chi_square_pvalue', 'z_test_pvalue') and is_learned"
    )
    assert (learned["threshold_direction"] == "below").all()
    for _, row in learned.iterrows():
        lower = row["chunk_mean"] - row["k"] * row["chunk_std"]
        assert row["error_lower"] == pytest.approx(lower, rel=1e-9, abs=1e-12)
        assert row["error_threshold"] == pytest.approx(max(lower, 0.0), rel=1e-9, abs=1e-12)
        assert row["is_error_clamped"] == (lower < 0)
    # k = 3: mean - 3 sd of p-values spread over [0, 1] falls below 0
    x = learned.set_index(["model_id", "feature_name", "metric_name"]).loc[
        ("learned_model", "x", "ks_pvalue")
    ]
    assert x["is_error_clamped"] and x["error_threshold"] == 0.0
    for batch_id in (STABLE, SHIFTED):
        row = drift.loc[("learned_model", batch_id, "x", "ks_pvalue")]
        assert row["error_threshold"] == 0.0 and row["threshold_direction"] == "below"
        assert row["threshold_rule"].endswith("mean - k sd, error level clamped at 0")


LEARNED_PVALUES = [
    ("x", "ks_pvalue"),
    ("c", "chi_square_pvalue"),
    ("b", "chi_square_pvalue"),
    ("b", "z_test_pvalue"),
]


def test_a_learned_pvalue_level_alerts_on_the_shifted_batch_only(
    project: DbtProject, drift: pd.DataFrame
) -> None:
    learned = project.query(
        "select * from dim_learned_thresholds where model_id = 'pvalue_model'"
    ).set_index(["feature_name", "metric_name"])
    for feature, metric in LEARNED_PVALUES:
        level = learned.loc[(feature, metric), "error_threshold"]
        assert 0 < level < 0.5 and not learned.loc[(feature, metric), "is_error_clamped"]
        for batch_id, status in ((STABLE, "ok"), (SHIFTED, "alert")):
            row = drift.loc[("pvalue_model", batch_id, feature, metric)]
            assert row["error_threshold"] == level and row["threshold_direction"] == "below"
            assert row["status"] == status, (feature, metric, batch_id, row["assessed_value"])
            assert row["threshold_rule"].endswith("reference chunks, mean - k sd")
    # Bonferroni over c and b: the adjusted p-value is what is compared, as for a fixed level
    for batch_id in (STABLE, SHIFTED):
        for feature in ("c", "b"):
            row = drift.loc[("pvalue_model", batch_id, feature, "chi_square_pvalue")]
            assert row["pvalue_adjustment"] == "bonferroni"
            assert row["assessed_value"] == pytest.approx(min(1.0, 2 * row["metric_value"]))


@pytest.fixture(scope="module")
def argument_tests(project: DbtProject) -> dict[str, str]:
    """The drift tests with `auto` in their arguments, run once after the build."""
    result = project.dbt("test", "--select", "tag:auto_argument")
    statuses = {
        r["unique_id"].split(".")[2]: r["status"]
        for r in result.results
        if r["unique_id"].startswith("test.")
    }
    assert len(statuses) == 3, result.output[-3000:]
    return statuses


def test_auto_in_test_arguments_judges_on_the_learned_level(
    project: DbtProject, drift: pd.DataFrame, argument_tests: dict[str, str]
) -> None:
    assert argument_tests["auto_wasserstein_stable"] == "pass"
    assert argument_tests["auto_wasserstein_shifted"] == "fail"
    # wasserstein has no packaged level: only the test argument judges it
    assert pd.isna(drift.loc[("learned_model", SHIFTED, "x", "wasserstein"), "error_threshold"])
    failures = project.query("select * from main_dbt_test__audit.auto_wasserstein_shifted")
    learned = project.query(
        "select * from dim_learned_thresholds where model_id = 'learned_model' "
        "and metric_name = 'wasserstein'"
    ).set_index("feature_name")
    failures = failures.set_index("feature_name")
    assert failures.loc["x", "severity_level"] == 2
    for feature, row in failures.iterrows():  # each row on its own feature's learned levels
        assert row["error_threshold"] == learned.loc[feature, "error_threshold"]
        assert row["warn_threshold"] == learned.loc[feature, "warn_threshold"]


def test_auto_in_test_arguments_without_a_learned_level_does_not_judge(
    drift: pd.DataFrame, argument_tests: dict[str, str]
) -> None:
    # recorded on the packaged level the shift alerts; the test's `auto` level was not learned
    row = drift.loc[("small_reference_model", SHIFTED, "x", "wasserstein_normed")]
    assert row["status"] == "alert"
    assert argument_tests["auto_not_learned"] == "pass"


PLAIN_REGISTRY = registry(
    with_tests(
        model_entry("plain_model", "plain_log", None, "{psi: {error: 0.2}}"),
        drift_test("auto_on_plain", None, "{ks_statistic: {error: auto}}"),
    )
)
BAD_SETTINGS = [
    (
        registry(
            model_entry("learned_model", "learned_log", "{chunks: 10}", "{mmd: {error: auto}}")
        ),
        "dim_feature_thresholds",
        (
            f"modelwatch registry error in {REGISTRY_FILE}",
            "model 'learned_model'",
            "mmd.error is 'auto'",
            "not for the multivariate check's mmd and mmd_pvalue",
        ),
    ),
    (
        PLAIN_REGISTRY,
        "tag:auto_argument",
        (
            "drift test of model 'plain_model'",
            f"registry {REGISTRY_FILE}",
            "thresholds.ks_statistic is 'auto' in the test arguments",
            "model 'plain_model' learns no thresholds from its reference",
            "add learned_thresholds: {chunks: 10}",
        ),
    ),
    *[
        (
            registry(model_entry("learned_model", "learned_log", settings, thresholds)),
            "dim_feature_thresholds",
            (f"modelwatch registry error in {REGISTRY_FILE}", "model 'learned_model'", *expected),
        )
        for settings, thresholds, expected in [
            ("{chunks: 1}", "{psi: {error: auto}}", ("learned_thresholds.chunks is '1'",)),
            (
                "{chunks: 10, k: 2, warn_k: 3}",
                "{psi: {error: auto}}",
                ("warn_k (3) is above k (2)",),
            ),
            ("{chunk: 10}", "{psi: {error: auto}}", ("unknown key 'chunk' in learned_thresholds",)),
        ]
    ],
]


def test_bad_learned_settings_are_compile_errors(tmp_path: Path) -> None:
    def compile_with(index: int) -> str:
        registry_yaml, selection, _ = BAD_SETTINGS[index]
        project = DbtProject(tmp_path / f"bad{index}")
        project.write_registry(registry_yaml)
        result = project.dbt("compile", "--select", selection)
        assert result.returncode != 0
        return " ".join(result.output.split())

    # one compile per case, in parallel: each stops at its first error
    with ThreadPoolExecutor(max_workers=2) as pool:
        messages = list(pool.map(compile_with, range(len(BAD_SETTINGS))))
    for (_, _, expected), message in zip(BAD_SETTINGS, messages, strict=True):
        for fragment in expected:
            assert fragment in message, message[-2000:]


def test_a_version_frozen_before_every_metric_was_learned_is_completed(
    project: DbtProject,
) -> None:
    """An upgrade: chunk rows stored by a version that learned the bin metrics only are
    recomputed, once, with every metric (runs last: it rebuilds two models in place)."""
    query = (
        "select * from int_reference_chunk_metrics_computed "
        "order by model_id, feature_name, metric_name, chunk_index"
    )
    before = project.query(query)
    project.execute(
        "delete from int_reference_chunk_metrics_computed where model_id = 'learned_model' "
        "and metric_name not in ('psi', 'jensen_shannon', 'hellinger', 'total_variation', "
        "'l_infinity', 'kl_divergence', 'missing_rate_change')"
    )
    result = project.dbt(
        "run", "--select", "int_reference_chunk_metrics_computed", "dim_learned_thresholds"
    )
    assert result.returncode == 0, result.output[-3000:]
    after = project.query(query)
    assert len(after) == len(before)
    pd.testing.assert_frame_equal(after, before, rtol=1e-12)
