"""The claim screen: what the panes show, moving between claims, override, help."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from claimtui.review import ClaimDetail, ClaimRow, Workspace
from claimtui.review.explain import field_help
from claimtui.tui import ClaimApp
from claimtui.tui.claim_screen import ClaimScreen
from claimtui.tui.dialogs import HelpScreen, OverridePrompt, ReasonPrompt
from claimtui.tui.panes import (
    CHANGED_MARK,
    CHANGED_STYLE,
    FAILING_MARK,
    FAILING_STYLE,
    GUTTER,
    QUIET,
    SegmentsList,
    SegmentsPane,
    outcome_word,
    path_changed,
    show_value,
)
from claimtui.tui.queue_view import QueueView
from tests.tui_support import demo_workspace, type_text


def rules_text(screen: ClaimScreen) -> list[str]:
    rules = screen.detail_area.rules_pane.rules_list
    return [str(rules.get_option_at_index(i).prompt) for i in range(len(rules.lines))]


def segments_text(screen: ClaimScreen) -> list[str]:
    segments = screen.detail_area.query_one(SegmentsPane).query_one(OptionList)
    return [
        str(segments.get_option_at_index(i).prompt)
        for i in range(segments.option_count)
    ]


def claim_with_changes(workspace: Workspace) -> tuple[int, ClaimRow, ClaimDetail]:
    """Position in the "all" queue, row and detail of the first claim where a
    rule changed a value that a segment element comes from."""
    for position, row in enumerate(workspace.claim_rows("all", limit=500)):
        detail = workspace.claim_detail(row.id)
        sources = [source for segment in detail.segments for source in segment.sources]
        if any(path_changed(source, detail.changed_paths) for source in sources):
            return position, row, detail
    raise AssertionError("the demo has no claim that a rule changed")


async def open_claim_at(pilot: Pilot[None], position: int) -> ClaimScreen:
    """Show the "all" queue, put the cursor on ``position``, open that claim."""
    view = pilot.app.screen.query_one(QueueView)
    view.show_queue("all")
    view.cursor = position
    await pilot.press("enter")
    screen = pilot.app.screen
    assert isinstance(screen, ClaimScreen)
    return screen


async def test_rules_pane_lists_rules_in_run_order_with_changes(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row, detail = claim_with_changes(workspace)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.pause()
        lines = rules_text(screen)
        heads = [line for line in lines if not line.startswith("    ")]
        acted = [t for t in detail.build.traces if outcome_word(t) not in QUIET]
        shown = [f"{outcome_word(t):<8} {t.rule_id}" for t in acted]
        assert [head[: len(t)] for head, t in zip(heads, shown, strict=False)] == (
            shown
        )
        assert heads[-1].endswith("not listed; h lists every rule in run order")
        change = detail.build.changes[0]
        assert any(line.strip().startswith(f"{change.path}: ") for line in lines)
        assert any(" → " in line for line in lines)
        for finding in detail.build.holding_findings:
            assert any(
                line.strip() == f"E {finding.message}"
                or line.strip().startswith(f"E {finding.message} (")
                for line in lines
            )


async def test_segments_pane_marks_changed_elements(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row, detail = claim_with_changes(workspace)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.pause()
        lines = segments_text(screen)[-len(detail.segment_lines) :]
        assert [line[GUTTER:] for line in lines] == detail.segment_lines
        marked = [line for line in lines if line[1] == CHANGED_MARK]
        assert marked, "a claim a rule changed has a marked segment"
        pane = screen.detail_area.query_one(SegmentsPane)
        assert "reversed" in pane.border_subtitle


def claim_with_finding(workspace: Workspace, rule_id: str) -> tuple[int, ClaimDetail]:
    """Position in the "all" queue and detail of the first claim ``rule_id``
    found something on."""
    for position, row in enumerate(workspace.claim_rows("all", limit=500)):
        detail = workspace.claim_detail(row.id)
        if any(f.rule_id == rule_id for f in detail.build.findings):
            return position, detail
    raise AssertionError(f"no demo claim has a finding of {rule_id}")


def segment_index(detail: ClaimDetail, segment_id: str, loop: str) -> int:
    return next(
        index
        for index, segment in enumerate(detail.segments)
        if segment.id == segment_id and segment.loop == loop
    )


def segment_prompt(screen: ClaimScreen, index: int) -> Text:
    segments_list = screen.detail_area.query_one(SegmentsList)
    prompt = segments_list.get_option_at_index(index + segments_list.heading).prompt
    assert isinstance(prompt, Text)
    return prompt


def styles_of(text: Text, part: str) -> set[str]:
    """The styles of the spans covering the first occurrence of ``part``."""
    start = text.plain.index(part)
    return {
        str(span.style)
        for span in text.spans
        if span.start <= start and span.end >= start + len(part)
    }


def provenance(screen: ClaimScreen) -> str:
    pane = screen.detail_area.query_one(SegmentsPane)
    return str(pane.query_one(".provenance", Static).render())


async def test_segments_pane_marks_failing_elements_apart_from_changed(
    tmp_path: Path,
) -> None:
    """MI-04 holds the claim for the billing provider's ZIP+4: its 2010AA N4
    line is marked ! and the ZIP element is bold, not reversed."""
    workspace = demo_workspace(tmp_path)
    position, detail = claim_with_finding(workspace, "MI-04")
    n4 = segment_index(detail, "N4", "2010AA")
    zip_code = detail.segments[n4].elements[2]
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.pause()
        prompt = segment_prompt(screen, n4)
        assert prompt.plain == f"{FAILING_MARK}  {detail.segment_lines[n4]}"
        assert styles_of(prompt, zip_code) == {FAILING_STYLE}
        others = [segment_prompt(screen, i).plain for i in range(len(detail.segments))]
        assert [line[0] for line in others].count(FAILING_MARK) == 1
        assert "failing" in screen.detail_area.query_one(SegmentsPane).border_subtitle


async def test_selecting_a_failing_segment_shows_the_finding_and_its_source(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, detail = claim_with_finding(workspace, "MI-04")
    finding = next(f for f in detail.build.findings if f.rule_id == "MI-04")
    n4 = segment_index(detail, "N4", "2010AA")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.press("3")
        screen.detail_area.query_one(SegmentsList).highlight_segment(n4)
        await pilot.pause()
        shown = provenance(screen).splitlines()
        assert shown[0] == (
            f"! N403 billing_provider.address.postal_code: E MI-04 {finding.message}"
        )
        assert "N403 billing_provider.address.postal_code !" in shown[-1]


async def test_a_changed_and_failing_composite_carries_both_marks(
    tmp_path: Path,
) -> None:
    """MOD-07 removed a repeated modifier inside SV101 and warns about it."""
    workspace = demo_workspace(tmp_path)
    position, detail = claim_with_finding(workspace, "MOD-07")
    sv1 = segment_index(detail, "SV1", "2400")
    assert len(detail.encounter.service_lines) == 1, "SV1 is the only one"
    procedure = detail.segments[sv1].elements[0]
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.pause()
        prompt = segment_prompt(screen, sv1)
        assert prompt.plain.startswith(f"{FAILING_MARK}{CHANGED_MARK} SV1")
        assert styles_of(prompt, procedure) == {f"{CHANGED_STYLE} {FAILING_STYLE}"}


async def test_findings_no_segment_shows_are_listed_above_the_segments(
    tmp_path: Path,
) -> None:
    """A Workers' Comp claim missing its claim number, injury date and report:
    none of them wrote a segment, so they are named on the first line."""
    workspace = demo_workspace(tmp_path)
    position, detail = claim_with_finding(workspace, "WC-04")
    injury = next(f for f in detail.build.findings if f.rule_id == "WC-04")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.press("3", "g")
        lines = segments_text(screen)
        assert lines[0] == f"{FAILING_MARK}  not in segments: WC-03, WC-04, WC-06"
        assert lines[1:] == [f"{GUTTER * ' '}{line}" for line in detail.segment_lines]
        await pilot.pause()
        assert (
            f"! claim.accident_date 2300 DTP*439: E WC-04 {injury.message}"
            in provenance(screen).splitlines()
        )
        await pilot.press("E")
        prompt = app.screen
        assert isinstance(prompt, OverridePrompt)
        assert prompt.default_path == "patient.property_casualty_claim_number"


async def test_an_exempted_finding_does_not_mark_its_element_failing(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, detail = claim_with_finding(workspace, "MI-04")
    workspace.exempt(detail.id, "MI-04", "ZIP+4 not known to the practice")
    n4 = segment_index(detail, "N4", "2010AA")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.press("3")
        screen.detail_area.query_one(SegmentsList).highlight_segment(n4)
        await pilot.pause()
        prompt = segment_prompt(screen, n4)
        assert prompt.plain == f"{GUTTER * ' '}{detail.segment_lines[n4]}"
        assert FAILING_STYLE not in {str(span.style) for span in prompt.spans}
        first = provenance(screen).splitlines()[0]
        assert first.startswith("  N403 billing_provider.address.postal_code: E MI-04")
        assert first.endswith("[exempted]")


async def test_capital_j_and_k_step_through_the_queue(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    first, second, third = workspace.claim_rows("held", limit=3)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ClaimScreen)
        assert screen.row.id == first.id
        await pilot.press("J", "J")
        assert screen.detail is not None and screen.detail.id == third.id
        await pilot.press("K")
        assert screen.detail is not None and screen.detail.id == second.id
        await pilot.press("q")
        assert app.screen.query_one(QueueView).cursor == 1


async def test_exempt_needs_a_reason(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "2", "e")
        assert isinstance(app.screen, ReasonPrompt)
        await pilot.press("space", "enter")
        assert isinstance(app.screen, ReasonPrompt)
        await pilot.press("escape")
        assert isinstance(app.screen, ClaimScreen)
    assert not [e for e in workspace.audit_events() if e.action == "exempt"]


async def test_x_overrides_the_value_a_rule_set(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, row, detail = claim_with_changes(workspace)
    change = detail.build.changes[0]
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        rules = screen.detail_area.rules_pane.rules_list
        await pilot.press("2", "g")
        while rules.selected is None or rules.selected.change is None:
            await pilot.press("j")
        selected = rules.selected.change
        await pilot.press("x")
        prompt = app.screen
        assert isinstance(prompt, OverridePrompt)
        assert prompt.default_path == selected.path
        prompt.query_one("#value", Input).value = ""
        await type_text(pilot, str(change.before or "X"))
        await pilot.press("enter")
        await type_text(pilot, "keep what the practice sent")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ClaimScreen)
        await pilot.press("dollar_sign", "y")
        await app.workers.wait_for_complete()
    overrides = [e for e in workspace.audit_events(row.id) if e.action == "override"]
    assert len(overrides) == 1
    assert selected.path in overrides[0].detail


async def test_question_mark_lists_every_key_of_the_claim_screen(
    tmp_path: Path,
) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = [str(entry.binding.description) for _, entry in help_screen.entries]
        for binding in ClaimScreen.BINDINGS:
            assert not isinstance(binding, tuple)
            assert binding.description in listed
        assert "Keys" in listed
        await pilot.press("escape")
        assert isinstance(app.screen, ClaimScreen)


async def test_help_filters_and_runs_the_chosen_key(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        await type_text(pilot, "queues")
        assert len(help_screen.shown) == 1
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "QueuePicker"


async def test_page_down_walks_the_help_on_a_small_terminal(tmp_path: Path) -> None:
    app = ClaimApp(demo_workspace(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        keys = help_screen.query_one(OptionList)
        assert len(help_screen.shown) > keys.size.height
        await pilot.press("pagedown")
        first_page = keys.highlighted or 0
        assert first_page > 1
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown")
        assert keys.highlighted == len(help_screen.shown) - 1
        await pilot.press("pageup")
        assert (keys.highlighted or 0) < len(help_screen.shown) - 1


def claim_held_with_notes(workspace: Workspace) -> tuple[int, ClaimDetail]:
    """Position in "all" and detail of a held claim where a rule that only
    notes or changes ran before the first rule that holds it."""
    for position, row in enumerate(workspace.claim_rows("all", limit=500)):
        detail = workspace.claim_detail(row.id)
        words = [outcome_word(t) for t in detail.build.traces]
        if "holds" in words and words.index("holds") > 0:
            before = words[: words.index("holds")]
            if any(word not in QUIET for word in before):
                return position, detail
    raise AssertionError("the demo has no held claim with an earlier note")


async def test_claim_opens_on_the_rule_that_holds_it(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, detail = claim_held_with_notes(workspace)
    holding = next(t for t in detail.build.traces if outcome_word(t) == "holds")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.pause()
        rules = screen.detail_area.rules_pane.rules_list
        assert rules.selected is not None
        assert rules.selected.rule_id == holding.rule_id
        assert rules.selected.head == "holds"
        assert rules_text(screen)[rules.highlighted or 0].startswith(
            f"holds    {holding.rule_id}"
        )


async def test_brackets_step_through_rules_that_acted(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, detail = claim_held_with_notes(workspace)
    acted = [t.rule_id for t in detail.build.traces if outcome_word(t) not in QUIET]
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        rules = screen.detail_area.rules_pane.rules_list
        await pilot.press("g")
        seen = []
        for _ in acted:
            assert rules.selected is not None
            seen.append(rules.selected.rule_id)
            await pilot.press("right_square_bracket")
        assert seen == acted
        assert rules.selected is not None and rules.selected.rule_id == acted[0]
        await pilot.press("left_square_bracket")
        assert rules.selected is not None and rules.selected.rule_id == acted[-1]


async def test_h_lists_passed_and_skipped_rules_in_run_order(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, detail = claim_held_with_notes(workspace)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.press("h")
        heads = [line for line in rules_text(screen) if not line.startswith("    ")]
        assert [head.split()[1] for head in heads] == [
            t.rule_id for t in detail.build.traces
        ]
        assert any(head.startswith("passed ") for head in heads)


def claim_fired_by(workspace: Workspace, rule_id: str) -> tuple[int, ClaimDetail]:
    """Position in "all" and detail of the first claim ``rule_id`` fired on."""
    for position, row in enumerate(workspace.claim_rows("all", limit=500)):
        detail = workspace.claim_detail(row.id)
        fired = [t for t in detail.build.traces if t.outcome == "fired"]
        if any(trace.rule_id == rule_id for trace in fired):
            return position, detail
    raise AssertionError(f"{rule_id} fires on no demo claim")


async def test_fired_rule_shows_its_condition_parts_and_values(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, detail = claim_fired_by(workspace, "BAL-01")
    total = f"claim.total_charge = {detail.encounter.claim.total_charge:g}"
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        lines = [line.strip() for line in rules_text(screen)]
        start = next(i for i, line in enumerate(lines) if " BAL-01 " in line)
        below = lines[start + 1 : start + 6]
        assert "if claim.total_charge != facts.line_charge_total → True" in below
        assert any(
            line.startswith(total) and "facts.line_charge_total = " in line
            for line in below
        )


async def test_x_on_a_rule_prefills_its_change_and_shows_before_and_after(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row, detail = claim_with_changes(workspace)
    change = detail.build.changes[0]
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        assert screen.detail_area.rules_pane.rules_list.select_rule(change.rule_id)
        await pilot.press("x")
        prompt = app.screen
        assert isinstance(prompt, OverridePrompt)
        assert prompt.default_path == change.path
        note = str(prompt.query_one("#override-note", Static).render())
        assert note == (
            f"{change.rule_id} changed {change.path}: "
            f"{show_value(change.before)} → {show_value(change.after)}"
        )


async def test_edit_from_segments_prefills_the_field_and_shows_its_help(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row, detail = claim_with_changes(workspace)
    clm = next(i for i, s in enumerate(detail.segments) if s.id == "CLM")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.press("3")
        screen.detail_area.query_one(SegmentsList).highlight_segment(clm)
        await pilot.press("E")
        prompt = app.screen
        assert isinstance(prompt, OverridePrompt)
        assert prompt.default_path == "claim.patient_control_number"
        assert prompt.default_value == detail.received.claim.patient_control_number
        await pilot.pause()
        help_text = str(prompt.query_one("#field-help", Static).render())
        assert help_text == field_help("claim.patient_control_number")
        assert "CLM01" in help_text


async def test_segments_from_no_field_show_no_source_line(tmp_path: Path) -> None:
    workspace = demo_workspace(tmp_path)
    position, _row, detail = claim_with_changes(workspace)
    hl = next(i for i, s in enumerate(detail.segments) if s.id == "HL")
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_claim_at(pilot, position)
        await pilot.press("3")
        pane = screen.detail_area.query_one(SegmentsPane)
        pane.query_one(SegmentsList).highlight_segment(hl)
        await pilot.pause()
        assert str(pane.query_one(".provenance", Static).render()) == ""


async def test_y_copies_the_claim_number_or_the_focused_segment(
    tmp_path: Path,
) -> None:
    workspace = demo_workspace(tmp_path)
    position, row, detail = claim_with_changes(workspace)
    app = ClaimApp(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_claim_at(pilot, position)
        await pilot.press("y")
        assert app.clipboard == row.patient_control_number
        await pilot.press("3", "g", "j", "y")
        assert app.clipboard == detail.segment_lines[1]


async def _edit(pilot: Pilot[None], path: str, value: str, reason: str) -> None:
    await pilot.press("E")
    prompt = pilot.app.screen
    assert isinstance(prompt, OverridePrompt)
    prompt.query_one("#path", Input).value = path
    prompt.query_one("#value", Input).value = value
    prompt.query_one("#reason", Input).focus()
    await type_text(pilot, reason)
    await pilot.press("enter")
    await pilot.pause()


async def test_modifiers_are_edited_as_typed_and_a_bad_one_is_named(
    tmp_path: Path,
) -> None:
    """A list field takes what a person types ("25, 59"); a modifier its
    element cannot carry is refused with the element's own message."""
    workspace = demo_workspace(tmp_path)
    position, row, _detail = claim_with_changes(workspace)
    path = "service_lines[0].modifiers"
    app = ClaimApp(workspace)
    notes: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await open_claim_at(pilot, position)
        real_notify = app.notify

        def keep(message: str, **kwargs: object) -> None:
            notes.append(message)
            real_notify(message, **kwargs)  # type: ignore[arg-type]

        app.notify = keep  # type: ignore[method-assign]
        # Refused when the value is entered, before any reason is typed.
        await pilot.press("E")
        prompt = app.screen
        assert isinstance(prompt, OverridePrompt)
        prompt.query_one("#path", Input).value = path
        prompt.query_one("#value", Input).focus()
        await type_text(pilot, "ABC")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt
        assert prompt.query_one("#value", Input).has_focus
        refusal = "a procedure modifier is 2 characters; 'ABC' has 3"
        assert any(refusal in note for note in notes)
        await pilot.press("escape")
        # Refused at staging too, should a value reach it unchecked.
        notes.clear()
        await _edit(pilot, path, "ABC", "as the payer asked")
        assert not app.staging.actions
        assert any(refusal in note for note in notes)
        await _edit(pilot, path, "25, 59", "as the chart says")
        assert [a.value for a in app.staging.actions] == ["25, 59"]
        await pilot.press("dollar_sign", "y")
        await app.workers.wait_for_complete()
    edited = workspace.claim_detail(row.id).build.encounter.service_lines[0]
    assert edited.modifiers[:2] == ["25", "59"]
