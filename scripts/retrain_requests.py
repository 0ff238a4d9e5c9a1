"""Turn failing modelwatch drift tests into retrain requests.

After ``dbt build``, every drift alert of modelwatch is a failing dbt data test (generic test
``no_feature_drift`` or ``no_score_drift``) configured with ``store_failures: true``. This
script reads ``run_results.json`` and ``manifest.json``, selects the drift tests that failed at
error level, reads their stored failing rows through dbt itself (``dbt show --inline``, so it
works on any adapter) and writes one JSON retrain request per model and monitoring batch into
an outbox folder, for an orchestrator or a training pipeline to pick up.

Usage::

    python scripts/retrain_requests.py [--project-dir .] [--profiles-dir DIR]
        [--target-path DIR] [--outbox DIR] [--target NAME] [--dry-run]

Behaviour:

* Only tests with status ``fail`` raise requests: ``warn`` means warning level, which does not
  retrain. A drift test with status ``error`` (the test itself crashed) means the monitoring is
  broken: it is reported on stderr and the exit code is 2.
* Only stored rows with ``severity_level >= 2`` trigger; rows are grouped by
  ``(model_id, batch_id)``.
* ``request_id`` is derived from the model, batch, reference and the triggering
  ``(feature, metric)`` pairs only, so re-running on the same results writes nothing new.
* Files are written atomically (temp file ``*.tmp`` in the outbox, fsync, ``os.replace``);
  leftover ``*.tmp`` files of a crashed run are ignored and removed on the next run.

Exit codes: 0 no failing drift test; 1 at least one failing drift test (requests written or
already present); 2 bad input (missing or invalid artifacts) or broken monitoring (errored drift
test, failed ``dbt show``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

DRIFT_TEST_NAMES = frozenset({"no_feature_drift", "no_score_drift"})
DRIFT_TEST_NAMESPACES = frozenset({None, "modelwatch"})
SUPPORTED_SCHEMA_VERSIONS: dict[str, tuple[int, ...]] = {
    "run-results": (4, 5, 6),
    "manifest": (10, 11, 12),
}
ERROR_SEVERITY = 2
REQUEST_SCHEMA_VERSION = 1
REQUEST_ID_LENGTH = 20
MAX_NAME_PART = 80
WRITE_ATTEMPTS = 3

EXIT_OK = 0
EXIT_ALERTS = 1
EXIT_BROKEN = 2

# Columns read from the stored failures of a drift test, in the order of the union query.
FAILURE_COLUMNS = (
    "model_id",
    "model_version",
    "reference_id",
    "batch_id",
    "batch_started_at",
    "batch_ended_at",
    "feature_name",
    "feature_role",
    "metric_name",
    "metric_value",
    "warn_threshold",
    "error_threshold",
    "threshold_direction",
    "severity_level",
    "status",
    "retrain_window_started_at",
    "retrain_window_ended_at",
)
TEST_ID_COLUMN = "test_unique_id"

_SCHEMA_URL = re.compile(r"/(?P<kind>[a-z-]+)/v(?P<version>\d+)\.json$")
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_REQUEST_ID = re.compile(rf"[0-9a-f]{{{REQUEST_ID_LENGTH}}}")


class CliError(Exception):
    """A problem the user has to fix; ``str(error)`` is a one-line actionable message."""


# --------------------------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResultEntry:
    """One entry of ``run_results.json``: a node that was executed."""

    unique_id: str
    status: str
    message: str | None
    relation_name: str | None


@dataclass(frozen=True)
class RunResults:
    """The parts of ``run_results.json`` this script needs."""

    schema_version: int
    invocation_id: str | None
    results: tuple[RunResultEntry, ...]


@dataclass(frozen=True)
class ManifestTest:
    """A data test node of ``manifest.json``."""

    unique_id: str
    name: str
    test_name: str | None
    test_namespace: str | None
    relation_name: str | None


@dataclass(frozen=True)
class Manifest:
    """The parts of ``manifest.json`` this script needs: its data tests by unique id."""

    schema_version: int
    tests: Mapping[str, ManifestTest]
    node_ids: frozenset[str]


@dataclass(frozen=True)
class TestResult:
    """The outcome of one data test of the run, joined with its manifest node."""

    __test__ = False  # not a pytest test class

    unique_id: str
    name: str
    test_name: str | None
    test_namespace: str | None
    status: str
    message: str | None
    relation_name: str | None
    in_manifest: bool = True

    @property
    def is_drift_test(self) -> bool:
        """True for modelwatch's drift tests (``no_feature_drift``, ``no_score_drift``)."""
        return self.test_name in DRIFT_TEST_NAMES and self.test_namespace in DRIFT_TEST_NAMESPACES


