"""The multivariate check (maximum mean discrepancy with random Fourier features), as a spec.

One log, monitored twice: `corr_model` with the multivariate check at its defaults, and
`plain_model` with it switched off. The reference (two days) has x1 and x2 correlated at
+0.8; x3 (with missing values) and x4 are independent; a categorical channel and an
independent score come along. Three batches follow:

- a stable day drawn from the reference distribution: nothing alerts;
- a day of 40 rows: below min_batch_size, insufficient_data;
- a day where the correlation of x1 and x2 flips to -0.8, every marginal unchanged: the
  multivariate check alerts, no univariate metric does.

The SQL figures equal a numpy implementation that uses the same frequencies and phases (read
from dim_multivariate_frequencies) to 1e-9 (docs/multivariate-drift.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import DbtProject
from scipy import stats

FEATURES = ["x1", "x2", "x3", "x4"]
REFERENCE_END = "2026-03-03"
STABLE, SMALL, FLIPPED = "2026-03-03", "2026-03-04", "2026-03-05"
DAYS = [("2026-03-01", 10000, 0.8), ("2026-03-02", 10000, 0.8), (STABLE, 5000, 0.8),
        (SMALL, 40, 0.8), (FLIPPED, 5000, -0.8)]  # fmt: skip


def make_log(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for day, n, rho in DAYS:
        x1 = rng.normal(0, 1, n)
        x2 = rho * x1 + np.sqrt(1 - rho**2) * rng.normal(0, 1, n)
        frame = pd.DataFrame(
            {
                "x1": 50 + 10 * x1,  # not standardised in the log: the check standardises
                "x2": x2,
                "x3": np.where(rng.random(n) < 0.02, np.nan, rng.exponential(2.0, n)),
                "x4": rng.integers(0, 5, n).astype(float),
                "channel": rng.choice(["web", "app", "branch"], n, p=[0.5, 0.3, 0.2]),
                "score": rng.random(n),
            }
        )
        frame["pid"] = [f"{day}-{k}" for k in range(n)]
        frame["ts"] = pd.Timestamp(day) + pd.to_timedelta(rng.integers(0, 86400, n), unit="s")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def registry() -> str:
    tables = []
    for model_id, extra in (("corr_model", ""), ("plain_model", "multivariate: {enabled: false}")):
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
              reference: {{window: {{start: "2026-03-01", end: "{REFERENCE_END}"}}}}
              {extra}
              features:
                - {{name: x1, kind: numeric}}
                - {{name: x2, kind: numeric}}
                - {{name: x3, kind: numeric}}
                - {{name: x4, kind: numeric}}
                - {{name: channel, kind: categorical}}
        data_tests:
          - no_feature_drift"""
        )
    return "sources:\n  - name: raw\n    schema: raw\n    tables:" + "".join(tables) + "\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, pd.DataFrame]:
    project = DbtProject(tmp_path_factory.mktemp("mmd") / "project")
    log = make_log()
    project.load({"corr_model_log": log, "plain_model_log": log})
    project.write_registry(registry())
    result = project.build()
    assert result.returncode in (0, 1), result.output[-3000:]
    assert set(result.status("model.modelwatch.")) == {"success"}, result.output[-3000:]
    return project, log


@pytest.fixture(scope="module")
def drift(built: tuple[DbtProject, pd.DataFrame]) -> pd.DataFrame:
    project, _ = built
    return project.query("select * from fct_feature_drift")


