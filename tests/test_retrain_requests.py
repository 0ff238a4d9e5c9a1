"""Spec of scripts/retrain_requests.py: failing drift tests become retrain requests.

The artifacts built here copy the shapes dbt 1.11 writes (run-results v6, manifest v12) for a
generic test ``no_feature_drift`` configured with ``store_failures: true``; the stored failing
rows come from a fake row source instead of ``dbt show``. The last test runs dbt for real.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "retrain_requests.py"


def _load_script() -> Any:
    """Import scripts/retrain_requests.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("retrain_requests", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


rr = _load_script()

INVOCATION_ID = "16ddfa78-bd1e-4128-9f7b-a90528764029"
NOW = datetime(2026, 4, 22, 6, 30, tzinfo=UTC)
LATER = datetime(2026, 4, 23, 6, 30, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# Fixture builders: dbt artifacts and stored failing rows
# --------------------------------------------------------------------------------------------


@dataclass
class DbtTest:
    """A data test of the fake dbt run."""

    model: str
    status: str
    test_name: str = "no_feature_drift"
    namespace: str | None = None
    store_failures: bool = True

    @property
    def name(self) -> str:
        """dbt's node name of the test."""
        return f"{self.test_name}_{self.model}_"

    @property
    def unique_id(self) -> str:
        """dbt's unique id of the test."""
        digest = hashlib.md5(self.name.encode(), usedforsecurity=False).hexdigest()[:10]
        return f"test.modelwatch.{self.name}.{digest}"

    @property
    def relation_name(self) -> str | None:
        """The stored failures table, as dbt-duckdb renders it."""
        if not self.store_failures:
            return None
        return f'"modelwatch"."main_dbt_test__audit"."{self.name}"'


def _message(test: DbtTest) -> str | None:
    """The run_results message dbt writes for a test of that status."""
    return {
        "pass": None,
        "fail": "Got 2 results, configured to fail if >=2",
        "warn": "Got 1 result, configured to warn if >=1",
        "error": (
            f"Runtime Error in test {test.name} (models/marts/_marts__models.yml)\n"
            '  Binder Error: Referenced column "severity_level" not found in FROM clause!'
        ),
    }.get(test.status)


def run_result(test: DbtTest, *, version: int = 6) -> dict[str, Any]:
    """One entry of run_results.json, shaped as dbt 1.11 writes it."""
    result = {
        "status": test.status,
        "timing": [
            {
                "name": "compile",
                "started_at": "2026-04-22T06:00:01.289408Z",
                "completed_at": "2026-04-22T06:00:01.310506Z",
            },
            {
                "name": "execute",
                "started_at": "2026-04-22T06:00:01.311846Z",
                "completed_at": "2026-04-22T06:00:01.439265Z",
            },
        ],
        "thread_id": "Thread-1 (worker)",
        "execution_time": 0.155,
        "adapter_response": {"_message": "OK"} if test.status != "error" else {},
        "message": _message(test),
        "failures": {"pass": 0, "fail": 2, "warn": 1}.get(test.status),
        "unique_id": test.unique_id,
    }
    if version >= 5:  # v5 added compiled, compiled_code and relation_name
        result |= {
            "compiled": True,
            "compiled_code": f'\n\nselect * from "modelwatch"."main"."{test.model}"\n',
            "relation_name": test.relation_name,
        }
    if version >= 6:
        result["batch_results"] = None
    return result


def manifest_node(test: DbtTest) -> dict[str, Any]:
    """The manifest.json node of a generic data test (only the keys that matter, plus some)."""
    config = {
        "enabled": True,
        "schema": "dbt_test__audit",
        "materialized": "test",
        "severity": "ERROR",
        "store_failures": test.store_failures,
        "store_failures_as": "table" if test.store_failures else None,
        "fail_calc": "coalesce(max(severity_level), 0)",
        "warn_if": ">=1",
        "error_if": ">=2",
    }
    return {
        "database": "modelwatch",
        "schema": "main_dbt_test__audit",
        "name": test.name,
        "resource_type": "test",
        "package_name": "modelwatch",
        "unique_id": test.unique_id,
        "fqn": ["modelwatch", "marts", test.name],
        "alias": test.name,
        "config": config,
        "relation_name": test.relation_name,
        "raw_code": f"{{{{ test_{test.test_name}(**_dbt_generic_test_kwargs) }}}}",
        "depends_on": {"macros": [], "nodes": [f"model.modelwatch.{test.model}"]},
        "column_name": None,
        "attached_node": f"model.modelwatch.{test.model}",
        "test_metadata": {
            "name": test.test_name,
            "kwargs": {"model": f"{{{{ get_where_subquery(ref('{test.model}')) }}}}"},
            "namespace": test.namespace,
        },
    }


def write_artifacts(
    target: Path,
    tests: list[DbtTest],
    *,
    run_results_version: int = 6,
    manifest_version: int = 12,
) -> None:
    """Write run_results.json and manifest.json of a `dbt build` that ran ``tests``."""
    target.mkdir(parents=True, exist_ok=True)
    model = {
        "status": "success",
        "unique_id": "model.modelwatch.fct_drift_metrics",
        "message": "OK",
        "relation_name": '"modelwatch"."main"."fct_drift_metrics"',
    }
    run_results = {
        "metadata": {
            "dbt_schema_version": (
                f"https://schemas.getdbt.com/dbt/run-results/v{run_results_version}.json"
            ),
            "dbt_version": "1.11.16",
            "generated_at": "2026-04-22T06:00:02.539830Z",
            "invocation_id": INVOCATION_ID,
            "invocation_started_at": "2026-04-22T06:00:00.397872Z",
            "env": {},
        },
        "results": [model] + [run_result(t, version=run_results_version) for t in tests],
        "elapsed_time": 2.1,
        "args": {"which": "build"},
    }
    nodes = {t.unique_id: manifest_node(t) for t in tests}
    nodes[model["unique_id"]] = {"resource_type": "model", "name": "fct_drift_metrics"}
    manifest = {
        "metadata": {
            "dbt_schema_version": (
                f"https://schemas.getdbt.com/dbt/manifest/v{manifest_version}.json"
            ),
            "dbt_version": "1.11.16",
            "invocation_id": INVOCATION_ID,
            "adapter_type": "duckdb",
        },
        "nodes": nodes,
        "sources": {},
        "macros": {},
        "unit_tests": {},
    }
    (target / "run_results.json").write_text(json.dumps(run_results, indent=2))
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))


