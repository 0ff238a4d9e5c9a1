"""Spec of the hand-off (scripts/retrain_handoff.py): exactly once, whatever happens.

The CLI runs as a subprocess, as an orchestrator would run it, on signals from a JSON file
shaped like ``fct_retrain_signals`` and without the warehouse step (``--warehouse none``);
the warehouse step runs for real on the demo (tests/test_demo_end_to_end.py). Faults are
injected with ``MODELWATCH_HANDOFF_FAULT=crash:<step>``: the process dies right after the step.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from conftest import SCRIPTS

CLI = SCRIPTS / "retrain_handoff.py"
START = date(2026, 3, 2)
POLICY = {
    "persistence_k": 2,
    "persistence_n": 3,
    "hysteresis": True,
    "cooldown_days": 28,
    "budget_per_quarter": 2,
    "quality_gate": True,
}


def signals(patterns: dict[str, str]) -> list[dict]:
    """Rows of fct_retrain_signals: per model a pattern, 'A' drift at error level, 'Q' a batch
    failing a blocking data-quality check, '.' nothing."""
    rows = []
    for model, pattern in patterns.items():
        for index, char in enumerate(pattern):
            batch = (START + timedelta(weeks=index)).isoformat()
            rows.append(
                {
                    "signal_kind": "batch",
                    "model_id": model,
                    "batch_id": batch,
                    "batch_started_at": batch,
                    "model_version": "v1",
                    "reference_id": "ref",
                    **POLICY,
                }
            )
            if char in "AQ":
                rows.append(
                    {
                        "signal_kind": "drift",
                        "model_id": model,
                        "batch_id": batch,
                        "feature_name": "income",
                        "metric_name": "psi",
                        "metric_value": 0.4,
                        "severity_level": 2,
                    }
                )
            if char == "Q":
                rows.append(
                    {
                        "signal_kind": "quality",
                        "model_id": model,
                        "batch_id": batch,
                        "check_name": "all_null",
                        "quality_message": "income is null in every row",
                    }
                )
    return rows


# two requests: credit (weeks 2) and churn (week 3); credit's week 4 is a data-quality incident
PATTERNS = {"credit": "AA.Q", "churn": ".AA."}
EXPECTED_REQUESTS = 2


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "signals.json").write_text(json.dumps(signals(PATTERNS)))
    return tmp_path


def handoff(
    workdir: Path, *args: str, fault: str | None = None, extra_env: dict | None = None
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELWATCH_")}
    env.update(extra_env or {})
    if fault:
        env["MODELWATCH_HANDOFF_FAULT"] = fault
    command = args[0] if args else "run"
    rest = list(args[1:])
    if command == "run" and "--signals-file" not in rest:
        rest += ["--signals-file", str(workdir / "signals.json"), "--as-of", "2026-04-01"]
    return subprocess.run(
        [sys.executable, str(CLI), command, "--outbox", str(workdir / "outbox")]
        + ["--warehouse", "none", *rest],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def outbox_files(workdir: Path) -> list[str]:
    return sorted(p.name for p in (workdir / "outbox").glob("*.json"))


def journal(workdir: Path) -> list[dict]:
    """The journal's entries (a torn line left by a crash is skipped, as the CLI does)."""
    path = workdir / "outbox" / ".modelwatch" / "journal.jsonl"
    entries = []
    for line in path.read_text().splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


def test_a_run_writes_one_file_per_request_and_records_every_decision(workdir: Path) -> None:
    first = handoff(workdir)
    assert first.returncode == 1, first.stderr  # requests and an incident need attention
    files = outbox_files(workdir)
    assert len(files) == EXPECTED_REQUESTS
    document = json.loads((workdir / "outbox" / files[0]).read_text())
    assert document["schema_version"] == 2
    assert document["reason"].startswith("drift in income (psi)")
    decisions = [e["decision"] for e in journal(workdir) if e["type"] == "decision"]
    assert len(decisions) == 8  # every batch of both models, each with a reason
    assert all(d["reason"] for d in decisions)
    incident = next(d for d in decisions if d["outcome"] == "blocked_quality")
    assert "income is null in every row" in incident["reason"]
    assert "blocked_quality" in first.stdout

    entries = len(journal(workdir))
    again = handoff(workdir)
    assert again.returncode == 0, again.stderr  # nothing new
    assert outbox_files(workdir) == files
    assert "decisions taken:     0" in again.stdout
    assert len(journal(workdir)) == entries