def multivariate(drift: pd.DataFrame, batch_id: str, metric: str) -> pd.Series:
    rows = drift[
        (drift["model_id"] == "corr_model")
        & (drift["batch_id"] == batch_id)
        & (drift["feature_name"] == "_multivariate")
        & (drift["metric_name"] == metric)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def numpy_mmd(log: pd.DataFrame, frequencies: pd.DataFrame, batch_id: str) -> float:
    """MMD^2 with random Fourier features, from the raw log, with the warehouse's omega, b."""
    day = log["ts"].dt.strftime("%Y-%m-%d")
    reference = log[log["ts"] < pd.Timestamp(REFERENCE_END)]
    batch = log[day == batch_id]
    omega = frequencies.pivot(index="dimension_index", columns="feature_name", values="omega")
    omega = omega[FEATURES].to_numpy()
    phase = frequencies.groupby("dimension_index")["phase"].first().sort_index().to_numpy()

    def embedding_mean(frame: pd.DataFrame) -> np.ndarray:
        values = frame[FEATURES].to_numpy()
        ref = reference[FEATURES].to_numpy()
        mean, std = np.nanmean(ref, axis=0), np.nanstd(ref, axis=0)
        z = np.nan_to_num((values - mean) / std, nan=0.0)
        return (np.sqrt(2.0 / len(phase)) * np.cos(z @ omega.T + phase)).mean(axis=0)

    return float(np.sum((embedding_mean(reference) - embedding_mean(batch)) ** 2))


def test_a_correlation_flip_alerts_on_the_multivariate_check_only(drift: pd.DataFrame) -> None:
    assert multivariate(drift, FLIPPED, "mmd_pvalue")["status"] == "alert"
    univariate = drift[
        (drift["batch_id"] == FLIPPED)
        & (drift["feature_name"] != "_multivariate")
        & drift["warn_threshold"].notna()
    ]
    assert len(univariate) > 0
    assert (univariate["status"] == "ok").all(), univariate[univariate["status"] != "ok"]


def test_a_stable_batch_does_not_alert(drift: pd.DataFrame) -> None:
    assert multivariate(drift, STABLE, "mmd_pvalue")["metric_value"] > 0.01
    stable = drift[(drift["batch_id"] == STABLE) & (drift["model_id"] == "corr_model")]
    assert set(stable["status"]) == {"ok"}


def test_a_batch_below_min_batch_size_is_insufficient_data(drift: pd.DataFrame) -> None:
    for metric in ("mmd", "mmd_pvalue"):
        assert multivariate(drift, SMALL, metric)["status"] == "insufficient_data"


def test_the_batch_status_and_the_drift_test_name_the_multivariate_check(
    built: tuple[DbtProject, pd.DataFrame],
) -> None:
    project, _ = built
    status = project.query(
        "select batch_id, batch_status, drifted_features from fct_model_batch_status "
        "where model_id = 'corr_model'"
    ).set_index("batch_id")
    assert status.loc[FLIPPED, "batch_status"] == "alert"
    assert status.loc[FLIPPED, "drifted_features"] == "_multivariate"
    assert status.loc[STABLE, "batch_status"] == "ok"


def test_switched_off_the_check_leaves_no_trace(
    built: tuple[DbtProject, pd.DataFrame], drift: pd.DataFrame
) -> None:
    project, _ = built
    plain = drift[drift["model_id"] == "plain_model"]
    assert "_multivariate" not in set(plain["feature_name"])
    frequencies = project.query("select distinct model_id from dim_multivariate_frequencies")
    assert list(frequencies["model_id"]) == ["corr_model"]


def test_defaults_are_the_numeric_features_100_dimensions_and_bandwidth_sqrt_p(
    built: tuple[DbtProject, pd.DataFrame],
) -> None:
    project, _ = built
    frequencies = project.query("select * from dim_multivariate_frequencies")
    assert sorted(set(frequencies["feature_name"])) == FEATURES  # not the score, not channel
    assert frequencies["dimension_index"].nunique() == 100
    assert set(frequencies["bandwidth"]) == {2.0}
    # omega ~ N(0, I / bandwidth^2), b ~ U(0, 2 pi)
    assert stats.kstest(frequencies["omega"] * 2.0, "norm").pvalue > 0.01
    phases = frequencies.groupby("dimension_index")["phase"].first()
    assert stats.kstest(phases / (2 * np.pi), "uniform").pvalue > 0.01


@pytest.mark.parametrize("batch_id", [STABLE, FLIPPED])
def test_mmd_equals_numpy_with_the_same_frequencies(
    built: tuple[DbtProject, pd.DataFrame], drift: pd.DataFrame, batch_id: str
) -> None:
    project, log = built
    frequencies = project.query(
        "select * from dim_multivariate_frequencies where model_id = 'corr_model'"
    )
    expected = numpy_mmd(log, frequencies, batch_id)
    assert multivariate(drift, batch_id, "mmd")["metric_value"] == pytest.approx(
        expected, rel=1e-9, abs=1e-15
    )


def test_pvalue_is_the_scaled_chi_square_of_the_reference_spread(
    built: tuple[DbtProject, pd.DataFrame], drift: pd.DataFrame
) -> None:
    project, log = built
    spread = project.query(
        "select * from int_reference_embedding_spreads_estimated where model_id = 'corr_model'"
    ).iloc[0]
    # tr(S) exactly, tr(S^2) estimated from pairs of reference rows: close to the full matrix
    reference = log[log["ts"] < pd.Timestamp(REFERENCE_END)]
    frequencies = project.query(
        "select * from dim_multivariate_frequencies where model_id = 'corr_model'"
    )
    omega = frequencies.pivot(index="dimension_index", columns="feature_name", values="omega")
    phase = frequencies.groupby("dimension_index")["phase"].first().sort_index().to_numpy()
    values = reference[FEATURES].to_numpy()
    z = np.nan_to_num((values - np.nanmean(values, 0)) / np.nanstd(values, 0), nan=0.0)
    embedded = np.sqrt(2.0 / len(phase)) * np.cos(z @ omega[FEATURES].to_numpy().T + phase)
    covariance = np.cov(embedded, rowvar=False, ddof=0)
    assert spread["covariance_trace"] == pytest.approx(np.trace(covariance), rel=1e-9)
    assert spread["covariance_trace_squared"] == pytest.approx(np.sum(covariance**2), rel=0.15)
    assert spread["pair_count"] == len(reference) // 2
    for batch_id in (STABLE, FLIPPED):
        mmd = multivariate(drift, batch_id, "mmd")
        scale = 1 / mmd["reference_size"] + 1 / mmd["batch_size"]
        g = scale * spread["covariance_trace_squared"] / spread["covariance_trace"]
        h = spread["covariance_trace"] ** 2 / spread["covariance_trace_squared"]
        expected = stats.chi2.sf(mmd["metric_value"] / g, h)
        pvalue = multivariate(drift, batch_id, "mmd_pvalue")["metric_value"]
        assert pvalue == pytest.approx(expected, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("{features: [x1, channel]}", ", feature 'channel': multivariate.features names")],
)
def test_a_bad_multivariate_setting_fails_before_anything_is_built(
    dbt_project: DbtProject, setting: str, expected: str
) -> None:
    dbt_project.load({"corr_model_log": make_log().head(100)})
    dbt_project.write_registry(
        registry()
        .split("\n      - name: plain_model_log")[0]
        .replace(
            "reference: {window", f"multivariate: {setting}\n              reference: {{window"
        )
    )
    result = dbt_project.build()
    assert result.returncode != 0
    assert "Traceback" not in result.output
    assert "modelwatch registry error in models/staging/fixtures/_fixtures__sources.yml" in (
        result.output
    )
    assert f"model 'corr_model'{expected}" in result.output
    assert dbt_project.table_names() == set()


