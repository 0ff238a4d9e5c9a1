"""Retrain policy: turn each model's drift history into decisions, each with its reason.

Pure functions over small dataclasses, no I/O except reading the overrides file: the hand-off
(outbox, warehouse, hooks) is ``retrain_handoff.py``, the replay of the demo ``replay_policy.py``.
Decision record: docs/decisions/0019-retrain-policy.md.

For every monitored batch of a model, in batch order, exactly one decision is taken::

    quality gate ─► drifting? ─► persistence ─► override ─► in flight ─► cooldown ─► budget ─► ok
    blocked_        no_drift     awaiting_      held_ /     suppressed_  suppressed_  escalated /
    quality                      persistence    fallback_   in_flight    cooldown     suppressed_
                                                override                              budget
    (ok: requested)

* Quality gate: a batch that failed a blocking data-quality check is never retrained on; the
  decision is a data-quality incident, and the batch is no evidence of drift either way.
* Hysteresis, per (feature, metric): it fires at its error threshold and stays on until it
  falls below its warning threshold (the clear threshold); without hysteresis it is on only at
  error level. A model drifts in a batch when any of its figures is on.
* Persistence: a request needs drift in at least ``k`` of the last ``n`` usable batches.
* Override (from a reviewed overrides file): ``freeze`` holds the request, ``fallback`` holds
  it and names the business rule in force; each has a reason, an approver and an expiry date
  after which it stops applying by itself.
* In flight: no request while the last one is open, i.e. not closed and no newer model
  version seen in the prediction logs since (seeing one completes the request).
* Cooldown: no request within ``cooldown_days`` of the last one (by batch start).
* Budget: at most ``budget_per_quarter`` requests per model and calendar quarter; the next one
  is escalated to a person (once per quarter), later ones are suppressed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

REQUEST_ID_LENGTH = 20

# Decision outcomes, in the order the rules are applied.
BLOCKED_QUALITY = "blocked_quality"
NO_DRIFT = "no_drift"
AWAITING_PERSISTENCE = "awaiting_persistence"
HELD_OVERRIDE = "held_override"
FALLBACK_OVERRIDE = "fallback_override"
SUPPRESSED_IN_FLIGHT = "suppressed_in_flight"
SUPPRESSED_COOLDOWN = "suppressed_cooldown"
ESCALATED = "escalated"
SUPPRESSED_BUDGET = "suppressed_budget"
REQUESTED = "requested"
OUTCOMES = (
    BLOCKED_QUALITY,
    NO_DRIFT,
    AWAITING_PERSISTENCE,
    HELD_OVERRIDE,
    FALLBACK_OVERRIDE,
    SUPPRESSED_IN_FLIGHT,
    SUPPRESSED_COOLDOWN,
    ESCALATED,
    SUPPRESSED_BUDGET,
    REQUESTED,
)

# Request lifecycle.
STATUS_REQUESTED = "requested"
STATUS_ACKNOWLEDGED = "acknowledged"
STATUS_COMPLETED = "completed"
STATUS_REJECTED = "rejected"
OPEN_STATUSES = frozenset({STATUS_REQUESTED, STATUS_ACKNOWLEDGED})
LIFECYCLE = (STATUS_REQUESTED, STATUS_ACKNOWLEDGED, STATUS_COMPLETED, STATUS_REJECTED)

OVERRIDE_ACTIONS = ("freeze", "fallback")
OVERRIDE_KEYS = frozenset(
    {"model_id", "action", "fallback", "reason", "approver", "starts_on", "expires_on"}
)


class PolicyError(Exception):
    """Bad policy input (overrides file, policy values); ``str()`` says what to fix."""


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """The retrain policy of one model (resolved: defaults per risk tier < registry)."""

    persistence_k: int = 2
    persistence_n: int = 3
    hysteresis: bool = True
    cooldown_days: int = 28
    budget_per_quarter: int | None = 2
    quality_gate: bool = True
    wait_in_flight: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.persistence_k <= self.persistence_n:
            raise PolicyError(
                f"persistence needs 1 <= k <= n, got k={self.persistence_k}, n={self.persistence_n}"
            )
        if self.cooldown_days < 0:
            raise PolicyError(f"cooldown_days must be >= 0, got {self.cooldown_days}")
        if self.budget_per_quarter is not None and self.budget_per_quarter < 0:
            raise PolicyError(f"budget_per_quarter must be >= 0, got {self.budget_per_quarter}")


#: No policy at all: every batch with a figure at error level is a request (issue #1's rule).
NO_POLICY = Policy(
    persistence_k=1,
    persistence_n=1,
    hysteresis=False,
    cooldown_days=0,
    budget_per_quarter=None,
    quality_gate=False,
    wait_in_flight=False,
)


@dataclass(frozen=True)
class Cell:
    """One drift figure of a batch at warning level or above (severity 1 warn, 2 error)."""

    feature_name: str
    metric_name: str
    severity_level: int
    metric_value: float | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.feature_name, self.metric_name)


@dataclass(frozen=True)
class BatchSignal:
    """What the monitoring found in one batch of one model."""

    model_id: str
    batch_id: str
    batch_started_at: date
    model_version: str | None = None
    reference_id: str | None = None
    cells: tuple[Cell, ...] = ()
    quality_failures: tuple[str, ...] = ()  # blocking data-quality failures, one line each
    retrain_window: tuple[str | None, str | None] = (None, None)


@dataclass(frozen=True)
class Override:
    """A reviewed manual override of one model's retraining."""

    model_id: str
    action: str  # freeze | fallback
    reason: str
    approver: str
    expires_on: date
    starts_on: date | None = None
    fallback: str | None = None

    def applies_on(self, day: date) -> bool:
        """True from ``starts_on`` to ``expires_on``, both included."""
        return (self.starts_on is None or self.starts_on <= day) and day <= self.expires_on