@dataclass(frozen=True)
class DriftRow:
    """One stored failing row of a drift test (one feature metric of one batch)."""

    test_unique_id: str
    model_id: str
    model_version: str | None
    reference_id: str | None
    batch_id: str
    batch_started_at: datetime | None
    batch_ended_at: datetime | None
    feature_name: str | None
    feature_role: str | None
    metric_name: str | None
    metric_value: float | None
    warn_threshold: float | None
    error_threshold: float | None
    threshold_direction: str | None
    severity_level: int
    status: str | None
    retrain_window_started_at: datetime | None
    retrain_window_ended_at: datetime | None


@dataclass(frozen=True)
class Trigger:
    """A feature metric that crossed its error threshold."""

    feature_name: str
    metric_name: str
    feature_role: str
    status: str
    threshold_direction: str
    metric_value: float | None
    warn_threshold: float | None
    error_threshold: float | None

    def sort_key(self) -> tuple[Any, ...]:
        """Sort by feature, then metric (then the remaining fields, for determinism)."""
        numbers = (self.metric_value, self.warn_threshold, self.error_threshold)
        return (
            self.feature_name,
            self.metric_name,
            self.feature_role,
            self.status,
            self.threshold_direction,
            *((n is None, n or 0.0) for n in numbers),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of this trigger."""
        return {
            "feature_name": self.feature_name,
            "feature_role": self.feature_role,
            "metric_name": self.metric_name,
            "metric_value": self.metric_value,
            "warn_threshold": self.warn_threshold,
            "error_threshold": self.error_threshold,
            "threshold_direction": self.threshold_direction,
            "status": self.status,
        }


@dataclass(frozen=True)
class RetrainRequest:
    """A request to retrain one model because of one drifting monitoring batch."""

    request_id: str
    model_id: str
    model_version: str | None
    batch_id: str
    batch_started_at: datetime | None
    batch_ended_at: datetime | None
    reference_id: str | None
    trigger: tuple[Trigger, ...]
    retrain_window_started_at: datetime | None
    retrain_window_ended_at: datetime | None
    dbt_invocation_id: str | None
    dbt_test_unique_ids: tuple[str, ...]
    created_at: datetime

    @property
    def file_name(self) -> str:
        """The outbox file name: ``<model_id>__<batch_id>__<request_id>.json``."""
        return f"{_safe_name(self.model_id)}__{_safe_name(self.batch_id)}__{self.request_id}.json"

    def to_json(self) -> dict[str, Any]:
        """Return the JSON document of this request."""
        return {
            "request_id": self.request_id,
            "model_id": self.model_id,
            "model_version": self.model_version,
            "batch_id": self.batch_id,
            "batch_started_at": _iso(self.batch_started_at),
            "batch_ended_at": _iso(self.batch_ended_at),
            "reference_id": self.reference_id,
            "trigger": [t.to_json() for t in self.trigger],
            "retrain_window": {
                "started_at": _iso(self.retrain_window_started_at),
                "ended_at": _iso(self.retrain_window_ended_at),
            },
            "dbt_invocation_id": self.dbt_invocation_id,
            "dbt_test_unique_ids": list(self.dbt_test_unique_ids),
            "created_at": _iso(self.created_at),
            "schema_version": REQUEST_SCHEMA_VERSION,
        }


@dataclass
class OutboxReport:
    """What happened (or would happen, with ``--dry-run``) in the outbox."""

    written: list[tuple[RetrainRequest, Path]] = field(default_factory=list)
    already_present: list[tuple[RetrainRequest, Path]] = field(default_factory=list)
    removed_temp_files: int = 0


# A row source returns the stored failing rows of the given drift tests, each row a mapping
# from column name to value that also carries the ``test_unique_id`` of its test.
RowSource = Callable[[Sequence[TestResult]], Iterable[Mapping[str, Any]]]


# --------------------------------------------------------------------------------------------
# Reading dbt artifacts
# --------------------------------------------------------------------------------------------


def load_json(path: Path) -> Any:
    """Read a JSON file; raise :class:`CliError` with an actionable one-line message."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(
            f"{path} not found: run `dbt build` first (or point --target-path at the folder "
            "holding run_results.json and manifest.json)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"cannot read {path}: {reason}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"file {path} is not valid JSON at line {exc.lineno}: {exc.msg} "
            "(re-run `dbt build` to regenerate it)"
        ) from None


