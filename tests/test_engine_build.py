"""Building claims: traces, changes, decisions, determinism and failing safe."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from claimtui.engine import build_claim, load_rule_set, shipped_rules_dir
from claimtui.engine.samples import example_encounter
from claimtui.model import (
    BuildResult,
    Change,
    ClaimStatus,
    ConditionPart,
    Decision,
    Finding,
    RuleTrace,
    Severity,
)

SHIPPED = load_rule_set([shipped_rules_dir()])
TODAY = dt.date(2024, 3, 20)
AT = dt.datetime(2024, 3, 20, 9, 30, tzinfo=dt.UTC)


def decision(kind: str, **fields: object) -> Decision:
    return Decision.model_validate(
        {"kind": kind, "reason": "checked the card", "user": "ana", "at": AT, **fields}
    )


def trace_of(result: BuildResult, rule_id: str) -> RuleTrace:
    [trace] = [trace for trace in result.traces if trace.rule_id == rule_id]
    return trace


def test_one_trace_per_rule_in_rule_order() -> None:
    built = build_claim(example_encounter(), SHIPPED, today=TODAY)
    assert [trace.rule_id for trace in built.traces] == [r.id for r in SHIPPED.rules]
    assert built.rule_set_version == SHIPPED.version


def test_out_of_scope_rule_is_skipped_with_the_reason() -> None:
    built = build_claim(example_encounter(), SHIPPED, today=TODAY)
    trace = trace_of(built, "WC-01")
    assert trace.outcome == "skipped"
    assert trace.detail == "claim kind not in scope (workers-comp)"


def test_fired_rule_shows_each_condition_part_and_its_value() -> None:
    encounter = example_encounter({"claim": {"related_causes": ["AA"]}})
    built = build_claim(encounter, SHIPPED, today=TODAY)
    trace = trace_of(built, "ACC-01")
    assert trace.outcome == "fired"
    parts = trace.condition
    assert [part.value for part in parts] == [
        True,
        "(not evaluated)",
        "(not evaluated)",
        "(not evaluated)",
    ]
    assert parts[0] == ConditionPart(
        expression='("AA" in claim.related_causes && blank(claim.accident_state) '
        "&& !(iso_country(claim.accident_country) "
        '&& !(claim.accident_country in ["US", "CA"])))',
        value=True,
    )


def test_passed_rule_shows_the_part_that_decided() -> None:
    built = build_claim(example_encounter(), SHIPPED, today=TODAY)
    trace = trace_of(built, "COR-02")
    assert trace.outcome == "passed"
    assert [part.value for part in trace.condition] == [False, False]


def test_repair_is_recorded_as_a_change_in_trace_and_result() -> None:
    encounter = example_encounter(
        {"billing_provider": {"contact": {"phone": "(217) 555-0100"}}}
    )
    built = build_claim(encounter, SHIPPED, today=TODAY)
    expected = Change(
        rule_id="FMT-11",
        path="billing_provider.contact.phone",
        before="(217) 555-0100",
        after="2175550100",
        reason="Contact phone numbers are 10 digits",
    )
    assert built.changes == [expected]
    assert trace_of(built, "FMT-11").changes == [expected]
    assert built.encounter.billing_provider.contact is not None
    assert built.encounter.billing_provider.contact.phone == "2175550100"
    assert built.status is ClaimStatus.READY


def test_build_never_changes_its_input() -> None:
    encounter = example_encounter(
        {"billing_provider": {"contact": {"phone": "(217) 555-0100"}}}
    )
    before = encounter.model_dump()
    build_claim(encounter, SHIPPED, [decision("edit", path="claim.place_of_service",
                                              value="02")], today=TODAY)  # fmt: skip
    assert encounter.model_dump() == before


def test_same_inputs_give_equal_results() -> None:
    encounter = example_encounter(
        {"claim": {"related_causes": ["AA"]}, "subscriber": {"member_id": "A-1"}}
    )
    decisions = [decision("exempt", rule_id="MI-08")]
    first = build_claim(encounter, SHIPPED, decisions, today=TODAY)
    second = build_claim(encounter, SHIPPED, decisions, today=TODAY)
    assert first == second
    assert first.model_dump_json() == second.model_dump_json()


def test_exempt_keeps_the_finding_visible_but_not_holding() -> None:
    encounter = example_encounter({"subscriber": {"member_id": "A-1"}})
    built = build_claim(
        encounter, SHIPPED, [decision("exempt", rule_id="MI-08")], today=TODAY
    )
    trace = trace_of(built, "MI-08")
    assert trace.outcome == "exempted"
    assert trace.detail == "exempted by ana: checked the card"
    assert built.findings == [
        Finding(
            rule_id="MI-08",
            severity=Severity.ERROR,
            message="Enter the member id exactly as on the insurance card, letters "
            "and digits only (2010BA NM109).",
            path="subscriber.member_id",
            segment="2010BA NM109",
            exempted=True,
        )
    ]
    assert built.holding_findings == []
    assert built.status is ClaimStatus.READY


def test_exempt_does_not_apply_the_rules_changes() -> None:
    encounter = example_encounter({"service_lines": [{"modifiers": ["25", "25"]}]})
    built = build_claim(
        encounter, SHIPPED, [decision("exempt", rule_id="MOD-07")], today=TODAY
    )
    assert built.changes == []
    assert built.encounter.service_lines[0].modifiers == ["25", "25"]
    assert [f.exempted for f in built.findings] == [True]


def test_override_wins_over_a_rule_change() -> None:
    encounter = example_encounter({"service_lines": [{"modifiers": ["59", "XS"]}]})
    override = decision(
        "override", rule_id="MOD-02", path="service_lines[0].modifiers",
        value=["59", "XS"],
    )  # fmt: skip
    built = build_claim(encounter, SHIPPED, [override], today=TODAY)
    assert built.encounter.service_lines[0].modifiers == ["59", "XS"]
    assert [(c.rule_id, c.before, c.after) for c in built.changes] == [
        ("MOD-02", ["59", "XS"], ["XS"]),
        ("override", ["XS"], ["59", "XS"]),
    ]


def test_edit_is_applied_before_rules_run() -> None:
    encounter = example_encounter({"subscriber": {"member_id": "A-1"}})
    edit = decision("edit", path="subscriber.member_id", value="A1")
    built = build_claim(encounter, SHIPPED, [edit], today=TODAY)
    assert built.changes == [
        Change(
            rule_id="edit",
            path="subscriber.member_id",
            before="A-1",
            after="A1",
            reason="checked the card",
        )
    ]
    assert trace_of(built, "MI-08").outcome == "passed"
    assert built.status is ClaimStatus.READY


def test_edit_to_a_path_that_does_not_exist_holds_the_claim() -> None:
    edit = decision("edit", path="claim.nothing", value="x")
    built = build_claim(example_encounter(), SHIPPED, [edit], today=TODAY)
    [finding] = built.findings
    assert (finding.rule_id, finding.severity) == ("edit", Severity.ERROR)
    assert built.status is ClaimStatus.HELD


RAISING_RULES = """\
rules:
  - id: CRASH-01
    title: Compares a missing date
    why: test
    severity: warning
    condition: claim.onset_date < "2024-01-01"
    actions:
      - flag: never shown
  - id: CRASH-02
    title: Sets a value the model refuses
    why: test
    severity: info
    actions:
      - set: claim.total_charge
        value: not money
  - id: AFTER-01
    title: Still runs after the crashes
    why: test
    severity: info
    actions:
      - flag: ran
