"""Hand retrain decisions to the orchestrator exactly once: outbox, warehouse table, hooks.

After ``dbt build``, ``run`` reads ``fct_retrain_signals`` through dbt (``dbt show``, any
adapter), decides every batch not decided yet with the model's retrain policy
(``retrain_policy.py``, decision 0019), and hands the decisions off (decision 0020):

1. journal  every new decision and lifecycle event is appended to ``<state>/journal.jsonl``
            (fsynced) before anything else happens: the journal is the source of truth;
2. outbox   one JSON file per request in the outbox (temp file, fsync, rename);
3. warehouse decisions and lifecycle events appended to the ``retrain_decisions`` and
            ``retrain_requests`` tables (``dbt run-operation modelwatch.record_retrain_events``,
            which skips rows already there);
4. hooks    optionally, a command runs or a URL is posted to, per new request.

Each step is marked done in the journal once it succeeded; a run starts by finishing what a
crashed run left undone (reconcile), so a crash at any point followed by a re-run neither loses
a request nor writes it twice (hooks: at least once, with the request id as idempotency key).
A lock file (O_EXCL) serialises runs; a lock left by a dead process is taken over.

Commands::

    retrain_handoff.py run [--outbox DIR] [--overrides overrides.yml] [--as-of DATE] ...
    retrain_handoff.py ack REQUEST_ID [--by NAME] [--note TEXT]
    retrain_handoff.py close REQUEST_ID --status completed|rejected --reason TEXT [--by NAME]
    retrain_handoff.py status

Exit codes: 0 nothing needs attention; 1 this run requested a retrain, escalated, or raised a
data-quality incident; 2 bad input (artifacts, overrides, unknown request, failed hook or
warehouse write: fix and re-run); 3 another run holds the lock (retry later, or --wait).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import retrain_policy as rp
from retrain_requests import (
    CliError,
    _default_profiles_dir,
    _one_line,
    _safe_name,
    write_atomically,
)

EXIT_OK = 0
EXIT_ATTENTION = 1
EXIT_BAD_INPUT = 2
EXIT_LOCKED = 3

REQUEST_SCHEMA_VERSION = 2
STATE_DIR_NAME = ".modelwatch"
JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "lock"
FAULT_ENV = "MODELWATCH_HANDOFF_FAULT"  # crash:<step> | sleep:<step>:<seconds> (tests only)
HOOK_URL_ENV = "MODELWATCH_HOOK_URL"
HOOK_TIMEOUT_SECONDS = 30
WAREHOUSE_CHUNK = 200
ATTENTION = frozenset({rp.REQUESTED, rp.ESCALATED, rp.BLOCKED_QUALITY})
SIGNAL_KINDS = frozenset({"batch", "drift", "quality"})


class LockedError(Exception):
    """Another run holds the lock."""


def fault_point(step: str) -> None:
    """Fault injection for the crash tests: die (or pause) right after ``step``."""
    fault = os.environ.get(FAULT_ENV, "")
    parts = fault.split(":")
    if len(parts) >= 2 and parts[1] == step:
        if parts[0] == "crash":
            os._exit(99)
        if parts[0] == "sleep":
            time.sleep(float(parts[2]))


# --------------------------------------------------------------------------------------------
# Lock
# --------------------------------------------------------------------------------------------


@dataclass
class Lock:
    """An exclusive lock file; a lock whose process is gone (same host) is stale."""

    path: Path
    wait_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def __enter__(self) -> Lock:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder is not None and self._is_stale(holder):
                    with suppress(FileNotFoundError):
                        os.unlink(self.path)
                    self.notes.append(
                        f"removed a stale lock of pid {holder.get('pid')} "
                        f"(started {holder.get('started_at')}, process gone)"
                    )
                    continue
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                who = holder or {}
                raise LockedError(
                    f"another run holds {self.path} (pid {who.get('pid', '?')} on "
                    f"{who.get('host', '?')}, started {who.get('started_at', '?')}); "
                    "retry when it has finished, or pass --wait SECONDS to queue behind it"
                ) from None
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(
                    {
                        "pid": os.getpid(),
                        "host": socket.gethostname(),
                        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    },
                    handle,
                )
                handle.flush()
                os.fsync(handle.fileno())
            return self

    def __exit__(self, *exc: object) -> None:
        with suppress(FileNotFoundError):
            os.unlink(self.path)

    def _holder(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError):
            # a lock file being written right now, or torn by a crash: judge it by its age
            age = time.time() - self.path.stat().st_mtime if self.path.exists() else 0
            return {"pid": None, "age": age}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _is_stale(holder: Mapping[str, Any]) -> bool:
        pid = holder.get("pid")
        if pid is None:
            return holder.get("age", 0) > 60
        if holder.get("host") != socket.gethostname():
            return False  # cannot tell; a person removes it
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, ValueError):
            return False
        return False


# --------------------------------------------------------------------------------------------
# Journal
# --------------------------------------------------------------------------------------------


@dataclass
class Journal:
    """Append-only JSON lines: decisions, lifecycle events and ``done`` markers of steps."""

    path: Path
    decisions: dict[str, rp.Decision] = field(default_factory=dict)  # by decision_id
    events: list[rp.LifecycleEvent] = field(default_factory=list)
    done: set[tuple[str, str]] = field(default_factory=set)  # (step, id)
    torn_lines: int = 0

    @classmethod
    def load(cls, path: Path) -> Journal:
        journal = cls(path)
        if not path.exists():
            return journal
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    journal.torn_lines += 1  # the last line of a crashed write
                    continue
                journal._apply(entry)
        return journal

    def _apply(self, entry: Mapping[str, Any]) -> None:
        kind = entry.get("type")
        if kind == "decision":
            decision = rp.Decision.from_json(entry["decision"])
            self.decisions.setdefault(decision.decision_id, decision)
        elif kind == "event":
            event = rp.LifecycleEvent(**entry["event"])
            if event.event_id not in {e.event_id for e in self.events}:
                self.events.append(event)
        elif kind == "done":
            self.done.add((entry["step"], entry["id"]))

    def append(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Append entries and fsync; a line is whole or (if torn by a crash) ignored."""
        if not entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
        with self.path.open("a", encoding="utf-8") as handle:
            if handle.tell() > 0 and not self._ends_with_newline():
                handle.write("\n")  # close a torn line so the next entry parses
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        for entry in entries:
            self._apply(entry)

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"

    def mark(self, step: str, ids: Iterable[str]) -> None:
        self.append([{"type": "done", "step": step, "id": i} for i in ids])

    def ledgers(self) -> dict[str, rp.ModelLedger]:
        ledgers: dict[str, rp.ModelLedger] = defaultdict(rp.ModelLedger)
        for decision in self.decisions.values():
            ledgers[decision.model_id].decisions[decision.batch_id] = decision
        for event in self.events:
            ledgers[event.model_id].events.append(event)
        return ledgers

    def requests(self) -> dict[str, rp.Decision]:
        return {d.request_id: d for d in self.decisions.values() if d.request_id}

    def status_of(self, request_id: str) -> str | None:
        status = None
        for event in self.events:
            if event.request_id == request_id:
                status = event.status
        return status