def parse_schema_version(data: Any, kind: str, path: Path) -> int:
    """Return the artifact version from ``metadata.dbt_schema_version``; check it is supported.

    ``kind`` is ``"run-results"`` or ``"manifest"``.
    """
    url = _require(data, ("metadata", "dbt_schema_version"), path, str)
    supported = SUPPORTED_SCHEMA_VERSIONS[kind]
    supported_text = ", ".join(f"{kind} v{v}" for v in supported)
    match = _SCHEMA_URL.search(url)
    if match is None:
        raise CliError(
            f"{path} has an unrecognised dbt_schema_version {url!r}; supported: {supported_text}"
        )
    found_kind, version = match["kind"], int(match["version"])
    if found_kind != kind:
        raise CliError(
            f"{path} is a dbt {found_kind} v{version} artifact, expected {kind} "
            f"(supported: {supported_text})"
        )
    if version not in supported:
        raise CliError(
            f"{path} has unsupported schema version {kind} v{version}; supported: "
            f"{supported_text} (use a dbt version that writes one of these)"
        )
    return version


def parse_run_results(data: Any, path: Path) -> RunResults:
    """Parse the decoded ``run_results.json``."""
    version = parse_schema_version(data, "run-results", path)
    invocation_id = _optional_str(data["metadata"].get("invocation_id"))
    raw_results = _require(data, ("results",), path, list)
    results = []
    for index, raw in enumerate(raw_results):
        where = ("results", index)
        unique_id = _require(raw, ("unique_id",), path, str, prefix=where)
        status = _require(raw, ("status",), path, str, prefix=where)
        results.append(
            RunResultEntry(
                unique_id=unique_id,
                status=status.lower(),
                message=_optional_str(raw.get("message")),
                relation_name=_optional_str(raw.get("relation_name")) or None,
            )
        )
    return RunResults(version, invocation_id, tuple(results))


def parse_manifest(data: Any, path: Path) -> Manifest:
    """Parse the decoded ``manifest.json``, keeping its data test nodes."""
    version = parse_schema_version(data, "manifest", path)
    nodes = _require(data, ("nodes",), path, dict)
    tests: dict[str, ManifestTest] = {}
    for unique_id, node in nodes.items():
        if not isinstance(node, dict):
            raise CliError(f"{path}: nodes[{unique_id!r}] is not an object (re-run `dbt build`)")
        if node.get("resource_type") != "test":
            continue
        metadata = node.get("test_metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        tests[unique_id] = ManifestTest(
            unique_id=unique_id,
            name=_optional_str(node.get("name")) or unique_id,
            test_name=_optional_str(metadata.get("name")),
            test_namespace=_optional_str(metadata.get("namespace")),
            relation_name=_optional_str(node.get("relation_name")) or None,
        )
    return Manifest(version, tests, frozenset(nodes))