@dataclass(frozen=True)
class LifecycleEvent:
    """A status change of a request (requested, acknowledged, completed, rejected)."""

    request_id: str
    model_id: str
    status: str
    reason: str
    at: str  # ISO date or timestamp
    by: str = "modelwatch"

    @property
    def event_id(self) -> str:
        return _digest(["event", self.request_id, self.status])


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The decision taken on one batch of one model, with its reason."""

    model_id: str
    batch_id: str
    batch_started_at: date
    outcome: str
    reason: str
    triggers: tuple[tuple[str, str], ...] = ()
    request_id: str | None = None
    model_version: str | None = None
    reference_id: str | None = None
    retrain_window: tuple[str | None, str | None] = (None, None)
    quality_failures: tuple[str, ...] = ()

    @property
    def decision_id(self) -> str:
        return _digest(["decision", self.model_id, self.batch_id])

    def to_json(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "model_id": self.model_id,
            "batch_id": self.batch_id,
            "batch_started_at": self.batch_started_at.isoformat(),
            "outcome": self.outcome,
            "reason": self.reason,
            "triggers": [list(t) for t in self.triggers],
            "request_id": self.request_id,
            "model_version": self.model_version,
            "reference_id": self.reference_id,
            "retrain_window": list(self.retrain_window),
            "quality_failures": list(self.quality_failures),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Decision:
        window = data.get("retrain_window") or [None, None]
        return cls(
            model_id=data["model_id"],
            batch_id=data["batch_id"],
            batch_started_at=date.fromisoformat(data["batch_started_at"]),
            outcome=data["outcome"],
            reason=data["reason"],
            triggers=tuple((f, m) for f, m in data.get("triggers") or ()),
            request_id=data.get("request_id"),
            model_version=data.get("model_version"),
            reference_id=data.get("reference_id"),
            retrain_window=(window[0], window[1]),
            quality_failures=tuple(data.get("quality_failures") or ()),
        )


@dataclass
class ModelLedger:
    """What was decided before for one model: its decisions and its requests' lifecycle."""

    decisions: dict[str, Decision] = field(default_factory=dict)  # by batch_id
    events: list[LifecycleEvent] = field(default_factory=list)

    def status_of(self, request_id: str) -> str | None:
        """The latest lifecycle status of a request (events are in the order recorded)."""
        status = None
        for event in self.events:
            if event.request_id == request_id:
                status = event.status
        return status


# --------------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------------


def compute_request_id(
    model_id: str, batch_id: str, reference_id: str | None, triggers: Iterable[tuple[str, str]]
) -> str:
    """Deterministic request id: sha256 over model, batch, reference and triggers.

    The same formula as ``retrain_requests.compute_request_id``, so a batch requested with
    and without the policy carries the same id.
    """
    payload = json.dumps(
        [model_id, batch_id, reference_id, sorted({(f, m) for f, m in triggers})],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:REQUEST_ID_LENGTH]


