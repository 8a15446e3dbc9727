"""An installed copy (not a source checkout) finds its shipped rule packs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_installed_wheel_loads_the_shipped_rules(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            tmp_path,
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("claimtui-*.whl"))
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    script = (
        "from claimtui.engine import load_rule_set, shipped_rules_dir\n"
        "folder = shipped_rules_dir()\n"
        "rules = load_rule_set([folder])\n"
        "import claimtui\n"
        "print(folder.is_relative_to(claimtui.__file__.rsplit('/', 2)[0]),"
        " len(rules.rules), len(rules.errors))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
    )
    inside, count, errors = result.stdout.split()
    assert inside == "True"
    assert int(count) >= 40
    assert errors == "0"