def join_test_results(run_results: RunResults, manifest: Manifest) -> list[TestResult]:
    """Return the data tests of the run, each joined with its manifest node.

    Results of other resources (models, seeds, unit tests, ...) are left out. A test result
    whose node is missing from the manifest (stale manifest) is kept without test metadata.
    """
    tests = []
    for entry in run_results.results:
        node = manifest.tests.get(entry.unique_id)
        if node is None and (
            entry.unique_id in manifest.node_ids or not entry.unique_id.startswith("test.")
        ):
            continue
        tests.append(
            TestResult(
                unique_id=entry.unique_id,
                name=node.name if node else entry.unique_id.split(".")[-2],
                test_name=node.test_name if node else None,
                test_namespace=node.test_namespace if node else None,
                status=entry.status,
                message=entry.message,
                relation_name=entry.relation_name or (node.relation_name if node else None),
                in_manifest=node is not None,
            )
        )
    return tests


def load_test_results(target_path: Path) -> tuple[RunResults, list[TestResult]]:
    """Read and join ``run_results.json`` and ``manifest.json`` from ``target_path``."""
    run_results_path = target_path / "run_results.json"
    manifest_path = target_path / "manifest.json"
    run_results = parse_run_results(load_json(run_results_path), run_results_path)
    manifest = parse_manifest(load_json(manifest_path), manifest_path)
    return run_results, join_test_results(run_results, manifest)


# --------------------------------------------------------------------------------------------
# Fetching stored failures through dbt
# --------------------------------------------------------------------------------------------


def build_failures_query(tests: Sequence[TestResult]) -> str:
    """Return one SQL query reading the stored failures of all ``tests``.

    The query is a ``union all`` of explicit column lists (so the column order of each stored
    table does not matter), with the test's unique id as a literal first column. It is wrapped
    in ``{% raw %}`` so dbt does not interpret anything in it as Jinja.
    """
    if not tests:
        raise ValueError("no tests to query")
    columns = ", ".join(FAILURE_COLUMNS)
    selects = []
    for test in tests:
        literal = "'" + test.unique_id.replace("'", "''") + "'"
        selects.append(
            f"select {literal} as {TEST_ID_COLUMN}, {columns}\nfrom {test.relation_name}"
        )
    return "{% raw %}\n" + "\nunion all\n".join(selects) + "\n{% endraw %}"


@dataclass(frozen=True)
class DbtShowRowSource:
    """Row source that reads stored failures with one ``dbt show --inline`` invocation."""

    project_dir: Path
    profiles_dir: Path | None
    target_path: Path
    target: str | None = None

    def dbt_args(self, sql: str) -> list[str]:
        """Return the dbt CLI arguments of the ``show`` invocation for ``sql``."""
        args = [
            "show",
            "--inline",
            sql,
            "--limit",
            "-1",  # negative: no limit
            "--project-dir",
            str(self.project_dir),
            "--target-path",
            str(self.target_path),
            "--quiet",
            "--log-level",
            "none",
            "--no-write-json",  # keep run_results.json and manifest.json of `dbt build`
            "--no-send-anonymous-usage-stats",
        ]
        if self.profiles_dir is not None:
            args += ["--profiles-dir", str(self.profiles_dir)]
        if self.target:
            args += ["--target", self.target]
        return args

    def __call__(self, tests: Sequence[TestResult]) -> list[dict[str, Any]]:
        """Return the stored failing rows of ``tests`` as dicts keyed by lower-case column."""
        # Imported lazily: importing dbt is slow, and unit tests pass a fake row source.
        from dbt.cli.main import dbtRunner

        try:
            result = dbtRunner().invoke(self.dbt_args(build_failures_query(tests)))
        except Exception as exc:  # noqa: BLE001 - never a traceback, whatever dbt raises
            raise CliError(
                f"`dbt show` crashed: {_one_line(str(exc)) or type(exc).__name__}"
            ) from exc
        if not result.success or result.exception is not None:
            detail = _one_line(str(result.exception or "unknown error")) or "unknown error"
            raise CliError(
                f"`dbt show` could not read the stored drift failures: {detail} "
                "(check the profile/--target and that `dbt build` ran with store_failures)"
            )
        tables = [
            r.agate_table
            for r in getattr(result.result, "results", [])
            if getattr(r, "agate_table", None) is not None
        ]
        if len(tables) != 1:
            raise CliError(f"`dbt show` returned {len(tables)} result tables instead of 1")
        table = tables[0]
        names = [str(name).lower() for name in table.column_names]
        return [dict(zip(names, row, strict=True)) for row in table.rows]