def drift_row(
    model_id: str = "credit_default",
    batch_id: str = "2026-04-20",
    feature_name: str = "income",
    metric_name: str = "psi",
    metric_value: float = 0.31,
    severity_level: int = 2,
    **overrides: Any,
) -> dict[str, Any]:
    """A stored failing row of a drift test, with the value types dbt's agate table returns."""
    day = int(batch_id[-2:])
    row: dict[str, Any] = {
        "model_id": model_id,
        "model_version": "3.1.0",
        "reference_id": f"{model_id}_reference",
        "batch_id": batch_id,
        "batch_started_at": datetime(2026, 4, day),
        "batch_ended_at": datetime(2026, 4, day + 1),
        "feature_name": feature_name,
        "feature_role": "feature",
        "metric_name": metric_name,
        "metric_value": Decimal(str(metric_value)),
        "warn_threshold": Decimal("0.1"),
        "error_threshold": Decimal("0.25"),
        "threshold_direction": "above",
        "severity_level": severity_level,
        "status": "alert" if severity_level >= 2 else "warn",
        "retrain_window_started_at": datetime(2026, 1, day),
        "retrain_window_ended_at": datetime(2026, 4, day),
    }
    return row | overrides


@dataclass
class FakeWarehouse:
    """Row source standing in for `dbt show`: stored failing rows by test unique id."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, tests: Any) -> list[dict[str, Any]]:
        """Return the stored rows of ``tests``, tagged with their test id like the query does."""
        self.calls.append([t.unique_id for t in tests])
        return [
            {"test_unique_id": t.unique_id, **row}
            for t in tests
            for row in self.rows.get(t.unique_id, [])
        ]


@dataclass
class Project:
    """A dbt project folder with artifacts, an outbox and a fake warehouse."""

    root: Path
    warehouse: FakeWarehouse = field(default_factory=FakeWarehouse)

    @property
    def target(self) -> Path:
        """The dbt target folder."""
        return self.root / "target"

    @property
    def outbox(self) -> Path:
        """The default outbox folder."""
        return self.root / "outbox"

    def build(self, *tests: DbtTest, **versions: int) -> None:
        """Write the artifacts of a `dbt build` that ran ``tests``."""
        write_artifacts(self.target, list(tests), **versions)

    def store_failures(self, test: DbtTest, *rows: dict[str, Any]) -> None:
        """Put ``rows`` into the stored failures table of ``test``."""
        self.warehouse.rows[test.unique_id] = list(rows)

    def run(
        self, capsys: pytest.CaptureFixture[str], *args: str, now: datetime = NOW
    ) -> tuple[int, str, str]:
        """Run the CLI; return (exit code, stdout, stderr)."""
        code = rr.main(["--project-dir", str(self.root), *args], row_source=self.warehouse, now=now)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    def requests(self) -> dict[str, dict[str, Any]]:
        """The JSON files in the outbox, by file name."""
        if not self.outbox.exists():
            return {}
        return {p.name: json.loads(p.read_text()) for p in sorted(self.outbox.glob("*.json"))}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty dbt project folder."""
    return Project(tmp_path / "project")


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------