# --------------------------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSignals:
    """One model's batch history and the policy in force."""

    model_id: str
    policy: rp.Policy
    batches: tuple[rp.BatchSignal, ...]


def signals_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, ModelSignals]:
    """Group rows of ``fct_retrain_signals`` (batch, drift and quality rows) by model."""
    batches: dict[tuple[str, str], dict[str, Any]] = {}
    cells: dict[tuple[str, str], list[rp.Cell]] = defaultdict(list)
    quality: dict[tuple[str, str], list[str]] = defaultdict(list)
    policies: dict[str, rp.Policy] = {}
    for raw in rows:
        row = {str(k).lower(): v for k, v in raw.items()}
        kind = row.get("signal_kind")
        if kind not in SIGNAL_KINDS or not row.get("model_id") or not row.get("batch_id"):
            raise CliError(
                f"fct_retrain_signals holds a row this script cannot read: {row!r} "
                "(rebuild the project: dbt build)"
            )
        key = (str(row["model_id"]), str(row["batch_id"]))
        if kind == "batch":
            batches[key] = row
            policies[key[0]] = _policy(row)
        elif kind == "drift":
            cells[key].append(
                rp.Cell(
                    feature_name=str(row["feature_name"]),
                    metric_name=str(row["metric_name"]),
                    severity_level=int(row["severity_level"]),
                    metric_value=_float(row.get("metric_value")),
                )
            )
        else:
            quality[key].append(str(row.get("quality_message") or row.get("check_name")))
    result: dict[str, list[rp.BatchSignal]] = defaultdict(list)
    for key, row in batches.items():
        result[key[0]].append(
            rp.BatchSignal(
                model_id=key[0],
                batch_id=key[1],
                batch_started_at=_day(row["batch_started_at"]),
                model_version=_text(row.get("model_version")),
                reference_id=_text(row.get("reference_id")),
                cells=tuple(sorted(cells.get(key, []), key=lambda c: c.key)),
                quality_failures=tuple(sorted(quality.get(key, []))),
                retrain_window=(
                    _text(row.get("retrain_window_started_at")),
                    _text(row.get("retrain_window_ended_at")),
                ),
            )
        )
    return {
        model_id: ModelSignals(model_id, policies[model_id], tuple(found))
        for model_id, found in sorted(result.items())
    }