# --------------------------------------------------------------------------------------------
# Building requests
# --------------------------------------------------------------------------------------------


def drift_row_from_mapping(values: Mapping[str, Any]) -> DriftRow:
    """Convert one fetched row (any value types an adapter returns) to a :class:`DriftRow`."""
    row = {str(key).lower(): value for key, value in values.items()}
    missing = [c for c in (TEST_ID_COLUMN, *FAILURE_COLUMNS) if c not in row]
    if missing:
        raise CliError(
            f"stored drift failures lack column(s) {', '.join(missing)}: the drift tests do not "
            "match this script's contract"
        )
    model_id = _text(row["model_id"])
    batch_id = _text(row["batch_id"])
    if model_id is None or batch_id is None:
        raise CliError(
            f"stored failures of {row[TEST_ID_COLUMN]} hold a row without model_id or batch_id"
        )
    return DriftRow(
        test_unique_id=str(row[TEST_ID_COLUMN]),
        model_id=model_id,
        model_version=_text(row["model_version"]),
        reference_id=_text(row["reference_id"]),
        batch_id=batch_id,
        batch_started_at=_timestamp(row["batch_started_at"]),
        batch_ended_at=_timestamp(row["batch_ended_at"]),
        feature_name=_text(row["feature_name"]),
        feature_role=_text(row["feature_role"]),
        metric_name=_text(row["metric_name"]),
        metric_value=_number(row["metric_value"]),
        warn_threshold=_number(row["warn_threshold"]),
        error_threshold=_number(row["error_threshold"]),
        threshold_direction=_text(row["threshold_direction"]),
        severity_level=int(_number(row["severity_level"]) or 0),
        status=_text(row["status"]),
        retrain_window_started_at=_timestamp(row["retrain_window_started_at"]),
        retrain_window_ended_at=_timestamp(row["retrain_window_ended_at"]),
    )


def compute_request_id(
    model_id: str, batch_id: str, reference_id: str | None, triggers: Iterable[tuple[str, str]]
) -> str:
    """Return the deterministic request id: sha256 over model, batch, reference and triggers.

    ``triggers`` are ``(feature_name, metric_name)`` pairs; duplicates and order do not matter.
    """
    payload = json.dumps(
        [model_id, batch_id, reference_id, sorted({(f, m) for f, m in triggers})],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:REQUEST_ID_LENGTH]