def test_a_failing_drift_test_writes_one_request_per_model_and_batch_with_its_trigger(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    drift = DbtTest("fct_drift_metrics", "fail")
    project.build(drift)
    project.store_failures(
        drift,
        drift_row(feature_name="income", metric_name="psi", metric_value=0.31),
        drift_row(
            feature_name="age",
            metric_name="ks_pvalue",
            metric_value=0.0004,
            warn_threshold=Decimal("0.05"),
            error_threshold=Decimal("0.001"),
            threshold_direction="below",
        ),
        drift_row(feature_name="tenure", metric_name="psi", metric_value=0.12, severity_level=1),
        drift_row(
            model_id="churn",
            feature_name="churn_score",
            feature_role="score",
            metric_name="ks_statistic",
            metric_value=0.2,
            model_version=None,
        ),
    )

    code, out, err = project.run(capsys)

    assert code == 1, err
    assert err == ""
    requests = project.requests()
    assert len(requests) == 2
    credit_file = next(name for name in requests if name.startswith("credit_default__"))
    credit = requests[credit_file]
    assert credit_file == f"credit_default__2026-04-20__{credit['request_id']}.json"
    assert credit == {
        "request_id": rr.compute_request_id(
            "credit_default",
            "2026-04-20",
            "credit_default_reference",
            [("age", "ks_pvalue"), ("income", "psi")],
        ),
        "model_id": "credit_default",
        "model_version": "3.1.0",
        "batch_id": "2026-04-20",
        "batch_started_at": "2026-04-20T00:00:00",
        "batch_ended_at": "2026-04-21T00:00:00",
        "reference_id": "credit_default_reference",
        "trigger": [
            {
                "feature_name": "age",
                "feature_role": "feature",
                "metric_name": "ks_pvalue",
                "metric_value": 0.0004,
                "warn_threshold": 0.05,
                "error_threshold": 0.001,
                "threshold_direction": "below",
                "status": "alert",
            },
            {
                "feature_name": "income",
                "feature_role": "feature",
                "metric_name": "psi",
                "metric_value": 0.31,
                "warn_threshold": 0.1,
                "error_threshold": 0.25,
                "threshold_direction": "above",
                "status": "alert",
            },
        ],
        "retrain_window": {"started_at": "2026-01-20T00:00:00", "ended_at": "2026-04-20T00:00:00"},
        "dbt_invocation_id": INVOCATION_ID,
        "dbt_test_unique_ids": [drift.unique_id],
        "created_at": "2026-04-22T06:30:00Z",
        "schema_version": 1,
    }
    churn = next(r for r in requests.values() if r["model_id"] == "churn")
    assert churn["model_version"] is None
    assert [(t["feature_name"], t["feature_role"]) for t in churn["trigger"]] == [
        ("churn_score", "score")
    ]
    assert project.warehouse.calls == [[drift.unique_id]]
    assert "drift tests failing: 1" in out
    assert "requests written:    2" in out
    assert "model credit_default, batch 2026-04-20, features age (ks_pvalue), income (psi)" in out


def test_warnings_write_nothing_and_exit_0(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    warned = DbtTest("fct_drift_metrics", "warn")
    project.build(warned, DbtTest("fct_score_drift", "pass", test_name="no_score_drift"))
    project.store_failures(warned, drift_row(severity_level=1))

    code, out, _ = project.run(capsys)

    assert code == 0
    assert not project.outbox.exists()
    assert project.warehouse.calls == []
    assert "drift tests warning: 1" in out
    assert "requests written:    0" in out


def test_a_second_run_writes_nothing_new_and_exits_1_with_already_present(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    drift = DbtTest("fct_drift_metrics", "fail")
    project.build(drift)
    project.store_failures(drift, drift_row(), drift_row(feature_name="age"))
    assert project.run(capsys)[0] == 1
    first = {p.name: p.read_bytes() for p in project.outbox.iterdir()}

    code, out, _ = project.run(capsys, now=LATER)

    assert code == 1
    assert {p.name: p.read_bytes() for p in project.outbox.iterdir()} == first
    assert "requests written:    0" in out
    assert "already present:     1" in out


def test_the_request_id_ignores_the_dbt_invocation_and_row_order() -> None:
    rows = [drift_row(feature_name="income"), drift_row(feature_name="age")]
    requests_a = rr.build_requests(
        [rr.drift_row_from_mapping({"test_unique_id": "a", **r}) for r in rows], "run-1", NOW
    )
    requests_b = rr.build_requests(
        [rr.drift_row_from_mapping({"test_unique_id": "b", **r}) for r in reversed(rows)],
        "run-2",
        LATER,
    )
    requests_c = rr.build_requests(
        [rr.drift_row_from_mapping({"test_unique_id": "a", **rows[0]})], "run-1", NOW
    )

    assert requests_a[0].request_id == requests_b[0].request_id
    assert requests_a[0].request_id != requests_c[0].request_id
    assert len(requests_a[0].request_id) == 20


def test_two_failing_batches_for_one_model_give_two_requests(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    drift = DbtTest("fct_drift_metrics", "fail")
    project.build(drift)
    project.store_failures(
        drift,
        drift_row(batch_id="2026-04-13", metric_value=0.27),
        drift_row(batch_id="2026-04-20", metric_value=0.31),
        drift_row(batch_id="2026-04-20", feature_name="age"),
    )

    code, _, _ = project.run(capsys)

    assert code == 1
    requests = sorted(project.requests().values(), key=lambda r: r["batch_id"])
    assert [(r["model_id"], r["batch_id"], len(r["trigger"])) for r in requests] == [
        ("credit_default", "2026-04-13", 1),
        ("credit_default", "2026-04-20", 2),
    ]
    assert requests[0]["request_id"] != requests[1]["request_id"]


def test_missing_run_results_exits_2_and_says_to_run_dbt_build(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = project.run(capsys)

    assert code == 2
    assert out == ""
    assert "run_results.json not found" in err
    assert "`dbt build`" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_corrupt_artifact_exits_2_naming_the_file_and_line(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.build(DbtTest("fct_drift_metrics", "fail"))
    (project.target / "manifest.json").write_text('{\n  "metadata": {\n    "dbt_schema_version":')

    code, _, err = project.run(capsys)

    assert code == 2
    assert f"file {project.target / 'manifest.json'} is not valid JSON at line 3" in err
    assert "Traceback" not in err


def test_an_artifact_missing_keys_exits_2(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.build(DbtTest("fct_drift_metrics", "fail"))
    path = project.target / "run_results.json"
    data = json.loads(path.read_text())
    del data["results"][1]["status"]
    path.write_text(json.dumps(data))

    code, _, err = project.run(capsys)

    assert code == 2
    assert "key 'results[1].status' is missing" in err


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        ({"run_results_version": 3}, "run-results v3; supported: run-results v4, "),
        ({"run_results_version": 7}, "run-results v7; supported: run-results v4, "),
        ({"manifest_version": 9}, "manifest v9; supported: manifest v10, manifest v11, "),
    ],
)
def test_an_unsupported_schema_version_exits_2_naming_the_version(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    versions: dict[str, int],
    expected: str,
) -> None:
    project.build(DbtTest("fct_drift_metrics", "fail"), **versions)

    code, _, err = project.run(capsys)

    assert code == 2
    assert "unsupported schema version" in err
    assert expected in err


def test_older_supported_artifacts_take_the_relation_from_the_manifest(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    drift = DbtTest("fct_drift_metrics", "fail")
    project.build(drift, run_results_version=4, manifest_version=10)
    project.store_failures(drift, drift_row())
    seen: list[str | None] = []
    fake = project.warehouse

    def source(tests: Any) -> list[dict[str, Any]]:
        seen.extend(t.relation_name for t in tests)
        return fake(tests)

    project.warehouse = source  # type: ignore[assignment]
    code, _, _ = project.run(capsys)

    assert code == 1
    assert seen == [drift.relation_name]
    assert len(project.requests()) == 1


def test_an_errored_drift_test_exits_2_and_is_reported(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = DbtTest("fct_score_drift", "error", test_name="no_score_drift")
    drift = DbtTest("fct_drift_metrics", "fail")
    project.build(broken, drift)
    project.store_failures(drift, drift_row())

    code, _, err = project.run(capsys)

    assert code == 2
    assert f"drift test {broken.unique_id} errored: Runtime Error in test" in err
    assert "Binder Error" in err
    assert "monitoring is broken" in err
    # The alert of the model that did drift is not lost because another test crashed.
    assert len(project.requests()) == 1


def test_a_failing_drift_test_without_stored_failures_exits_2(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.build(DbtTest("fct_drift_metrics", "fail", store_failures=False))

    code, _, err = project.run(capsys)

    assert code == 2
    assert "store_failures: true" in err


def test_a_leftover_tmp_file_is_ignored_and_removed(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    drift = DbtTest("fct_drift_metrics", "fail")
    project.build(drift)
    project.store_failures(drift, drift_row())
    project.outbox.mkdir(parents=True)
    leftover = project.outbox / ".credit_default__2026-04-20__0123456789abcdef0123.json.x1.tmp"
    leftover.write_text('{"request_id": "01234')

    code, out, _ = project.run(capsys)

    assert code == 1
    assert not leftover.exists()
    assert [p.suffix for p in project.outbox.iterdir()] == [".json"]
    assert "requests written:    1" in out
    assert "removed 1 leftover temp file(s)" in out


def test_non_drift_failing_tests_are_ignored(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.build(
        DbtTest("fct_drift_metrics", "fail", test_name="not_null", store_failures=False),
        DbtTest("fct_drift_metrics", "fail", test_name="accepted_values"),
        DbtTest("fct_other_package_drift", "fail", namespace="other_package"),
        DbtTest("fct_score_drift", "pass"),
    )

    code, out, _ = project.run(capsys)

    assert code == 0
    assert project.warehouse.calls == []
    assert not project.outbox.exists()
    assert "tests examined:      4" in out
    assert "drift tests failing: 0" in out


def test_skipped_drift_tests_and_a_stale_manifest_are_reported_as_warnings(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    skipped = DbtTest("fct_drift_metrics", "skipped")
    project.build(skipped, DbtTest("fct_new_model", "pass"))
    manifest_path = project.target / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["nodes"][DbtTest("fct_new_model", "pass").unique_id]
    manifest_path.write_text(json.dumps(manifest))

    code, _, err = project.run(capsys)

    assert code == 0
    assert f"warning: drift test {skipped.unique_id} was skipped" in err
    assert "warning: 1 test result(s) are not in manifest.json" in err


def test_drift_tests_of_the_modelwatch_namespace_count(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    drift = DbtTest("fct_score_drift", "fail", test_name="no_score_drift", namespace="modelwatch")
    project.build(drift)
    project.store_failures(drift, drift_row(feature_role="score", feature_name="score"))

    code, _, _ = project.run(capsys)

    assert code == 1
    assert len(project.requests()) == 1


def test_the_outbox_is_created_if_missing(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drift = DbtTest("fct_drift_metrics", "fail")
    project.build(drift)
    project.store_failures(drift, drift_row())
    outbox = tmp_path / "deep" / "er" / "outbox"

    code, _, _ = project.run(capsys, "--outbox", str(outbox))

    assert code == 1
    assert len(list(outbox.glob("credit_default__2026-04-20__*.json"))) == 1


def test_dry_run_writes_nothing(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    drift = DbtTest("fct_drift_metrics", "fail")
    project.build(drift)
    project.store_failures(drift, drift_row())

    code, out, _ = project.run(capsys, "--dry-run")

    assert code == 1
    assert not project.outbox.exists()
    assert "requests to write:   1" in out
    assert "would write credit_default__2026-04-20__" in out


def test_file_names_are_sanitised(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    drift = DbtTest("fct_drift_metrics", "fail")
    project.build(drift)
    project.store_failures(drift, drift_row(model_id="../team a/fraud:v2", batch_id="2026-04-20"))

    assert project.run(capsys)[0] == 1

    (name,) = project.requests()
    assert name.startswith("_team_a_fraud_v2__2026-04-20__")
    assert project.requests()[name]["model_id"] == "../team a/fraud:v2"


def test_rows_are_normalised_whatever_types_the_adapter_returns() -> None:
    row = rr.drift_row_from_mapping(
        {
            "TEST_UNIQUE_ID": "test.x",
            **{k.upper(): v for k, v in drift_row().items()},
            "BATCH_STARTED_AT": "2026-04-20T00:00:00+00:00",
            "METRIC_VALUE": 0.5,
            "WARN_THRESHOLD": None,
            "SEVERITY_LEVEL": Decimal(2),
        }
    )

    assert row.batch_started_at == datetime(2026, 4, 20, tzinfo=UTC)
    assert row.metric_value == 0.5
    assert row.warn_threshold is None
    assert row.severity_level == 2
    assert rr._iso(row.batch_started_at) == "2026-04-20T00:00:00Z"


def test_the_dbt_show_call_reads_all_tests_in_one_unlimited_quiet_query(tmp_path: Path) -> None:
    tests = [
        rr.TestResult("test.m.a", "a", "no_feature_drift", None, "fail", None, '"db"."s"."a"'),
        rr.TestResult("test.m.it's", "b", "no_score_drift", None, "fail", None, '"db"."s"."b"'),
    ]
    source = rr.DbtShowRowSource(tmp_path, tmp_path, tmp_path / "target", target="prod")

    sql = rr.build_failures_query(tests)
    args = source.dbt_args(sql)

    assert sql.startswith("{% raw %}") and sql.endswith("{% endraw %}")
    assert sql.count("union all") == 1
    assert "select 'test.m.it''s' as test_unique_id, model_id, model_version," in sql
    assert 'from "db"."s"."b"' in sql
    assert args[:5] == ["show", "--inline", sql, "--limit", "-1"]
    for flag in ("--quiet", "--no-write-json", "--profiles-dir", "--target"):
        assert flag in args
    assert args[args.index("--log-level") + 1] == "none"


def test_help_describes_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        rr.main(["--help"])

    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--project-dir", "--profiles-dir", "--target-path", "--outbox", "--dry-run"):
        assert flag in out


# --------------------------------------------------------------------------------------------
# End to end with dbt (about 15 s)
# --------------------------------------------------------------------------------------------

E2E_COLUMNS = (
    "model_id, model_version, reference_id, batch_id, batch_started_at, batch_ended_at, "
    "feature_name, feature_role, metric_name, metric_value, warn_threshold, error_threshold, "
    "threshold_direction, severity_level, status, retrain_window_started_at, "
    "retrain_window_ended_at"
)


def _e2e_row(model: str, batch: str, feature: str, metric: str, value: float, level: int) -> str:
    status = {1: "warn", 2: "alert"}[level]
    direction = "below" if metric == "ks_pvalue" else "above"
    return (
        f"('{model}', 'v3', '{model}_ref', '{batch}', timestamp '{batch} 00:00:00', "
        f"timestamp '{batch} 00:00:00' + interval 7 day, '{feature}', 'feature', '{metric}', "
        f"{value}::double, 0.1::double, 0.25::double, '{direction}', {level}, '{status}', "
        f"timestamp '{batch} 00:00:00' - interval 56 day, timestamp '{batch} 00:00:00')"
    )


def _write_e2e_project(root: Path) -> None:
    """A minimal dbt project with a failing, a warning and a passing drift test."""
    (root / "models").mkdir(parents=True)
    (root / "macros").mkdir()
    (root / "dbt_project.yml").write_text(
        "name: e2e\nversion: '1.0'\nprofile: e2e\nconfig-version: 2\n"
    )
    (root / "profiles.yml").write_text(
        "e2e:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {root / 'e2e.duckdb'}\n      threads: 1\n"
    )
    (root / "macros" / "no_feature_drift.sql").write_text(
        "{% test no_feature_drift(model) %}\n"
        "{{ config(store_failures=true, fail_calc='coalesce(max(severity_level), 0)',"
        " warn_if='>=1', error_if='>=2') }}\n"
        "select * from {{ model }} where severity_level >= 1\n"
        "{% endtest %}\n"
    )
    models = {
        "credit_drift": [
            _e2e_row("credit", "2026-04-13", "income", "psi", 0.4, 2),
            _e2e_row("credit", "2026-04-20", "income", "psi", 0.5, 2),
            _e2e_row("credit", "2026-04-20", "age", "ks_pvalue", 0.001, 2),
            _e2e_row("credit", "2026-04-20", "tenure", "psi", 0.12, 1),
        ],
        "quiet_drift": [_e2e_row("quiet", "2026-04-20", "x", "psi", 0.01, 1)],
        "churn_drift": [_e2e_row("churn", "2026-04-20", "plan", "psi", 0.12, 1)],
    }
    for name, rows in models.items():
        where = " where false" if name == "quiet_drift" else ""
        (root / "models" / f"{name}.sql").write_text(
            "select * from (values\n  " + ",\n  ".join(rows) + f"\n) as t({E2E_COLUMNS}){where}\n"
        )
    # churn_drift (the last model) also gets a failing test that is not a drift test.
    (root / "models" / "schema.yml").write_text(
        "version: 2\nmodels:\n"
        + "".join(
            f"  - name: {name}\n    data_tests:\n      - no_feature_drift\n" for name in models
        )
        + "    columns:\n      - name: model_id\n"
        "        data_tests:\n          - accepted_values:\n"
        "              arguments:\n                values: ['nope']\n"
    )


def _dbt_executable() -> str | None:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else shutil.which("dbt")


@pytest.mark.skipif(
    importlib.util.find_spec("dbt.adapters.duckdb") is None or _dbt_executable() is None,
    reason="needs dbt-duckdb",
)
def test_end_to_end_with_real_dbt_artifacts_and_dbt_show(tmp_path: Path) -> None:
    root = tmp_path / "e2e"
    _write_e2e_project(root)
    # No inherited DBT_* setting (profiles dir, target path, ...) may redirect this project.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    dbt = _dbt_executable()
    assert dbt is not None
    build = subprocess.run(
        [dbt, "build", "--project-dir", str(root), "--profiles-dir", str(root)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert build.returncode == 1, build.stdout[-2000:]  # the failing tests fail the build
    run_results = (root / "target" / "run_results.json").read_bytes()
    cli = [sys.executable, str(SCRIPT), "--project-dir", str(root)]

    first = subprocess.run(cli, capture_output=True, text=True, env=env, check=False)
    second = subprocess.run(cli, capture_output=True, text=True, env=env, check=False)

    assert first.returncode == 1, first.stderr
    assert first.stderr == ""
    assert "drift tests failing: 1" in first.stdout
    assert "drift tests warning: 1" in first.stdout
    assert "requests written:    2" in first.stdout
    assert second.returncode == 1, second.stderr
    assert "already present:     2" in second.stdout
    # `dbt show` must not overwrite the artifacts of `dbt build`.
    assert (root / "target" / "run_results.json").read_bytes() == run_results
    invocation_id = json.loads(run_results)["metadata"]["invocation_id"]
    requests = {
        r["batch_id"]: r
        for r in (json.loads(p.read_text()) for p in (root / "outbox").glob("*.json"))
    }
    assert sorted(requests) == ["2026-04-13", "2026-04-20"]
    latest = requests["2026-04-20"]
    assert latest["model_id"] == "credit"
    assert latest["dbt_invocation_id"] == invocation_id
    assert latest["batch_ended_at"] == "2026-04-27T00:00:00"
    assert latest["retrain_window"] == {
        "started_at": "2026-02-23T00:00:00",
        "ended_at": "2026-04-20T00:00:00",
    }
    assert [
        (t["feature_name"], t["metric_name"], t["metric_value"]) for t in latest["trigger"]
    ] == [
        ("age", "ks_pvalue", 0.001),
        ("income", "psi", 0.5),
    ]
