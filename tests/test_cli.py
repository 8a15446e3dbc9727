"""The command line: scriptable twins of the console's actions, stable JSON, and a
one-line reason instead of a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimtui.cli import main
from tests.conftest import VALID_837P

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_import_list_show_exempt_export(
    database_url: str, corpus: Path, tmp_path: Path, capsys: Capture
) -> None:
    db = ["--database", database_url, "--user", "clerk"]
    status, out, _ = run(capsys, *db, "import", str(corpus / "837p" / VALID_837P[1]))
    assert status == 0
    assert "1 claim, " in out

    status, out, _ = run(capsys, *db, "claims", "--json")
    rows = json.loads(out)
    assert [row["kind"] for row in rows] == ["AA"]
    claim_id = rows[0]["id"]

    status, out, _ = run(capsys, *db, "show", str(claim_id), "--json")
    shown = json.loads(out)
    assert shown["received"]["claim"]["accident_state"] == "CA"
    assert shown["segments"][0].startswith("HL*1**20*1")

    for finding in shown["findings"]:
        if finding["severity"] == "error":
            status, out, _ = run(
                capsys,
                *db,
                "exempt",
                str(claim_id),
                finding["rule_id"],
                "--reason",
                "confirmed by phone",
            )
            assert status == 0
    out_file = tmp_path / "out.837"
    status, out, err = run(capsys, *db, "export", "--out", str(out_file))
    if status != 0:
        # Warnings keep a claim in review; exempt those too, then export.
        for finding in shown["findings"]:
            run(
                capsys,
                *db,
                "exempt",
                str(claim_id),
                finding["rule_id"],
                "--reason",
                "reviewed",
            )
        status, out, err = run(capsys, *db, "export", "--out", str(out_file))
    assert status == 0, err
    assert "validated by pyx12" in out

    status, out, _ = run(capsys, *db, "audit", "--json")
    actions = [event["action"] for event in json.loads(out)]
    assert "exempt" in actions
    assert "export" in actions


def test_unknown_claim_is_one_line_on_stderr(
    database_url: str, capsys: Capture
) -> None:
    status, _, err = run(capsys, "--database", database_url, "show", "42")
    assert status == 1
    assert err == "claimtui: there is no claim 42\n"


def test_broken_config_names_the_file_and_key(
    database_url: str, private_home: Path, capsys: Capture
) -> None:
    config = private_home / "xdg_config_home" / "claimtui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[interchange]\nusage = "X"\n')
    status, _, err = run(capsys, "--database", database_url, "claims")
    assert status == 1
    assert str(config) in err
    assert "interchange.usage" in err


def test_refused_import_exits_non_zero(
    database_url: str, corpus: Path, capsys: Capture
) -> None:
    path = corpus / "837p" / "imsweb-x12-parser__837_5010__x12_bad_first_line.txt"
    status, out, _ = run(capsys, "--database", database_url, "import", str(path))
    assert status == 1
    assert "refused" in out


def test_schema_encounter_is_json_schema(capsys: Capture) -> None:
    status, out, _ = run(capsys, "schema", "encounter")
    schema = json.loads(out)
    assert status == 0
    assert schema["title"] == "Encounter"
    assert "service_lines" in schema["properties"]


def test_claims_are_rebuilt_when_the_rules_change(
    database_url: str, corpus: Path, tmp_path: Path, capsys: Capture
) -> None:
    db = ["--database", database_url]
    run(capsys, *db, "import", str(corpus / "837p" / VALID_837P[0]))
    # Not held (its ZIP and filing date only ask for review) until a rule file
    # breaks, which holds every claim.
    _, out, _ = run(capsys, *db, "claims", "--status", "held", "--json")
    assert json.loads(out) == []
    practice = tmp_path / "practice"
    practice.mkdir()
    (practice / "broken.yaml").write_text("rules:\n  - id: [\n")
    _, out, err = run(
        capsys, *db, "--rules", str(practice), "claims", "--status", "held", "--json"
    )
    assert len(json.loads(out)) == 1
    assert "rebuilding 1 claims" in err
    # The command says why everything is held, naming the file.
    assert "the rules did not load completely" in err
    assert "broken.yaml" in err


def test_audit_of_an_unknown_claim_is_an_error(
    database_url: str, capsys: Capture
) -> None:
    status, _, err = run(capsys, "--database", database_url, "audit", "7")
    assert (status, err) == (1, "claimtui: there is no claim 7\n")


def test_a_named_config_file_that_does_not_exist_is_an_error(
    database_url: str, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMTUI_CONFIG", str(tmp_path / "nope.toml"))
    status, _, err = run(capsys, "--database", database_url, "claims")
    assert status == 1
    assert "nope.toml: the config file named does not exist" in err


def test_show_lists_holds_and_decisions_no_rule_trace_holds(
    database_url: str, tmp_path: Path, capsys: Capture
) -> None:
    """The X12 check's hold and a person's edit appear in the text as in JSON."""
    from claimtui.review.demo import sample_encounters
    from tests.conftest import TODAY

    encounter = sample_encounters(TODAY, 7)[6]
    encounter.subscriber.last_name = "M\u00dcLLER"
    path = tmp_path / "one.json"
    path.write_text("[" + encounter.model_dump_json() + "]", encoding="utf-8")
    db = ["--database", database_url, "--user", "clerk"]
    run(capsys, *db, "import", str(path))
    _, out, _ = run(capsys, *db, "claims", "--json")
    claim_id = str(json.loads(out)[0]["id"])
    status, _, err = run(
        capsys,
        *db,
        "edit",
        claim_id,
        "claim.patient_control_number",
        "PCN0042",
        "--reason",
        "as the practice system has it",
    )
    assert status == 0, err
    _, out, _ = run(capsys, *db, "show", claim_id, "--json")
    x12 = [f for f in json.loads(out)["findings"] if f["rule_id"] == "X12"]
    assert x12
    status, out, _ = run(capsys, *db, "show", claim_id)
    assert status == 0
    rules_part = out.split("== Rules applied ==")[1].split("== Final segments ==")[0]
    assert "EDIT      claim.patient_control_number:" in rules_part
    assert "'PCN0042'  (as the practice system has it)" in rules_part
    assert f"X12       error: {x12[0]['message']}" in rules_part