def build_requests(
    rows: Iterable[DriftRow], invocation_id: str | None, created_at: datetime
) -> list[RetrainRequest]:
    """Group error-level rows by ``(model_id, batch_id)`` into retrain requests, sorted."""
    groups: dict[tuple[str, str], list[DriftRow]] = defaultdict(list)
    for row in rows:
        if row.severity_level >= ERROR_SEVERITY:
            groups[(row.model_id, row.batch_id)].append(row)
    requests = []
    for (model_id, batch_id), group in sorted(groups.items()):
        triggers = sorted(
            {
                Trigger(
                    feature_name=r.feature_name or "",
                    metric_name=r.metric_name or "",
                    feature_role=r.feature_role or "",
                    status=r.status or "",
                    threshold_direction=r.threshold_direction or "",
                    metric_value=r.metric_value,
                    warn_threshold=r.warn_threshold,
                    error_threshold=r.error_threshold,
                )
                for r in group
            },
            key=Trigger.sort_key,
        )
        reference_id = _most_common(r.reference_id for r in group)
        requests.append(
            RetrainRequest(
                request_id=compute_request_id(
                    model_id,
                    batch_id,
                    reference_id,
                    ((t.feature_name, t.metric_name) for t in triggers),
                ),
                model_id=model_id,
                model_version=_most_common(r.model_version for r in group),
                batch_id=batch_id,
                batch_started_at=_min(r.batch_started_at for r in group),
                batch_ended_at=_max(r.batch_ended_at for r in group),
                reference_id=reference_id,
                trigger=tuple(triggers),
                retrain_window_started_at=_min(r.retrain_window_started_at for r in group),
                retrain_window_ended_at=_max(r.retrain_window_ended_at for r in group),
                dbt_invocation_id=invocation_id,
                dbt_test_unique_ids=tuple(sorted({r.test_unique_id for r in group})),
                created_at=created_at,
            )
        )
    return requests


# --------------------------------------------------------------------------------------------
# Outbox
# --------------------------------------------------------------------------------------------


def existing_request_ids(outbox: Path) -> dict[str, Path]:
    """Return the request ids already in the outbox, mapped to their files."""
    if not outbox.is_dir():
        return {}
    found = {}
    for path in outbox.glob("*.json"):
        request_id = path.stem.rpartition("__")[2]
        if _REQUEST_ID.fullmatch(request_id):
            found[request_id] = path
    return found


def remove_temp_files(outbox: Path) -> int:
    """Remove ``*.tmp`` files left in the outbox by an interrupted run; return how many."""
    removed = 0
    if not outbox.is_dir():
        return removed
    with os.scandir(outbox) as entries:
        for entry in entries:
            if entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
                with suppress(FileNotFoundError):  # a concurrent run may have removed it
                    os.unlink(entry.path)
                    removed += 1
    return removed


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers never see a partial file.

    The text goes to a ``.tmp`` file in the same folder, is flushed and fsynced, then moved
    into place with :func:`os.replace`. A concurrent run that cleans up temp files in between
    makes the move fail; the write is then retried.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o644)
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, path)
        except FileNotFoundError:
            if attempt == WRITE_ATTEMPTS:
                raise
            continue
        except BaseException:
            with suppress(OSError):
                os.unlink(temp_name)
            raise
        break
    _fsync_directory(path.parent)