def drifting_figures(
    signals: Sequence[BatchSignal], policy: Policy
) -> list[tuple[tuple[str, str], ...]]:
    """For each batch, the (feature, metric) figures that are on, with hysteresis if set.

    Batches blocked by the quality gate leave every figure's state as it was.
    """
    on: set[tuple[str, str]] = set()
    result = []
    for signal in signals:
        if policy.quality_gate and signal.quality_failures:
            result.append(())
            continue
        levels = {cell.key: cell.severity_level for cell in signal.cells}
        on = {
            key
            for key, level in levels.items()
            if level >= 2 or (policy.hysteresis and level >= 1 and key in on)
        }
        result.append(tuple(sorted(on)))
    return result


def decide_model(
    signals: Sequence[BatchSignal],
    policy: Policy,
    ledger: ModelLedger | None = None,
    overrides: Sequence[Override] = (),
    as_of: date | None = None,
    decided_on: Mapping[str, date] | None = None,
) -> tuple[list[Decision], list[LifecycleEvent]]:
    """Decide every batch of one model not decided yet; return new decisions and events.

    ``signals`` is the model's whole monitored history (any order); decisions already in the
    ``ledger`` stand as taken and only rebuild the state. Overrides apply on ``as_of`` (the
    day of the run) or, per batch, on ``decided_on[batch_id]`` (a replay of past weeks).
    New lifecycle events: requests the decisions open, and requests completed because a
    newer model version appeared in the log.
    """
    ledger = ledger or ModelLedger()
    ordered = sorted(signals, key=lambda s: (s.batch_started_at, s.batch_id))
    figures = drifting_figures(ordered, policy)
    usable: list[bool] = []  # drift evidence of each usable batch so far
    requests: list[Decision] = [d for d in ledger.decisions.values() if d.request_id]
    requests.sort(key=lambda d: (d.batch_started_at, d.batch_id))
    escalations = [d for d in ledger.decisions.values() if d.outcome == ESCALATED]
    events = list(ledger.events)
    new_decisions: list[Decision] = []
    new_events: list[LifecycleEvent] = []

    def status(request_id: str) -> str | None:
        found = None
        for event in events:
            if event.request_id == request_id:
                found = event.status
        return found

    for signal, on in zip(ordered, figures, strict=True):
        blocked = policy.quality_gate and bool(signal.quality_failures)
        if not blocked:
            usable.append(bool(on))
        # a newer model version in the log completes the open requests of older versions
        for request in requests:
            if (
                status(request.request_id) in OPEN_STATUSES
                and signal.model_version is not None
                and request.model_version is not None
                and signal.model_version != request.model_version
                and signal.batch_started_at > request.batch_started_at
            ):
                event = LifecycleEvent(
                    request_id=request.request_id,
                    model_id=request.model_id,
                    status=STATUS_COMPLETED,
                    reason=(
                        f"model version {signal.model_version} appeared in the prediction log "
                        f"in batch {signal.batch_id} (requested on {request.model_version})"
                    ),
                    at=signal.batch_started_at.isoformat(),
                )
                events.append(event)
                new_events.append(event)
        if signal.batch_id in ledger.decisions:
            continue
        day = (decided_on or {}).get(signal.batch_id) or as_of or signal.batch_started_at
        decision = _decide_batch(
            signal, on, blocked, usable, policy, (requests, escalations), status, overrides, day
        )
        new_decisions.append(decision)
        if decision.outcome == ESCALATED:
            escalations.append(decision)
        if decision.request_id:
            requests.append(decision)
            event = LifecycleEvent(
                request_id=decision.request_id,
                model_id=decision.model_id,
                status=STATUS_REQUESTED,
                reason=decision.reason,
                at=signal.batch_started_at.isoformat(),
            )
            events.append(event)
            new_events.append(event)
    return new_decisions, new_events


