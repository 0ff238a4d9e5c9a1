"""Spec of the retrain policy (scripts/retrain_policy.py): each rule as a scenario.

Weekly batches of one model; ``weeks("..AA.A")`` reads as the drift seen each week:
``.`` nothing, ``w`` the income PSI at warning level, ``A`` at error level, ``Q`` a batch that
failed a blocking data-quality check (its drift figures say nothing).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import retrain_policy as rp

START = date(2026, 3, 2)  # a Monday, first week of Q1's last month
DEFAULT = rp.Policy()


def weeks(pattern: str, *, version_changes: dict[int, str] | None = None) -> list[rp.BatchSignal]:
    """One signal per character; week numbers are 1-based."""
    signals = []
    version = "v1"
    for index, char in enumerate(pattern, start=1):
        version = (version_changes or {}).get(index, version)
        cells = ()
        if char in "wA":
            cells = (rp.Cell("income", "psi", 2 if char == "A" else 1),)
        quality = ("debt_to_income all null (feature_all_null)",) if char == "Q" else ()
        if char == "Q":
            cells = (rp.Cell("debt_to_income", "psi", 2), rp.Cell("income", "psi", 2))
        signals.append(
            rp.BatchSignal(
                model_id="credit",
                batch_id=week(index).isoformat(),
                batch_started_at=week(index),
                model_version=version,
                reference_id="ref",
                cells=cells,
                quality_failures=quality,
            )
        )
    return signals


def week(number: int) -> date:
    return START + timedelta(weeks=number - 1)


def outcomes(pattern: str, policy: rp.Policy = DEFAULT, **kwargs: object) -> str:
    """The decisions of a fresh run, one letter a week (see LETTERS)."""
    decisions, _ = rp.decide_model(weeks(pattern), policy, **kwargs)
    return "".join(LETTERS[d.outcome] for d in decisions)


LETTERS = {
    rp.NO_DRIFT: ".",
    rp.AWAITING_PERSISTENCE: "p",
    rp.REQUESTED: "R",
    rp.SUPPRESSED_IN_FLIGHT: "f",
    rp.SUPPRESSED_COOLDOWN: "c",
    rp.ESCALATED: "E",
    rp.SUPPRESSED_BUDGET: "b",
    rp.BLOCKED_QUALITY: "Q",
    rp.HELD_OVERRIDE: "H",
    rp.FALLBACK_OVERRIDE: "F",
}
NO_WAIT = rp.Policy(wait_in_flight=False)


# --- persistence ---------------------------------------------------------------------------


def test_one_drifting_week_alone_is_no_request() -> None:
    assert outcomes("..A..") == "..p.."


def test_drift_in_two_of_three_weeks_is_a_request() -> None:
    assert outcomes("..AA") == "..pR"
    assert outcomes("..A.A") == "..p.R"


def test_drift_two_weeks_apart_by_more_than_the_window_is_never_a_request() -> None:
    assert outcomes("A..A..A") == "p..p..p"


def test_persistence_k_of_n_is_configurable() -> None:
    assert outcomes("AAA", rp.Policy(persistence_k=3, persistence_n=3)) == "ppR"
    assert outcomes("A", rp.Policy(persistence_k=1, persistence_n=1)) == "R"


# --- hysteresis ----------------------------------------------------------------------------


def test_a_figure_hovering_at_the_threshold_does_not_flap() -> None:
    """Fires at the error threshold, clears only below the warning threshold."""
    hovering = "AwAwAw"
    assert outcomes(hovering) == "pRffff"
    assert outcomes(hovering, rp.Policy(hysteresis=False)) == "p.R.f.", "flaps without it"
    on = rp.drifting_figures(weeks(hovering), DEFAULT)
    assert all(on), "with hysteresis the figure stays on while it is above the clear threshold"
    off = rp.drifting_figures(weeks(hovering), rp.Policy(hysteresis=False))
    assert [bool(x) for x in off] == [True, False] * 3


def test_a_warning_alone_never_fires() -> None:
    assert outcomes("wwwww") == "....."


def test_below_the_clear_threshold_the_drift_is_over() -> None:
    assert [bool(x) for x in rp.drifting_figures(weeks("Aw.w"), DEFAULT)] == [1, 1, 0, 0]


# --- cooldown and in flight ----------------------------------------------------------------


def test_no_new_request_while_the_last_one_is_in_flight() -> None:
    assert outcomes("AAAAAAAAAA") == "pRffffffff"


def test_a_new_model_version_in_the_log_completes_the_request_in_flight() -> None:
    signals = weeks("AAAAAAA", version_changes={6: "v2"})
    decisions, events = rp.decide_model(signals, DEFAULT)
    assert "".join(LETTERS[d.outcome] for d in decisions) == "pRfffRf"
    completed = [e for e in events if e.status == rp.STATUS_COMPLETED]
    assert len(completed) == 1 and "v2" in completed[0].reason
    assert completed[0].request_id == decisions[1].request_id


def test_a_closed_request_ends_the_wait_but_not_the_cooldown() -> None:
    first, events = rp.decide_model(weeks("AA"), DEFAULT)
    request = first[1].request_id
    closed = rp.LifecycleEvent(request, "credit", rp.STATUS_REJECTED, "not now", "2026-03-10")
    ledger = rp.ModelLedger({d.batch_id: d for d in first}, [*events, closed])
    later, _ = rp.decide_model(weeks("AAAAAA"), DEFAULT, ledger)
    # weeks 3-5 are within 28 days of the request of week 2; week 6 is 28 days later
    assert "".join(LETTERS[d.outcome] for d in later) == "cccR"
    assert "cooldown is 28 days" in later[0].reason


def test_cooldown_alone_spaces_requests_by_28_days() -> None:
    assert outcomes("AAAAAAAAAA", NO_WAIT) == "pRcccRcccR"


# --- budget --------------------------------------------------------------------------------


def test_beyond_the_quarterly_budget_a_person_decides() -> None:
    policy = rp.Policy(wait_in_flight=False, cooldown_days=0, budget_per_quarter=2)
    # weeks 1-5 are in March (Q1), weeks 6-10 in April (Q2): a fresh budget
    assert outcomes("AAAAAAAAAA", policy) == "pRREbRREbb"
    decisions, _ = rp.decide_model(weeks("AAAA"), policy)
    assert "budget of 2 request(s) in 2026-Q1 is spent" in decisions[3].reason


# --- data-quality gate ---------------------------------------------------------------------


def test_a_batch_failing_blocking_quality_checks_is_never_retrained_on() -> None:
    decisions, _ = rp.decide_model(weeks("AQ"), DEFAULT)
    assert [d.outcome for d in decisions] == [rp.AWAITING_PERSISTENCE, rp.BLOCKED_QUALITY]
    assert decisions[1].request_id is None
    assert "debt_to_income all null" in decisions[1].reason
    assert "data-quality incident" in decisions[1].reason


def test_a_contaminated_batch_is_no_evidence_either_way() -> None:
    assert outcomes("AQA") == "pQR"
    assert outcomes(".Q.") == ".Q."


def test_without_the_gate_the_contaminated_batch_would_retrain() -> None:
    assert outcomes("Q", rp.NO_POLICY) == "R"


# --- overrides -----------------------------------------------------------------------------


FREEZE = rp.Override(
    model_id="credit",
    action="freeze",
    reason="model under revalidation",
    approver="head.of.risk@lender.example",
    expires_on=week(4),
)


def test_a_freeze_holds_requests_with_its_reason_and_approver() -> None:
    decisions, _ = rp.decide_model(weeks("AAA"), DEFAULT, overrides=[FREEZE], as_of=week(3))
    assert [d.outcome for d in decisions] == [
        rp.AWAITING_PERSISTENCE,
        rp.HELD_OVERRIDE,
        rp.HELD_OVERRIDE,
    ]
    assert "head.of.risk@lender.example" in decisions[1].reason
    assert "model under revalidation" in decisions[1].reason


def test_an_expired_override_stops_applying_by_itself() -> None:
    decided_on = {s.batch_id: s.batch_started_at for s in weeks("AAAAAA")}
    assert outcomes("AAAAAA", overrides=[FREEZE], decided_on=decided_on) == "pHHHRf"


def test_a_fallback_names_the_business_rule_in_force() -> None:
    fallback = rp.Override(
        "credit", "fallback", "pricing review", "cro@lender.example", week(9), fallback="cutoff 0.3"
    )
    decisions, _ = rp.decide_model(weeks("AA"), DEFAULT, overrides=[fallback], as_of=week(2))
    assert decisions[1].outcome == rp.FALLBACK_OVERRIDE
    assert "'cutoff 0.3'" in decisions[1].reason


def test_an_override_of_another_model_does_not_apply() -> None:
    other = rp.Override("churn", "freeze", "x", "y", week(9))
    assert outcomes("AA", overrides=[other], as_of=week(2)) == "pR"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"action": "freeze"}, "'model_id' is missing"),
        (
            {"model_id": "credit", "action": "pause", "reason": "r", "approver": "a",
             "expires_on": "2026-06-01"},
            "action 'pause' is not one of",
        ),
        ({"model_id": "credit", "action": "freeze", "reason": "r"}, "'approver' is missing"),
        ({"model_id": "credit", "action": "freeze", "reason": "r", "approver": "a"}, "expire"),
        (
            {"model_id": "credit", "action": "freeze", "reason": "r", "approver": "a",
             "expires_on": "2026-13-01"},
            "'expires_on' '2026-13-01' is not a date",
        ),
        (
            {"model_id": "credit", "action": "fallback", "reason": "r", "approver": "a",
             "expires_on": "2026-06-01"},
            "needs 'fallback: <the business rule in force>'",
        ),
        (
            {"model_id": "credit", "action": "freeze", "reason": "r", "approver": "a",
             "expires_on": "2026-06-01", "until": "x"},
            "unknown key 'until'",
        ),
        (
            {"model_id": "ghost", "action": "freeze", "reason": "r", "approver": "a",
             "expires_on": "2026-06-01"},
            "model 'ghost' is not in the registry",
        ),
        (
            {"model_id": "credit", "action": "freeze", "reason": "r", "approver": "a",
             "expires_on": "2026-06-01", "starts_on": "2026-07-01"},
            "is after expires_on",
        ),
    ],
)  # fmt: skip
def test_a_bad_override_is_refused_naming_the_entry_and_the_fix(entry: dict, message: str) -> None:
    with pytest.raises(rp.PolicyError, match="overrides.yml: overrides\\[0\\]") as error:
        rp.parse_overrides({"overrides": [entry]}, "overrides.yml", known_models=["credit"])
    assert message in str(error.value)


def test_overrides_file_parses_dates_and_optional_start(tmp_path) -> None:
    path = tmp_path / "overrides.yml"
    path.write_text(
        "overrides:\n"
        "  - {model_id: credit, action: freeze, reason: audit, approver: cro,\n"
        "     starts_on: 2026-04-01, expires_on: 2026-04-30}\n"
    )
    (override,) = rp.load_overrides(path, ["credit"])
    assert override.applies_on(date(2026, 4, 30)) and not override.applies_on(date(2026, 5, 1))
    assert not override.applies_on(date(2026, 3, 31))


# --- determinism ---------------------------------------------------------------------------


def test_decisions_already_taken_stand_and_a_rerun_adds_nothing() -> None:
    first, events = rp.decide_model(weeks("AAA"), DEFAULT)
    ledger = rp.ModelLedger({d.batch_id: d for d in first}, events)
    again, new_events = rp.decide_model(weeks("AAA"), DEFAULT, ledger)
    assert again == [] and new_events == []
    more, _ = rp.decide_model(weeks("AAAA"), DEFAULT, ledger)
    assert [d.outcome for d in more] == [rp.SUPPRESSED_IN_FLIGHT]


def test_request_ids_are_deterministic_and_equal_the_unpoliced_ones() -> None:
    (a,) = [d for d in rp.decide_model(weeks("AA"), DEFAULT)[0] if d.request_id]
    (b,) = [d for d in rp.decide_model(weeks("AA"), DEFAULT)[0] if d.request_id]
    assert a.request_id == b.request_id
    assert a.request_id == rp.compute_request_id("credit", a.batch_id, "ref", [("income", "psi")])


def test_every_decision_has_a_reason() -> None:
    decisions, _ = rp.decide_model(weeks("AwAQ.AAAA"), DEFAULT)
    assert all(d.reason for d in decisions)
