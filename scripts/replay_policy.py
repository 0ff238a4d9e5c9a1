"""Replay the demo's weeks through the retrain policy, with and without each rule.

Reads ``fct_retrain_signals`` (through ``dbt show``, or a JSON file of its rows), decides every
batch as the weekly runs would have (each batch decided on its own date, nobody closes a
request: it completes when a new model version appears in the log) under several policies,
and prints a Markdown table: requests per model, requests per injected drift, requests on the
contaminated batch, data-quality incidents, escalations.

Usage::

    python scripts/replay_policy.py [--project-dir .] [--signals-file rows.json]

Exit codes: 0 every injected drift led to exactly one request under the full policy and none
was made on contaminated data; 1 otherwise; 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import demo_data
import retrain_handoff as rh
import retrain_policy as rp
from retrain_requests import CliError

FIRST_WEEK = demo_data.REFERENCE_START + timedelta(weeks=demo_data.DEFAULT_REFERENCE_WEEKS)
SCORES = {"credit_default": "default_probability", "subscriber_churn": "churn_probability"}
RULES = ("quality_gate", "persistence", "hysteresis", "wait_in_flight", "cooldown", "budget")


@dataclass(frozen=True)
class Cause:
    """An injected fault of the demo and whether a retrain is the right answer to it."""

    label: str
    model_id: str
    feature: str
    weeks: tuple[int, ...]
    should_retrain: bool


def injected_causes() -> list[Cause]:
    causes = []
    for drift in demo_data.INJECTED_DRIFTS:
        if drift["kind"] == "model_version_change" or not drift["weeks"]:
            continue
        weeks = tuple(drift["weeks"])
        span = f"week {weeks[0]}" if len(weeks) == 1 else f"weeks {weeks[0]}–{weeks[-1]}"
        causes.append(
            Cause(
                label=f"{drift['feature']} ({span})",
                model_id=drift["model_id"],
                feature=drift["feature"],
                weeks=weeks,
                should_retrain=drift["kind"] != "missing_values",
            )
        )
    return causes


def week_number(batch_id: str) -> int:
    from datetime import date

    return (date.fromisoformat(batch_id) - FIRST_WEEK).days // 7 + 1


def policy_variants(full: rp.Policy) -> list[tuple[str, rp.Policy]]:
    """No policy, each rule alone, the full policy, and the full policy without each rule.

    ``full`` is a model's policy in force (registry, risk tier), so "only budget" uses the
    model's own budget.
    """
    off = {
        "quality_gate": {"quality_gate": False},
        "persistence": {"persistence_k": 1, "persistence_n": 1},
        "hysteresis": {"hysteresis": False},
        "wait_in_flight": {"wait_in_flight": False},
        "cooldown": {"cooldown_days": 0},
        "budget": {"budget_per_quarter": None},
    }
    on = {rule: {k: getattr(full, k) for k in values} for rule, values in off.items()}
    variants = [("no policy (one request per alerting batch)", rp.NO_POLICY)]
    for rule in RULES:
        variants.append((f"only {rule.replace('_', ' ')}", replace(rp.NO_POLICY, **on[rule])))
    variants.append(("full policy", full))
    for rule in RULES:
        variants.append(
            (f"full policy without {rule.replace('_', ' ')}", replace(full, **off[rule]))
        )
    return variants


def replay(
    models: Mapping[str, rh.ModelSignals], policy_of: Mapping[str, rp.Policy]
) -> list[rp.Decision]:
    """Decide every batch of every model, each on its own date, from an empty ledger."""
    decisions: list[rp.Decision] = []
    for model_id, found in models.items():
        decided_on = {s.batch_id: s.batch_started_at for s in found.batches}
        new, _ = rp.decide_model(
            found.batches, policy_of[model_id], rp.ModelLedger(), (), None, decided_on
        )
        decisions += new
    return decisions


def requests_for(cause: Cause, decisions: Sequence[rp.Decision]) -> list[rp.Decision]:
    """Requests made on the cause's weeks and triggered by its feature (or the model's score)."""
    features = (
        {cause.feature, SCORES.get(cause.model_id)} if cause.should_retrain else {cause.feature}
    )
    return [
        d
        for d in decisions
        if d.outcome == rp.REQUESTED
        and d.model_id == cause.model_id
        and week_number(d.batch_id) in cause.weeks
        and features & {f for f, _ in d.triggers}
    ]


def table(models: Mapping[str, rh.ModelSignals]) -> tuple[str, bool]:
    """The Markdown table of every variant, and whether the full policy meets the bar."""
    causes = injected_causes()
    model_ids = sorted(models)
    headers = ["Policy", *model_ids, "total"]
    headers += [c.label for c in causes]
    headers += ["quality incidents", "escalated"]
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    ok = False
    variants = {m: policy_variants(models[m].policy) for m in model_ids}
    names = [name for name, _ in policy_variants(rp.Policy())]
    for index, name in enumerate(names):
        decisions = replay(models, {m: variants[m][index][1] for m in model_ids})
        requested = [d for d in decisions if d.outcome == rp.REQUESTED]
        per_cause = [requests_for(c, decisions) for c in causes]
        cells = [name, *(str(sum(d.model_id == m for d in requested)) for m in model_ids)]
        cells.append(str(len(requested)))
        for found in per_cause:
            weeks = ", ".join(str(week_number(d.batch_id)) for d in found)
            cells.append(f"{len(found)}" + (f" (week {weeks})" if found else ""))
        cells.append(str(sum(d.outcome == rp.BLOCKED_QUALITY for d in decisions)))
        cells.append(str(sum(d.outcome == rp.ESCALATED for d in decisions)))
        lines.append("| " + " | ".join(cells) + " |")
        if name == "full policy":
            ok = all(
                len(found) == (1 if cause.should_retrain else 0)
                for cause, found in zip(causes, per_cause, strict=True)
            )
    return "\n".join(lines), ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, default=Path("."), help="dbt project")
    parser.add_argument("--profiles-dir", type=Path, default=None, help="folder of profiles.yml")
    parser.add_argument("--target", default=None, help="dbt target")
    parser.add_argument(
        "--signals-file", type=Path, default=None, help="rows of fct_retrain_signals as JSON"
    )
    args = parser.parse_args(argv)
    try:
        if args.signals_file:
            rows = rh.file_signal_source(args.signals_file)()
        else:
            profiles = rh._default_profiles_dir(args.project_dir, args.profiles_dir)
            rows = rh.DbtRunner(args.project_dir, profiles, args.target).signals()
        text, ok = table(rh.signals_from_rows(rows))
    except (CliError, rp.PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
