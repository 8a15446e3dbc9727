"""A crash report must not print patient data.

Textual's default crash report lists every local variable of every frame, so a
crash while a claim is on screen would print the patient's name and ids. The
console prints the traceback without locals.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App

from claimtui.review import Workspace
from claimtui.tui import ClaimApp
from tests.tui_support import demo_workspace


def crash_on_a_claim(workspace: Workspace) -> None:
    row = workspace.claim_rows("held", limit=1)[0]
    patient_name = row.patient_name
    raise RuntimeError(f"crash while showing claim {row.id}, {len(patient_name)}")


class CrashingConsole(ClaimApp):
    def on_ready(self) -> None:
        crash_on_a_claim(self.workspace)


class StockApp(App[None]):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

    def on_ready(self) -> None:
        crash_on_a_claim(self.workspace)


async def crash_report(app: App[None], capfd: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(RuntimeError, match="crash while showing claim"):
        async with app.run_test():
            pass
    return capfd.readouterr().err


async def test_crash_report_leaves_out_local_variables(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    workspace = demo_workspace(tmp_path)
    patient_name = workspace.claim_rows("held", limit=1)[0].patient_name

    report = await crash_report(CrashingConsole(workspace), capfd)

    assert "RuntimeError" in report and "crash_on_a_claim" in report
    assert patient_name not in report


async def test_stock_textual_report_would_show_them(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    workspace = demo_workspace(tmp_path)
    patient_name = workspace.claim_rows("held", limit=1)[0].patient_name

    report = await crash_report(StockApp(workspace), capfd)

    assert patient_name in report