def write_outbox(
    requests: Sequence[RetrainRequest], outbox: Path, *, dry_run: bool = False
) -> OutboxReport:
    """Write each request not yet in the outbox; with ``dry_run``, only report what would be."""
    report = OutboxReport()
    if not dry_run:
        try:
            if requests:
                outbox.mkdir(parents=True, exist_ok=True)
            report.removed_temp_files = remove_temp_files(outbox)
        except OSError as exc:
            raise CliError(f"cannot prepare outbox {outbox}: {exc.strerror or exc}") from None
    existing = existing_request_ids(outbox)
    for request in requests:
        if request.request_id in existing:
            report.already_present.append((request, existing[request.request_id]))
            continue
        path = outbox / request.file_name
        if not dry_run:
            text = json.dumps(request.to_json(), indent=2, ensure_ascii=False, allow_nan=False)
            try:
                write_atomically(path, text + "\n")
            except OSError as exc:
                raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
        existing[request.request_id] = path
        report.written.append((request, path))
    return report


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def format_summary(
    tests: Sequence[TestResult],
    failing: Sequence[TestResult],
    warning: Sequence[TestResult],
    report: OutboxReport,
    *,
    dry_run: bool,
) -> str:
    """Return the human summary printed on stdout."""
    verb = "would write" if dry_run else "wrote"
    counts = {
        "tests examined": len(tests),
        "drift tests failing": len(failing),
        "drift tests warning": f"{len(warning)} (warnings do not retrain)",
        "requests to write" if dry_run else "requests written": len(report.written),
        "already present": len(report.already_present),
    }
    lines = [f"{label + ':':<21}{value}" for label, value in counts.items()]
    if report.removed_temp_files:
        lines.append(f"removed {report.removed_temp_files} leftover temp file(s)")
    for request, path in report.written:
        features = ", ".join(f"{t.feature_name} ({t.metric_name})" for t in request.trigger)
        lines.append(
            f"  {verb} {path.name}: model {request.model_id}, batch {request.batch_id}, "
            f"features {features}"
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(
        description=(
            "Turn failing modelwatch drift tests (from the last `dbt build`) into JSON retrain "
            "requests, one per model and batch, in an outbox folder."
        ),
        epilog=(
            "Exit codes: 0 no failing drift test; 1 failing drift tests (requests written or "
            "already present); 2 bad input or broken monitoring."
        ),
    )
    parser.add_argument(
        "--project-dir", type=Path, default=Path("."), help="dbt project folder (default: .)"
    )
    parser.add_argument(
        "--profiles-dir",
        type=Path,
        default=None,
        help=(
            "folder holding profiles.yml (default: the project folder if it has a "
            "profiles.yml and DBT_PROFILES_DIR is unset, else dbt's own default)"
        ),
    )
    parser.add_argument(
        "--target-path",
        type=Path,
        default=None,
        help="folder with run_results.json and manifest.json (default: <project-dir>/target)",
    )
    parser.add_argument(
        "--outbox",
        type=Path,
        default=None,
        help="folder the requests are written to (default: <project-dir>/outbox)",
    )
    parser.add_argument("--target", default=None, help="dbt target used to read the failures")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be written, write nothing"
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    row_source: RowSource | None = None,
    now: datetime | None = None,
) -> int:
    """Run the CLI; return the exit code.

    ``row_source`` replaces the ``dbt show`` fetch (tests pass a fake); ``now`` fixes
    ``created_at``.
    """
    args = build_parser().parse_args(argv)
    project_dir: Path = args.project_dir
    target_path: Path = args.target_path or project_dir / "target"
    outbox: Path = args.outbox or project_dir / "outbox"
    if row_source is None:
        row_source = DbtShowRowSource(
            project_dir=project_dir,
            profiles_dir=_default_profiles_dir(project_dir, args.profiles_dir),
            target_path=target_path,
            target=args.target,
        )
    try:
        created_at = (now or datetime.now(UTC)).replace(microsecond=0)
        return _run(args, target_path, outbox, row_source, created_at)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BROKEN