def _policy(row: Mapping[str, Any]) -> rp.Policy:
    budget = row.get("budget_per_quarter")
    try:
        return rp.Policy(
            persistence_k=int(row["persistence_k"]),
            persistence_n=int(row["persistence_n"]),
            hysteresis=_bool(row["hysteresis"]),
            cooldown_days=int(row["cooldown_days"]),
            budget_per_quarter=None if budget is None else int(budget),
            quality_gate=_bool(row["quality_gate"]),
        )
    except (KeyError, TypeError, ValueError, rp.PolicyError) as exc:
        raise CliError(f"model {row.get('model_id')}: bad retrain policy columns ({exc})") from None


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in ("true", "1")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


SignalSource = Callable[[], list[Mapping[str, Any]]]


@dataclass(frozen=True)
class DbtRunner:
    """dbt invocations through ``dbtRunner`` (in process: no driver, any adapter)."""

    project_dir: Path
    profiles_dir: Path | None
    target: str | None = None

    def common(self) -> list[str]:
        args = ["--project-dir", str(self.project_dir), "--quiet", "--log-level", "none"]
        args += ["--no-write-json", "--no-send-anonymous-usage-stats"]
        if self.profiles_dir is not None:
            args += ["--profiles-dir", str(self.profiles_dir)]
        if self.target:
            args += ["--target", self.target]
        return args

    def invoke(self, args: list[str], what: str) -> Any:
        from dbt.cli.main import dbtRunner  # slow import: only when dbt is needed

        try:
            result = dbtRunner().invoke([*args, *self.common()])
        except Exception as exc:  # noqa: BLE001 - never a traceback, whatever dbt raises
            raise CliError(f"{what} crashed: {_one_line(str(exc)) or type(exc).__name__}") from exc
        if not result.success or result.exception is not None:
            detail = _one_line(str(result.exception or "see dbt's log")) or "unknown error"
            raise CliError(f"{what} failed: {detail}")
        return result

    def signals(self) -> list[Mapping[str, Any]]:
        sql = "select * from {{ ref('fct_retrain_signals') }}"
        result = self.invoke(["show", "--inline", sql, "--limit", "-1"], "`dbt show`")
        tables = [
            r.agate_table
            for r in getattr(result.result, "results", [])
            if getattr(r, "agate_table", None) is not None
        ]
        if len(tables) != 1:
            raise CliError(f"`dbt show` returned {len(tables)} result tables instead of 1")
        names = [str(n).lower() for n in tables[0].column_names]
        return [dict(zip(names, row, strict=True)) for row in tables[0].rows]

    def record(self, decisions: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        for start in range(0, max(len(decisions), len(events)), WAREHOUSE_CHUNK):
            payload = {
                "decisions": decisions[start : start + WAREHOUSE_CHUNK],
                "events": events[start : start + WAREHOUSE_CHUNK],
            }
            self.invoke(
                [
                    "run-operation",
                    "modelwatch.record_retrain_events",
                    "--args",
                    json.dumps(payload, ensure_ascii=False),
                ],
                "`dbt run-operation record_retrain_events`",
            )


def file_signal_source(path: Path) -> SignalSource:
    """Signals from a JSON file of rows shaped like ``fct_retrain_signals`` (replays, tests)."""

    def read() -> list[Mapping[str, Any]]:
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CliError(f"cannot read signals file {path}: {exc}") from None
        if not isinstance(rows, list):
            raise CliError(f"signals file {path} must hold a JSON list of rows")
        return rows

    return read


# --------------------------------------------------------------------------------------------
# Hand-off steps
# --------------------------------------------------------------------------------------------


def request_document(decision: rp.Decision, status: str | None) -> dict[str, Any]:
    """The JSON document of a request in the outbox."""
    return {
        "request_id": decision.request_id,
        "model_id": decision.model_id,
        "model_version": decision.model_version,
        "batch_id": decision.batch_id,
        "batch_started_at": decision.batch_started_at.isoformat(),
        "reference_id": decision.reference_id,
        "trigger": [{"feature_name": f, "metric_name": m} for f, m in decision.triggers],
        "reason": decision.reason,
        "retrain_window": {
            "started_at": decision.retrain_window[0],
            "ended_at": decision.retrain_window[1],
        },
        "decision_id": decision.decision_id,
        "status_when_written": status,
        "acknowledge": f"scripts/retrain_handoff.py ack {decision.request_id}",
        "close": f"scripts/retrain_handoff.py close {decision.request_id} "
        "--status completed|rejected --reason TEXT",
        "schema_version": REQUEST_SCHEMA_VERSION,
    }


def request_file_name(decision: rp.Decision) -> str:
    return (
        f"{_safe_name(decision.model_id)}__{_safe_name(decision.batch_id)}__"
        f"{decision.request_id}.json"
    )


@dataclass
class Handoff:
    """The steps after the journal, each idempotent and marked done in the journal."""

    journal: Journal
    outbox: Path
    warehouse: DbtRunner | None
    hook_command: str | None = None
    hook_url: str | None = None
    report: list[str] = field(default_factory=list)

    def outbox_step(self) -> list[Path]:
        written = []
        self.outbox.mkdir(parents=True, exist_ok=True)
        for request_id, decision in sorted(self.journal.requests().items()):
            if ("outbox", request_id) in self.journal.done:
                continue
            path = self.outbox / request_file_name(decision)
            if not path.exists():
                document = request_document(decision, self.journal.status_of(request_id))
                text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
                write_atomically(path, text + "\n")
                written.append(path)
            fault_point("outbox_file")
            self.journal.mark("outbox", [request_id])
        return written

    def warehouse_step(self) -> int:
        if self.warehouse is None:
            return 0
        decisions = [
            d for d in self.journal.decisions.values()
            if ("warehouse", d.decision_id) not in self.journal.done
        ]  # fmt: skip
        events = [
            e for e in self.journal.events if ("warehouse", e.event_id) not in self.journal.done
        ]
        if not decisions and not events:
            return 0
        self.warehouse.record(
            [_decision_row(d) for d in decisions],
            [_event_row(e, self.journal.decisions) for e in events],
        )
        fault_point("warehouse")
        self.journal.mark(
            "warehouse", [d.decision_id for d in decisions] + [e.event_id for e in events]
        )
        return len(decisions) + len(events)

    def hook_step(self) -> int:
        if not self.hook_command and not self.hook_url:
            return 0
        called = 0
        for request_id, decision in sorted(self.journal.requests().items()):
            if ("hook", request_id) in self.journal.done:
                continue
            document = request_document(decision, self.journal.status_of(request_id))
            path = self.outbox / request_file_name(decision)
            if self.hook_command:
                _run_command_hook(self.hook_command, document, path)
            if self.hook_url:
                _post_hook(self.hook_url, document)
            called += 1
            fault_point("hook")
            self.journal.mark("hook", [request_id])
        return called

    def all_steps(self) -> tuple[list[Path], int, int]:
        written = self.outbox_step()
        fault_point("outbox")
        rows = self.warehouse_step()
        hooks = self.hook_step()
        return written, rows, hooks


def _decision_row(decision: rp.Decision) -> dict[str, Any]:
    return {
        "decision_id": decision.decision_id,
        "model_id": decision.model_id,
        "batch_id": decision.batch_id,
        "batch_started_at": decision.batch_started_at.isoformat(),
        "outcome": decision.outcome,
        "reason": decision.reason,
        "request_id": decision.request_id,
        "triggers": ", ".join(f"{f} ({m})" for f, m in decision.triggers) or None,
        "model_version": decision.model_version,
        "quality_failures": "; ".join(decision.quality_failures) or None,
    }


def _event_row(event: rp.LifecycleEvent, decisions: Mapping[str, rp.Decision]) -> dict[str, Any]:
    batch = next((d.batch_id for d in decisions.values() if d.request_id == event.request_id), None)
    return {
        "event_id": event.event_id,
        "request_id": event.request_id,
        "model_id": event.model_id,
        "batch_id": batch,
        "status": event.status,
        "reason": event.reason,
        "actor": event.by,
        "event_at": event.at,
    }


def _run_command_hook(command: str, document: Mapping[str, Any], path: Path) -> None:
    env = {
        **os.environ,
        "MODELWATCH_REQUEST_ID": str(document["request_id"]),
        "MODELWATCH_MODEL_ID": str(document["model_id"]),
        "MODELWATCH_REQUEST_FILE": str(path),
    }
    try:
        completed = subprocess.run(
            shlex.split(command),
            input=json.dumps(document),
            text=True,
            env=env,
            capture_output=True,
            timeout=HOOK_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CliError(f"hook command {command!r} could not run: {exc}") from None
    if completed.returncode != 0:
        raise CliError(
            f"hook command {command!r} exited {completed.returncode} for request "
            f"{document['request_id']}: {_one_line(completed.stderr) or 'no message'} "
            "(it is retried on the next run)"
        )


def _post_hook(url: str, document: Mapping[str, Any]) -> None:
    body = json.dumps(document).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": str(document["request_id"]),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=HOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except (urllib.error.URLError, OSError) as exc:
        raise CliError(
            f"hook URL {url} failed for request {document['request_id']}: {exc} "
            "(it is retried on the next run)"
        ) from None
    if not 200 <= status < 300:
        raise CliError(f"hook URL {url} answered {status} for request {document['request_id']}")


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def _decide(
    journal: Journal,
    models: Mapping[str, ModelSignals],
    overrides: Sequence[rp.Override],
    as_of: date,
) -> tuple[list[rp.Decision], list[rp.LifecycleEvent]]:
    ledgers = journal.ledgers()
    decisions: list[rp.Decision] = []
    events: list[rp.LifecycleEvent] = []
    for model_id, found in models.items():
        new, new_events = rp.decide_model(
            found.batches, found.policy, ledgers.get(model_id), overrides, as_of
        )
        decisions += new
        events += new_events
    return decisions, events


def command_run(args: argparse.Namespace, source: SignalSource, runner: DbtRunner | None) -> int:
    state = _state_dir(args)
    journal_path = state / JOURNAL_NAME
    state.mkdir(parents=True, exist_ok=True)
    with Lock(state / LOCK_NAME, args.wait) as lock:
        for note in lock.notes:
            print(f"note: {note}", file=sys.stderr)
        fault_point("locked")
        journal = Journal.load(journal_path)
        handoff = Handoff(
            journal,
            args.outbox,
            runner if args.warehouse == "dbt" else None,
            args.hook_command,
            args.hook_url or os.environ.get(HOOK_URL_ENV) or None,
        )
        # reconcile: finish what an interrupted run journaled but did not hand off
        recovered, recovered_rows, recovered_hooks = handoff.all_steps()
        models = signals_from_rows(source())
        overrides = rp.load_overrides(args.overrides, known_models=models.keys())
        decisions, events = _decide(journal, models, overrides, args.as_of)
        journal.append(
            [{"type": "decision", "decision": d.to_json()} for d in decisions]
            + [{"type": "event", "event": vars(e)} for e in events]
        )
        fault_point("journal")
        written, rows, hooks = handoff.all_steps()
    print(
        _run_summary(
            decisions,
            events,
            recovered + written,
            recovered_rows + rows,
            recovered_hooks + hooks,
            args,
        )
    )
    return EXIT_ATTENTION if any(d.outcome in ATTENTION for d in decisions) else EXIT_OK


def _run_summary(
    decisions: Sequence[rp.Decision],
    events: Sequence[rp.LifecycleEvent],
    written: Sequence[Path],
    rows: int,
    hooks: int,
    args: argparse.Namespace,
) -> str:
    counts: dict[str, int] = defaultdict(int)
    for decision in decisions:
        counts[decision.outcome] += 1
    breakdown = ", ".join(f"{counts[o]} {o}" for o in rp.OUTCOMES if counts[o])
    lines = [
        f"decisions taken:     {len(decisions)}" + (f" ({breakdown})" if breakdown else ""),
        f"requests written:    {len(written)}",
        f"warehouse rows:      {rows}" + ("" if args.warehouse == "dbt" else " (--warehouse none)"),
        f"hooks called:        {hooks}",
    ]
    for decision in decisions:
        if decision.outcome != rp.NO_DRIFT:
            lines.append(
                f"  {decision.model_id} {decision.batch_id}: {decision.outcome}: {decision.reason}"
            )
    for event in events:
        if event.status != rp.STATUS_REQUESTED:
            lines.append(f"  request {event.request_id} {event.status}: {event.reason}")
    return "\n".join(lines)


TRANSITIONS = {
    rp.STATUS_ACKNOWLEDGED: {rp.STATUS_REQUESTED},
    rp.STATUS_COMPLETED: {rp.STATUS_REQUESTED, rp.STATUS_ACKNOWLEDGED},
    rp.STATUS_REJECTED: {rp.STATUS_REQUESTED, rp.STATUS_ACKNOWLEDGED},
}


def command_lifecycle(args: argparse.Namespace, runner: DbtRunner | None) -> int:
    state = _state_dir(args)
    new_status = rp.STATUS_ACKNOWLEDGED if args.command == "ack" else args.status
    state.mkdir(parents=True, exist_ok=True)
    with Lock(state / LOCK_NAME, args.wait):
        journal = Journal.load(state / JOURNAL_NAME)
        decision = journal.requests().get(args.request_id)
        if decision is None:
            known = ", ".join(sorted(journal.requests())) or "none"
            raise CliError(f"no request {args.request_id} in {state}; known requests: {known}")
        current = journal.status_of(args.request_id)
        if current == new_status:
            print(f"request {args.request_id} is already {current}: nothing to do")
        elif current not in TRANSITIONS[new_status]:
            raise CliError(
                f"request {args.request_id} is {current}; it cannot become {new_status} "
                "(requested → acknowledged → completed / rejected)"
            )
        else:
            event = rp.LifecycleEvent(
                request_id=args.request_id,
                model_id=decision.model_id,
                status=new_status,
                reason=args.reason or args.note or new_status,
                at=datetime.now(UTC).isoformat(timespec="seconds"),
                by=args.by,
            )
            journal.append([{"type": "event", "event": vars(event)}])
            print(f"request {args.request_id}: {current} → {new_status}")
        handoff = Handoff(journal, args.outbox, runner if args.warehouse == "dbt" else None)
        handoff.warehouse_step()
    return EXIT_OK


def command_status(args: argparse.Namespace) -> int:
    journal = Journal.load(_state_dir(args) / JOURNAL_NAME)
    requests = journal.requests()
    if not requests:
        print("no retrain request recorded")
    for request_id, decision in sorted(requests.items(), key=lambda r: r[1].batch_started_at):
        print(
            f"{request_id}  {decision.model_id}  batch {decision.batch_id}  "
            f"{journal.status_of(request_id)}"
        )
    for_people = [
        d
        for d in journal.decisions.values()
        if d.outcome in (rp.ESCALATED, rp.BLOCKED_QUALITY, rp.HELD_OVERRIDE, rp.FALLBACK_OVERRIDE)
    ]
    if for_people:
        print("for a person (escalations, data-quality incidents, overrides):")
    for decision in sorted(for_people, key=lambda d: (d.batch_started_at, d.model_id)):
        where = f"{decision.model_id}  batch {decision.batch_id}"
        print(f"  {where}  {decision.outcome}: {decision.reason}")
    return EXIT_OK


def _state_dir(args: argparse.Namespace) -> Path:
    return args.state_dir or args.outbox / STATE_DIR_NAME


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=(
            "Decide retraining per model and batch with the retrain policy, and hand the "
            "requests to the orchestrator exactly once (outbox, warehouse table, hooks)."
        ),
        epilog=(
            "Exit codes: 0 nothing needs attention; 1 a request, escalation or data-quality "
            "incident was raised; 2 bad input or a failed step (re-run after fixing); "
            "3 another run holds the lock."
        ),
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project-dir", type=Path, default=Path("."), help="dbt project folder")
    common.add_argument("--profiles-dir", type=Path, default=None, help="folder of profiles.yml")
    common.add_argument("--target", default=None, help="dbt target")
    common.add_argument(
        "--outbox", type=Path, default=None, help="request folder (default: <project>/outbox)"
    )
    common.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="journal and lock (default: <outbox>/.modelwatch)",
    )
    common.add_argument(
        "--warehouse",
        choices=("dbt", "none"),
        default="dbt",
        help="record decisions and lifecycle in the warehouse through dbt (default) or not",
    )
    common.add_argument(
        "--wait", type=float, default=0.0, help="seconds to wait for another run's lock"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", parents=[common], help="decide new batches and hand off")
    run.add_argument("--overrides", type=Path, default=None, help="reviewed overrides YAML file")
    run.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="the day overrides are checked against (default: today, UTC)",
    )
    run.add_argument(
        "--signals-file", type=Path, default=None, help="read signals from JSON instead of dbt"
    )
    run.add_argument("--hook-command", default=None, help="command run per new request")
    run.add_argument(
        "--hook-url",
        default=None,
        help=f"URL POSTed per new request (or ${HOOK_URL_ENV}); nothing is sent by default",
    )
    ack = sub.add_parser("ack", parents=[common], help="acknowledge a request")
    ack.add_argument("request_id")
    ack.add_argument("--by", default=os.environ.get("USER", "unknown"), help="who")
    ack.add_argument("--note", default=None, help="a note recorded with the event")
    ack.set_defaults(reason=None)
    close = sub.add_parser("close", parents=[common], help="close a request")
    close.add_argument("request_id")
    close.add_argument("--status", required=True, choices=(rp.STATUS_COMPLETED, rp.STATUS_REJECTED))
    close.add_argument("--reason", required=True, help="why (recorded with the event)")
    close.add_argument("--by", default=os.environ.get("USER", "unknown"), help="who")
    close.set_defaults(note=None)
    sub.add_parser("status", parents=[common], help="list requests and their status")
    return parser


def main(argv: Sequence[str] | None = None, *, signal_source: SignalSource | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.outbox = args.outbox or args.project_dir / "outbox"
    runner = DbtRunner(
        args.project_dir, _default_profiles_dir(args.project_dir, args.profiles_dir), args.target
    )
    try:
        if args.command == "run":
            args.as_of = args.as_of or datetime.now(UTC).date()
            if signal_source is None:
                signal_source = (
                    file_signal_source(args.signals_file) if args.signals_file else runner.signals
                )
            return command_run(args, signal_source, runner)
        if args.command in ("ack", "close"):
            return command_lifecycle(args, runner)
        return command_status(args)
    except LockedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except (CliError, rp.PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: {exc.filename or ''} {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