@pytest.mark.parametrize("step", ["locked", "journal", "outbox_file", "outbox", "hook"])
def test_a_crash_after_any_step_then_a_rerun_loses_nothing_and_writes_nothing_twice(
    workdir: Path, step: str
) -> None:
    hook_log = workdir / "hook.log"
    hook = f"{sys.executable} -c \"import os; open('{hook_log}', 'a').write(os.environ['MODELWATCH_REQUEST_ID'] + '\\n')\""  # noqa: E501
    crashed = handoff(workdir, "run", "--hook-command", hook, fault=f"crash:{step}")
    assert crashed.returncode == 99, crashed.stderr
    rerun = handoff(workdir, "run", "--hook-command", hook)
    assert rerun.returncode in (0, 1), rerun.stderr
    files = outbox_files(workdir)
    assert len(files) == EXPECTED_REQUESTS
    entries = journal(workdir)
    decisions = [e["decision"]["decision_id"] for e in entries if e["type"] == "decision"]
    assert len(decisions) == len(set(decisions)) == 8
    requests = {e["decision"]["request_id"] for e in entries if e["type"] == "decision"} - {None}
    assert {f.rsplit("__", 1)[1].removesuffix(".json") for f in files} == requests
    called = hook_log.read_text().split()
    assert set(called) == requests
    # a crash between a hook call and its record repeats that one call (at least once)
    assert len(called) == len(requests) + (1 if step == "hook" else 0)
    assert not list((workdir / "outbox").glob("*.tmp"))


def test_a_torn_journal_line_from_a_crash_is_ignored_and_the_decision_retaken(
    workdir: Path,
) -> None:
    handoff(workdir, fault="crash:locked")
    path = workdir / "outbox" / ".modelwatch" / "journal.jsonl"
    path.write_text('{"type": "decision", "decis')  # half a line: the disk write was cut
    result = handoff(workdir)
    assert result.returncode == 1, result.stderr
    assert len(outbox_files(workdir)) == EXPECTED_REQUESTS
    assert len([e for e in journal(workdir) if e["type"] == "decision"]) == 8


def test_two_runs_at_once_one_refuses_with_a_clear_message(workdir: Path) -> None:
    slow = subprocess.Popen(
        [sys.executable, str(CLI), "run", "--outbox", str(workdir / "outbox")]
        + ["--warehouse", "none", "--signals-file", str(workdir / "signals.json")],
        env={**os.environ, "MODELWATCH_HANDOFF_FAULT": "sleep:locked:15"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = workdir / "outbox" / ".modelwatch" / "lock"
    deadline = time.monotonic() + 60
    while not lock.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    refused = handoff(workdir)
    queued = handoff(workdir, "run", "--wait", "90")
    slow.communicate(timeout=120)
    assert slow.returncode == 1
    assert refused.returncode == 3
    assert "another run holds" in refused.stderr and "--wait" in refused.stderr
    assert queued.returncode == 0, queued.stderr  # serialised behind it: nothing left to do
    assert len(outbox_files(workdir)) == EXPECTED_REQUESTS
    assert not lock.exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(workdir: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    lock = workdir / "outbox" / ".modelwatch" / "lock"
    lock.parent.mkdir(parents=True)
    import socket

    lock.write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname()}))
    result = handoff(workdir)
    assert result.returncode == 1, result.stderr
    assert "removed a stale lock" in result.stderr
    assert len(outbox_files(workdir)) == EXPECTED_REQUESTS


def test_a_request_is_acknowledged_then_closed_and_then_no_longer_in_flight(
    workdir: Path,
) -> None:
    handoff(workdir)
    (credit,) = [f for f in outbox_files(workdir) if f.startswith("credit")]
    request_id = credit.rsplit("__", 1)[1].removesuffix(".json")
    ack = handoff(workdir, "ack", request_id, "--by", "airflow")
    assert ack.returncode == 0 and "requested → acknowledged" in ack.stdout, ack.stderr
    wrong = handoff(workdir, "ack", request_id)
    assert wrong.returncode == 0 and "already acknowledged" in wrong.stdout
    close = handoff(workdir, "close", request_id, "--status", "completed", "--reason", "v2 live")
    assert close.returncode == 0, close.stderr
    again = handoff(workdir, "ack", request_id)
    assert again.returncode == 2 and "cannot become acknowledged" in again.stderr
    unknown = handoff(workdir, "close", "0" * 20, "--status", "rejected", "--reason", "x")
    assert unknown.returncode == 2 and "no request 00000000000000000000" in unknown.stderr
    status = handoff(workdir, "status")
    assert f"{request_id}  credit" in status.stdout and "completed" in status.stdout
    assert "credit  batch 2026-03-23  blocked_quality: data-quality incident" in status.stdout