def _decide_batch(
    signal: BatchSignal,
    on: tuple[tuple[str, str], ...],
    blocked: bool,
    usable: list[bool],
    policy: Policy,
    past: tuple[list[Decision], list[Decision]],
    status: Any,
    overrides: Sequence[Override],
    day: date,
) -> Decision:
    """Apply the rules, in order, to one batch; ``past`` holds the requests and escalations."""
    requests, escalations = past
    base = Decision(
        model_id=signal.model_id,
        batch_id=signal.batch_id,
        batch_started_at=signal.batch_started_at,
        outcome=NO_DRIFT,
        reason="",
        triggers=on,
        model_version=signal.model_version,
        reference_id=signal.reference_id,
        retrain_window=signal.retrain_window,
    )
    if blocked:
        failures = "; ".join(signal.quality_failures)
        return replace(
            base,
            outcome=BLOCKED_QUALITY,
            triggers=(),
            quality_failures=signal.quality_failures,
            reason=(
                f"data-quality incident: the batch failed blocking checks ({failures}); "
                "it is not retrained on and counts as no drift evidence"
            ),
        )
    if not on:
        return replace(base, reason="no drift figure at error level (nor held by hysteresis)")
    named = ", ".join(f"{f} ({m})" for f, m in on)
    window = usable[-policy.persistence_n :]
    if sum(window) < policy.persistence_k:
        return replace(
            base,
            outcome=AWAITING_PERSISTENCE,
            reason=(
                f"drift in {named}, but in {sum(window)} of the last {len(window)} usable "
                f"batches; a request needs {policy.persistence_k} of {policy.persistence_n}"
            ),
        )
    for override in overrides:
        if override.model_id == signal.model_id and override.applies_on(day):
            held = f"retraining {override.action} until {override.expires_on.isoformat()}"
            held += f", approved by {override.approver}: {override.reason}"
            if override.action == "fallback":
                return replace(
                    base,
                    outcome=FALLBACK_OVERRIDE,
                    reason=f"drift in {named}; business rule {override.fallback!r} in force; "
                    + held,
                )
            return replace(base, outcome=HELD_OVERRIDE, reason=f"drift in {named}; " + held)
    last = requests[-1] if requests else None
    if policy.wait_in_flight and last is not None and status(last.request_id) in OPEN_STATUSES:
        return replace(
            base,
            outcome=SUPPRESSED_IN_FLIGHT,
            reason=(
                f"drift in {named}; request {last.request_id} (batch {last.batch_id}) is "
                f"{status(last.request_id)}: waiting for a new model version or its closing"
            ),
        )
    if last is not None:
        days = (signal.batch_started_at - last.batch_started_at).days
        if days < policy.cooldown_days:
            return replace(
                base,
                outcome=SUPPRESSED_COOLDOWN,
                reason=(
                    f"drift in {named}; last request {last.request_id} was {days} days before "
                    f"(batch {last.batch_id}); cooldown is {policy.cooldown_days} days"
                ),
            )
    if policy.budget_per_quarter is not None:
        quarter = _quarter(signal.batch_started_at)
        spent = [r for r in requests if _quarter(r.batch_started_at) == quarter]
        if len(spent) >= policy.budget_per_quarter:
            label = f"{quarter[0]}-Q{quarter[1]}"
            budget = f"the budget of {policy.budget_per_quarter} request(s) in {label} is spent"
            earlier = [e for e in escalations if _quarter(e.batch_started_at) == quarter]
            if earlier:
                return replace(
                    base,
                    outcome=SUPPRESSED_BUDGET,
                    reason=(
                        f"drift in {named}; {budget}; already escalated with batch "
                        f"{earlier[0].batch_id}"
                    ),
                )
            return replace(
                base,
                outcome=ESCALATED,
                reason=f"drift in {named}; {budget}: escalated to the model owner",
            )
    request_id = compute_request_id(signal.model_id, signal.batch_id, signal.reference_id, on)
    return replace(
        base,
        outcome=REQUESTED,
        request_id=request_id,
        reason=(
            f"drift in {named}, in {sum(window)} of the last {len(window)} usable batches "
            f"(policy: {policy.persistence_k} of {policy.persistence_n})"
        ),
    )


