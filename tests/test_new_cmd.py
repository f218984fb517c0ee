"""``touchpoint new``: a starter case that passes check and plays, in English and Chinese, never
overwriting anything."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.cli.new_cmd import LOCALES, SCHEMA_NAME, render, template_text
from sim.engine.decisions import RunOutcome
from sim.engine.loader import load_bytes, load_file
from sim.runs.policies import ExpertPolicy, RandomPolicy, play

SECTIONS = ("rubric:", "accounts:", "persona:", "deal:", "facts:", "stakeholders:", "flags:", "stages:",
            "touchpoints:")


@pytest.fixture(params=LOCALES)
def locale(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_writes_a_starter_that_passes_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], locale: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "acme_case", "--locale", locale]) == 0
    target = tmp_path / "acme_case.yaml"
    scenario = load_file(target)
    assert scenario.id == "acme_case"
    assert scenario.spec.languages == [locale]
    capsys.readouterr()
    assert main(["check", "--strict", "--runs", "120", str(target)]) == 0, capsys.readouterr().out


def test_starter_is_a_complete_short_case(locale: str) -> None:
    spec = load_bytes(render("x", locale, "x.yaml", SCHEMA_NAME).encode("utf-8")).spec
    assert spec.version == 2
    assert len(spec.accounts) == 1
    account = spec.accounts[0]
    assert 2 <= len(account.stakeholders) <= 3
    assert list(account.stages) == ["need_identification", "information_gathering", "solution_design",
                                    "negotiation", "after_sales"]
    for stage in account.stages:
        touchpoints = [t for t in account.touchpoints if t.stage == stage]
        # one meeting per stage, or one agenda: a meeting worth the seller's days and one that is not
        assert len(touchpoints) == 1 or all(t.agenda for t in touchpoints), stage
        assert len(touchpoints) <= 2, stage
        for tp in touchpoints:
            assert 2 <= len(tp.actions) <= 3
            assert sum(a.recommended for a in tp.actions) == (1 if tp.recommended else 0), tp.id
    assert spec.rubric.weights.conversion > 0


def test_starter_shows_the_main_ideas_of_format_2(locale: str) -> None:
    """One agenda choice, a hidden person and facts revealed by actions, a deal with a term to trade
    for a concession, and a text that refers to an earlier choice."""
    spec = load_bytes(render("x", locale, "x.yaml", SCHEMA_NAME).encode("utf-8")).spec
    account = spec.accounts[0]
    assert sum(t.agenda for t in account.touchpoints) == 2
    assert any(not t.recommended for t in account.touchpoints if t.agenda)
    hidden = {s.id for s in account.stakeholders if not s.known} | {f.id for f in account.facts if not f.known}
    revealed: set[str] = set()
    effects = [e for t in account.touchpoints for a in t.actions for e in a.effects]
    for e in effects:
        revealed |= {e.reveal} if isinstance(e.reveal, str) else set(e.reveal or ())
    assert any(not s.known for s in account.stakeholders) and hidden <= revealed
    assert account.deal is not None and account.deal.terms
    assert any(e.price is not None for e in effects) and any(e.walk_away is not None for e in effects)
    trade = [a for t in account.touchpoints for a in t.actions
             if a.recommended and any(e.terms for e in a.effects)]
    assert trade and any(e.price is not None for e in trade[0].effects)  # a concession traded, not given
    assert spec.rubric.weights.margin > 0
    variants = [t.situation for t in account.touchpoints if isinstance(t.situation, list)]
    assert variants and any("chose(" in (v.when or "") for vs in variants for v in vs)


def test_starter_plays_to_the_end_with_expert_and_random(locale: str) -> None:
    from scoring import score_run

    scenario = load_bytes(render("x", locale, "x.yaml", SCHEMA_NAME).encode("utf-8"))
    wins = {"expert": 0, "random": 0}
    for seed in range(40):
        for name, policy in (("expert", ExpertPolicy()), ("random", RandomPolicy(seed))):
            session = play(scenario, policy, seed)
            assert isinstance(session.advance(), RunOutcome)  # finished: nothing left to decide
            assert session.history, "no decision was made"
            wins[name] += score_run(session.trace, scenario.rubric).won
    # a starter worth copying teaches something: following the roadmap wins, clicking at random rarely
    assert wins["expert"] >= 36, wins
    assert wins["random"] <= 20, wins


def test_both_locales_are_the_same_game() -> None:
    """The Chinese starter is a translation: same structure and numbers, so the same results."""
    from scoring import Summary, score_run

    summaries = []
    for loc in LOCALES:
        scenario = load_bytes(render("x", loc, "x.yaml", SCHEMA_NAME).encode("utf-8"))
        summary = Summary()
        for seed in range(30):
            for policy in (ExpertPolicy(), RandomPolicy(seed)):
                summary.add(score_run(play(scenario, policy, seed).trace, scenario.rubric))
        summaries.append(summary.as_dict())
    assert summaries[0] == summaries[1]


def test_every_section_is_explained_by_a_comment(locale: str) -> None:
    lines = template_text(locale).splitlines()
    for section in SECTIONS:
        index = next(i for i, ln in enumerate(lines) if ln.strip().startswith(section))
        before = [ln.strip() for ln in lines[max(0, index - 6):index]]
        same_line = "#" in lines[index]
        assert same_line or any(ln.startswith("#") for ln in before), f"{section} has no comment"
    comments = " ".join(ln for ln in lines if ln.strip().startswith("#"))
    if locale == "zh":
        assert re.search(r"[\u4e00-\u9fff]", comments), "the Chinese starter's comments are not in Chinese"


def test_first_line_names_the_schema_and_placeholders_are_filled(locale: str) -> None:
    text = render("my_case", locale, "my_case.yaml", "../docs/reference/scenario.schema.json")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../docs/reference/scenario.schema.json"
    assert re.search(r"__[A-Z]+__", text) is None
    assert "touchpoint check my_case.yaml" in text


def test_inside_the_repository_it_points_at_the_committed_schema(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from sim.cli.new_cmd import schema_reference

    root = Path(__file__).resolve().parents[1]
    assert schema_reference(root / "scenarios" / "new_case.yaml") == "../docs/reference/scenario.schema.json"
    assert schema_reference(tmp_path / "new_case.yaml") == SCHEMA_NAME  # outside: a copy beside the file
    assert main(["new", "elsewhere", "-o", str(tmp_path / "e.yaml")]) == 0
    assert "touchpoint schema -o" in capsys.readouterr().err  # and it says how to make that copy


def test_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mine.yaml"
    target.write_text("my precious case\n", encoding="utf-8")
    assert main(["new", "mine", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and err.count("\n") == 1
    assert target.read_text(encoding="utf-8") == "my precious case\n"


@pytest.mark.parametrize("bad", ["My-Case", "9lives", "with space", "", "a" * 65, "café"])
def test_rejects_an_invalid_id(bad: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", bad]) == 2
    err = capsys.readouterr().err
    assert "not a valid id" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_suggests_a_valid_id(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "Acme-Cold Chain"]) == 2
    assert "(e.g. acme_cold_chain)" in capsys.readouterr().err


def test_missing_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "x", "-o", str(tmp_path / "no" / "x.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_chinese_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "c", "--locale", "zh"]) == 0
    assert "已生成 c.yaml" in capsys.readouterr().err
    assert main(["new", "c", "--locale", "zh"]) == 2
    assert "已存在" in capsys.readouterr().err


def test_dash_prints_to_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "printed", "-o", "-"]) == 0
    out = capsys.readouterr().out
    assert load_bytes(out.encode("utf-8")).id == "printed"
    assert list(tmp_path.iterdir()) == []