def _run(
    args: argparse.Namespace,
    target_path: Path,
    outbox: Path,
    row_source: RowSource,
    now: datetime,
) -> int:
    """Core of :func:`main`; raises :class:`CliError` on bad input."""
    run_results, tests = load_test_results(target_path)
    drift_tests = [t for t in tests if t.is_drift_test]
    failing = [t for t in drift_tests if t.status == "fail"]
    warning = [t for t in drift_tests if t.status == "warn"]
    errored = [t for t in drift_tests if t.status == "error"]
    skipped = [t for t in drift_tests if t.status == "skipped"]

    for test in errored:
        detail = _one_line(test.message or "") or "no message"
        print(f"error: drift test {test.unique_id} errored: {detail}", file=sys.stderr)
    if errored:
        print(
            f"error: {len(errored)} drift test(s) errored: the monitoring is broken, fix the "
            "test(s) and re-run `dbt build`",
            file=sys.stderr,
        )
    orphans = [t for t in tests if not t.in_manifest]
    if orphans:
        print(
            f"warning: {len(orphans)} test result(s) are not in manifest.json (stale manifest?); "
            "re-run `dbt build` so both artifacts come from the same run",
            file=sys.stderr,
        )
    for test in skipped:
        print(
            f"warning: drift test {test.unique_id} was skipped (an upstream node failed)",
            file=sys.stderr,
        )

    for test in failing:
        if not test.relation_name:
            raise CliError(
                f"drift test {test.unique_id} has no stored failures relation: configure it "
                "with `store_failures: true` and re-run `dbt build`"
            )

    requests: list[RetrainRequest] = []
    if failing:
        rows = [drift_row_from_mapping(values) for values in row_source(failing)]
        requests = build_requests(rows, run_results.invocation_id, now)
        with_rows = {r.test_unique_id for r in rows if r.severity_level >= ERROR_SEVERITY}
        for test in failing:
            if test.unique_id not in with_rows:
                print(
                    f"warning: drift test {test.unique_id} failed but its stored failures hold "
                    f"no row with severity_level >= {ERROR_SEVERITY}",
                    file=sys.stderr,
                )
    report = write_outbox(requests, outbox, dry_run=args.dry_run)
    print(format_summary(tests, failing, warning, report, dry_run=args.dry_run))

    if errored:
        return EXIT_BROKEN
    return EXIT_ALERTS if failing else EXIT_OK


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _require(
    data: Any,
    keys: Sequence[str],
    path: Path,
    kind: type,
    *,
    prefix: Sequence[str | int] = (),
) -> Any:
    """Return ``data[keys...]``, raising :class:`CliError` if it is missing or mistyped."""
    value = data
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            value = None
            break
        value = value[key]
    if not isinstance(value, kind):
        location = "".join(
            f"[{k}]" if isinstance(k, int) else f".{k}" for k in (*prefix, *keys)
        ).lstrip(".")
        problem = "is missing" if value is None else f"is not a {kind.__name__}"
        raise CliError(
            f"{path}: key '{location}' {problem}; is it a complete dbt artifact? re-run `dbt build`"
        )
    return value


def _default_profiles_dir(project_dir: Path, explicit: Path | None) -> Path | None:
    """Return the ``--profiles-dir`` to pass to dbt, or None to let dbt pick its default."""
    if explicit is not None:
        return explicit
    if os.environ.get("DBT_PROFILES_DIR"):
        return None
    if (project_dir / "profiles.yml").is_file():
        return project_dir
    return None


def _optional_str(value: Any) -> str | None:
    """Return ``value`` if it is a string, else None."""
    return value if isinstance(value, str) else None


def _one_line(text: str, limit: int = 300) -> str:
    """Collapse ``text`` (e.g. a multi-line dbt error) to one line of at most ``limit`` chars."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _text(value: Any) -> str | None:
    """Normalise a fetched value to a string (adapters may return dates or numbers)."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _number(value: Any) -> float | None:
    """Normalise a fetched numeric value (Decimal, int, str) to a finite float or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CliError(f"stored drift failures hold a non-numeric value {value!r}") from None
    return number if math.isfinite(number) else None


def _timestamp(value: Any) -> datetime | None:
    """Normalise a fetched timestamp (datetime, date or ISO string) to a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise CliError(f"stored drift failures hold an invalid timestamp {value!r}") from None


def _iso(value: datetime | None) -> str | None:
    """Format a timestamp as ISO 8601 (``Z`` for UTC, naive timestamps stay naive)."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _most_common(values: Iterable[str | None]) -> str | None:
    """Return the most common non-null value (ties: the smallest), or None."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    return min(counts, key=lambda v: (-counts[v], v))


def _min(values: Iterable[datetime | None]) -> datetime | None:
    """Return the earliest non-null timestamp, or None."""
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _max(values: Iterable[datetime | None]) -> datetime | None:
    """Return the latest non-null timestamp, or None."""
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _safe_name(value: str) -> str:
    """Make ``value`` safe as part of a file name (no separators, no leading dot)."""
    safe = _UNSAFE_NAME_CHARS.sub("_", value).lstrip(".")[:MAX_NAME_PART]
    return safe or "_"


def _fsync_directory(directory: Path) -> None:
    """Persist a rename in ``directory`` (best effort: not every platform supports it)."""
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


if __name__ == "__main__":
    sys.exit(main())