def test_overrides_hold_requests_and_a_bad_overrides_file_is_bad_input(workdir: Path) -> None:
    overrides = workdir / "overrides.yml"
    overrides.write_text(
        "overrides:\n"
        "  - {model_id: credit, action: freeze, reason: revalidation, approver: cro,\n"
        "     expires_on: 2026-04-30}\n"
    )
    held = handoff(workdir, "run", "--overrides", str(overrides))
    assert "held_override" in held.stdout and "approved by cro" in held.stdout
    assert [f for f in outbox_files(workdir) if f.startswith("credit")] == []
    overrides.write_text("overrides:\n  - {model_id: credit, action: freeze}\n")
    bad = handoff(workdir, "run", "--overrides", str(overrides))
    assert bad.returncode == 2
    assert "overrides[0] (model 'credit'): 'reason' is missing" in bad.stderr


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers["Idempotency-Key"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_url_hook_posts_each_new_request_once_and_nothing_is_sent_by_default(
    workdir: Path,
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        quiet = handoff(workdir, "run", "--hook-command", "false", "--dry", fault=None)
        assert quiet.returncode == 2  # unknown option: the CLI says so, sends nothing
        url = f"http://127.0.0.1:{server.server_port}/retrain"
        first = handoff(workdir, "run", extra_env={"MODELWATCH_HOOK_URL": url})
        second = handoff(workdir, "run", "--hook-url", url)
    finally:
        server.shutdown()
    assert first.returncode == 1 and second.returncode == 0, first.stderr + second.stderr
    assert len(_Collector.received) == EXPECTED_REQUESTS
    assert {key for key, _ in _Collector.received} == {
        body["request_id"] for _, body in _Collector.received
    }


def test_no_hook_is_called_without_configuration(workdir: Path) -> None:
    result = handoff(workdir)
    assert "hooks called:        0" in result.stdout


def test_a_failing_command_hook_is_reported_and_retried(workdir: Path) -> None:
    failing = handoff(workdir, "run", "--hook-command", "false")
    assert failing.returncode == 2 and "hook command 'false' exited 1" in failing.stderr
    assert len(outbox_files(workdir)) == EXPECTED_REQUESTS  # the requests are out anyway
    retried = handoff(workdir, "run", "--hook-command", "true")
    assert retried.returncode == 0, retried.stderr
    assert f"hooks called:        {EXPECTED_REQUESTS}" in retried.stdout


REGISTRY = """\
sources:
  - name: raw
    schema: raw
    tables:
      - name: loan_predictions
        config:
          meta:
            modelwatch:
              model_id: loan_default
              owner: credit-risk@lender.example
              business_unit: retail_credit
              timestamp_column: scored_at
              prediction_id_column: prediction_id
              score_column: default_probability
              reference:
                window: {start: "2026-01-05", end: "2026-02-02"}
              features:
                - {name: income, kind: numeric}
              retrain_policy: {persistence: 3 of 4, cooldown_days: 14}
"""


def test_the_registry_sets_a_model_policy_over_the_defaults(dbt_project) -> None:
    dbt_project.write_registry(REGISTRY)
    result = dbt_project.dbt("compile", "-s", "dim_retrain_policies")
    assert result.returncode == 0, result.output
    (compiled,) = (dbt_project.root / "target" / "compiled").rglob("dim_retrain_policies.sql")
    sql = " ".join(compiled.read_text().split())
    # persistence and cooldown from the model; budget, hysteresis, gate from the defaults
    for value in ("cast(3 as integer) as persistence_k", "cast(4 as integer) as persistence_n",
                  "cast(14 as integer) as cooldown_days", "true as hysteresis",
                  "cast(2 as integer) as budget_per_quarter", "true as quality_gate"):  # fmt: skip
        assert value in sql, sql


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("{persistence: 4 of 3}", "retrain_policy.persistence is '4 of 3'; write '<k> of <n>'"),
        ("{budget_per_quarter: -1}", "retrain_policy.budget_per_quarter is '-1'"),
    ],
)
def test_a_bad_retrain_policy_fails_naming_file_model_and_key(
    dbt_project, policy: str, message: str
) -> None:
    dbt_project.write_registry(REGISTRY.replace("{persistence: 3 of 4, cooldown_days: 14}", policy))
    result = dbt_project.dbt("compile", "-s", "dim_retrain_policies")
    assert result.returncode != 0
    output = " ".join(result.output.split())
    assert "models/staging/fixtures/_fixtures__sources.yml, model 'loan_default'" in output
    assert message in output, output