"""


def test_a_rule_that_fails_holds_the_claim_and_the_rest_run(tmp_path: Path) -> None:
    (tmp_path / "crash.yaml").write_text(RAISING_RULES, encoding="utf-8")
    rule_set = load_rule_set([tmp_path])
    assert rule_set.errors == []
    built = build_claim(example_encounter(), rule_set, today=TODAY)
    assert [trace.outcome for trace in built.traces] == ["error", "error", "fired"]
    assert [(f.rule_id, f.severity) for f in built.findings] == [
        ("CRASH-01", Severity.ERROR),
        ("CRASH-02", Severity.ERROR),
        ("AFTER-01", Severity.INFO),
    ]
    assert built.findings[0].message.startswith(
        "Rule CRASH-01 could not run on this claim ('claim.onset_date < "
    )
    assert built.encounter.claim.total_charge == Decimal("150.00")
    assert built.status is ClaimStatus.HELD


def test_timely_filing_uses_the_given_today() -> None:
    encounter = example_encounter({"subscriber": {"claim_filing_code": "MB"}})
    late = build_claim(encounter, SHIPPED, today=dt.date(2025, 3, 5))
    on_time = build_claim(encounter, SHIPPED, today=dt.date(2025, 3, 4))
    # Timely-filing notes (TF-03, TF-04) may annotate either; only TF-01 holds.
    assert [f.rule_id for f in late.holding_findings] == ["TF-01"]
    assert on_time.holding_findings == []


PER_PAYER_RULE = """\
rules:
  - id: PAID-01
    title: Paid amount of each other payer
    why: test
    severity: error
    condition: other_coverages.exists(c, c.payer_paid_amount == null)
    actions:
      - flag: Enter what this payer paid (2320 AMT*D).
        coverages: coverage.payer_paid_amount == null
        path: "other_coverages[*].payer_paid_amount"
        segment: 2320 AMT*D
"""


def test_a_coverages_selector_gives_one_finding_per_other_payer(
    tmp_path: Path,
) -> None:
    (tmp_path / "paid.yaml").write_text(PER_PAYER_RULE, encoding="utf-8")
    rule_set = load_rule_set([tmp_path])
    assert rule_set.errors == []
    payer = {"payer_responsibility": "S", "relationship": "18"}
    encounter = example_encounter(
        {
            "other_coverages": [
                {**payer, "payer_paid_amount": "80.00"},
                payer,
                {**payer, "payer_responsibility": "T"},
            ]
        }
    )

    built = build_claim(encounter, rule_set, today=TODAY)

    assert [(f.message, f.path) for f in built.findings] == [
        (
            "Other payer 2: Enter what this payer paid (2320 AMT*D).",
            "other_coverages[1].payer_paid_amount",
        ),
        (
            "Other payer 3: Enter what this payer paid (2320 AMT*D).",
            "other_coverages[2].payer_paid_amount",
        ),
    ]