def _quarter(day: date) -> tuple[int, int]:
    return (day.year, (day.month - 1) // 3 + 1)


def _digest(parts: Sequence[Any]) -> str:
    payload = json.dumps(list(parts), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:REQUEST_ID_LENGTH]


# --------------------------------------------------------------------------------------------
# Overrides file
# --------------------------------------------------------------------------------------------


def parse_overrides(
    data: Any, source: str, known_models: Iterable[str] | None = None
) -> list[Override]:
    """Validate the decoded overrides file; raise :class:`PolicyError` naming entry and key."""
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) - {"overrides"}:
        raise PolicyError(f"{source}: the file must hold one key, 'overrides:', a list of entries")
    entries = data.get("overrides") or []
    if not isinstance(entries, list):
        raise PolicyError(f"{source}: 'overrides' must be a list of entries")
    known = set(known_models) if known_models is not None else None
    result = []
    for index, entry in enumerate(entries):
        where = f"{source}: overrides[{index}]"
        if not isinstance(entry, dict):
            raise PolicyError(f"{where} must be a mapping (model_id, action, reason, …)")
        model_id = entry.get("model_id")
        if isinstance(model_id, str):
            where += f" (model '{model_id}')"
        unknown = sorted(set(entry) - OVERRIDE_KEYS)
        if unknown:
            raise PolicyError(
                f"{where}: unknown key '{unknown[0]}'; allowed keys: "
                + ", ".join(sorted(OVERRIDE_KEYS))
            )
        for key in ("model_id", "action", "reason", "approver", "expires_on"):
            value = entry.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise PolicyError(f"{where}: '{key}' is missing; {_OVERRIDE_HINTS[key]}")
        if not isinstance(model_id, str):
            raise PolicyError(f"{where}: 'model_id' must be text")
        if known is not None and model_id not in known:
            raise PolicyError(
                f"{where}: model '{model_id}' is not in the registry; known models: "
                f"{', '.join(sorted(known)) or 'none'}"
            )
        action = entry["action"]
        if action not in OVERRIDE_ACTIONS:
            raise PolicyError(f"{where}: action '{action}' is not one of freeze, fallback")
        fallback = entry.get("fallback")
        if action == "fallback" and not (isinstance(fallback, str) and fallback.strip()):
            raise PolicyError(
                f"{where}: action fallback needs 'fallback: <the business rule in force>'"
            )
        if action == "freeze" and fallback is not None:
            raise PolicyError(f"{where}: 'fallback' only goes with action: fallback")
        expires_on = _date(entry["expires_on"], where, "expires_on")
        starts_on = _date(entry.get("starts_on"), where, "starts_on")
        if starts_on is not None and starts_on > expires_on:
            raise PolicyError(
                f"{where}: starts_on {starts_on} is after expires_on {expires_on}; swap them"
            )
        for key in ("reason", "approver"):
            if not isinstance(entry[key], str):
                raise PolicyError(f"{where}: '{key}' must be text")
        result.append(
            Override(
                model_id=model_id,
                action=action,
                reason=entry["reason"].strip(),
                approver=entry["approver"].strip(),
                expires_on=expires_on,
                starts_on=starts_on,
                fallback=fallback.strip() if isinstance(fallback, str) else None,
            )
        )
    return result


_OVERRIDE_HINTS = {
    "model_id": "name the model the override is for",
    "action": "give action: freeze (no retraining) or action: fallback (a business rule)",
    "reason": "say why retraining is held (reason: ...)",
    "approver": "name who approved it (approver: ...)",
    "expires_on": "give the last day it applies (expires_on: 2026-07-01); overrides expire",
}


def load_overrides(path: Path | None, known_models: Iterable[str] | None = None) -> list[Override]:
    """Read and validate an overrides YAML file; no file means no override."""
    if path is None:
        return []
    import yaml  # dbt's dependency; imported here so the engine itself needs nothing

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"overrides file {path} not found") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path} is not valid YAML: {' '.join(str(exc).split())}") from None
    return parse_overrides(data, str(path), known_models)


def _date(value: Any, where: str, key: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{where}: '{key}' {value!r} is not a date (YYYY-MM-DD)") from None


def policy_from_mapping(values: Mapping[str, Any]) -> Policy:
    """Build a :class:`Policy` from resolved registry values (the keys of ``retrain_policy``)."""
    persistence = values.get("persistence") or {}
    budget = values.get("budget_per_quarter")
    return Policy(
        persistence_k=int(persistence.get("k", 2)),
        persistence_n=int(persistence.get("n", 3)),
        hysteresis=bool(values.get("hysteresis", True)),
        cooldown_days=int(values.get("cooldown_days", 28)),
        budget_per_quarter=None if budget is None or budget is False else int(budget),
        quality_gate=bool(values.get("quality_gate", True)),
    )