def test_frequencies_are_drawn_again_only_for_a_changed_check(dbt_project: DbtProject) -> None:
    """dim_multivariate_frequencies is incremental: drawing in Jinja is the slow part of a
    fleet's weekly run, so a run redraws only the models whose check changed."""
    log = make_log().head(200)
    dbt_project.load({"corr_model_log": log, "plain_model_log": log})
    both_on = registry().replace("multivariate: {enabled: false}", "multivariate: {seed: 1}")
    frequencies = "select * from dim_multivariate_frequencies order by all"

    def run(yaml_text: str, *extra: str) -> pd.DataFrame:
        dbt_project.write_registry(yaml_text)
        result = dbt_project.dbt("run", "-s", "dim_multivariate_frequencies", *extra)
        assert result.returncode == 0, result.output[-3000:]
        return dbt_project.query(frequencies)

    def compiled() -> str:
        path = "target/compiled/modelwatch/models/marts/dim_multivariate_frequencies.sql"
        return (dbt_project.root / path).read_text()

    first = run(both_on)
    assert set(first["model_id"]) == {"corr_model", "plain_model"}
    assert run(both_on).equals(first)
    assert "corr_model" not in compiled() and "plain_model" not in compiled()

    # plain_model's seed changes: only its rows are drawn again, equal to a fresh build
    reseeded = run(both_on.replace("multivariate: {seed: 1}", "multivariate: {seed: 2}"))
    assert "corr_model" not in compiled() and "plain_model" in compiled()
    corr = reseeded[reseeded["model_id"] == "corr_model"].reset_index(drop=True)
    assert corr.equals(first[first["model_id"] == "corr_model"].reset_index(drop=True))
    plain = reseeded[reseeded["model_id"] == "plain_model"]
    assert set(plain["seed"]) == {2}
    assert not np.array_equal(
        plain["omega"].to_numpy(), first[first["model_id"] == "plain_model"]["omega"].to_numpy()
    )
    fresh = run(both_on.replace("multivariate: {seed: 1}", "multivariate: {seed: 2}"),
                "--full-refresh")  # fmt: skip
    assert fresh.equals(reseeded)

    # a check switched off leaves the table
    switched_off = run(registry())
    assert set(switched_off["model_id"]) == {"corr_model"}
    assert switched_off.reset_index(drop=True).equals(corr)
