"""Loading scenarios: every kind of bad input is one located error, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import MINIMAL, load_text, minimal_yaml

from sim.engine.loader import ScenarioError, load_bytes, load_file


def problems(text: str | bytes) -> list[str]:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(ScenarioError) as info:
        load_bytes(raw, "x.yaml")
    return info.value.lines()


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_minimal_scenario_loads(mini):
    assert mini.id == "mini"
    assert mini.content_hash.startswith("sha256:")
    assert [a.id for a in mini.rules.accounts] == ["acme"]


def test_unknown_key_names_path_line_and_suggestion():
    text = minimal_yaml({"{id: good, label: Good, days: 2, recommended: true, effects:":
                         "{id: good, label: Good, days: 2, recommended: true, efects:"})
    (msg,) = problems(text)
    line = line_of(text, "efects")
    col = text.splitlines()[line - 1].index("efects") + 1
    assert msg == (f"x.yaml:{line}:{col}: [error] accounts[0].touchpoints[0].actions[0].efects: "
                   "unknown field (did you mean 'effects'?)")


def test_wrong_type_points_at_the_value():
    text = minimal_yaml({"patience_days: 90": "patience_days: soon"})
    (msg,) = problems(text)
    line = line_of(text, "patience_days")
    assert msg == f"x.yaml:{line}:20: [error] accounts[0].patience_days: expected a number"


def test_random_amount_errors_point_inside_the_distribution():
    text = minimal_yaml({"{who: boss, trust: 10}": "{who: boss, trust: {normal: [5, x]}}"})
    (msg,) = problems(text)
    assert "accounts[0].touchpoints[0].actions[0].effects[1].trust.normal[1]: expected a number" in msg


def test_missing_field_is_named():
    text = minimal_yaml({"objective: Win it\n": ""})
    (msg,) = problems(text)
    assert msg.startswith("x.yaml:1:1: [error] objective: missing required field 'objective'")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{who: boss, trust: 10}", "{who: bos, trust: 10}", "unknown stakeholder 'bos' (did you mean 'boss'?)"),
        ("with: [boss]", "with: [bozz]", "unknown stakeholder 'bozz'"),
        ("effects: [{set: pain}", "effects: [{set: pane}", "unknown flag 'pane' (did you mean 'pain'?)"),
        ("gate: pain}", "gate: pain and info >= x}", "unknown name 'x'"),
        ("gate: consensus >= 50}", "gate: trust(boss) >= 50 and satisfaction(nobody) > 1}",
         "unknown stakeholder 'nobody'"),
        ("{who: boss, trust: 10}", "{who: role:champion, trust: 10}", "no stakeholder has the role 'champion'"),
        ("stage: after_sales", "stage: solution_design", "stage 'solution_design' is not in this account's stages"),
    ],
)
def test_dangling_references(old, new, expected):
    msgs = problems(minimal_yaml({old: new}))
    # Moving the only after-sales touchpoint also leaves after_sales without one: both are said.
    assert len(msgs) == (2 if "solution_design" in new else 1)
    assert any(expected in m for m in msgs)
    assert all(m.startswith("x.yaml:") for m in msgs)


def test_duplicate_ids_are_errors():
    text = minimal_yaml({"{id: user, name: User,": "{id: boss, name: User,"})
    (msg,) = problems(text)
    line = line_of(text, "name: User")
    assert msg.startswith(f"x.yaml:{line}:")
    assert "duplicate stakeholder id 'boss'" in msg


def test_duplicate_yaml_key_is_an_error():
    text = MINIMAL.replace("title: Mini\n", "title: Mini\ntitle: Again\n")
    (msg,) = problems(text)
    assert "duplicate key 'title'" in msg and msg.startswith("x.yaml:4:1:")


def test_condition_error_column_points_into_the_expression():
    text = minimal_yaml({"gate: consensus >= 50}": "gate: consensus >= 50 and pian}"})
    (msg,) = problems(text)
    line = line_of(text, "pian")
    col = text.splitlines()[line - 1].index("pian") + 1
    assert msg.startswith(f"x.yaml:{line}:{col}: [error]")
    assert "(did you mean 'pain'?)" in msg


def test_stage_without_touchpoint():
    text = minimal_yaml({"need_identification: {gate: pain}": "need_identification: {gate: pain}\n"
                         "      solution_design: {}"})
    (msg,) = problems(text)
    assert "stage 'solution_design' has no touchpoint" in msg


def test_rubric_weights_must_add_up():
    text = minimal_yaml({"retention: 0.2}": "retention: 0.3}"})
    (msg,) = problems(text)
    assert "weights add up to 1.1; they must add up to 1" in msg


def test_every_problem_is_reported():
    text = minimal_yaml({"title: Mini": "title: 5", "patience_days: 90": "patience_days: -1",
                         "role: user": "role: janitor"})
    msgs = problems(text)
    assert len(msgs) == 3
    assert any("title: expected text" in m for m in msgs)
    assert any("patience_days: input should be greater than 0" in m for m in msgs)
    assert any("must be one of: economic_buyer" in m for m in msgs)


@pytest.mark.parametrize("version", [3, 0])
def test_unsupported_version(version):
    (msg,) = problems(MINIMAL.replace("version: 1", f"version: {version}"))
    assert f"version {version} is not supported" in msg and msg.startswith("x.yaml:1:10:")
    assert "reads versions 1 and 2" in msg


def test_versions_1_and_2_both_load():
    """Format 2 is the current one; a case written for format 1 still loads, the same."""
    one = load_text(MINIMAL)
    two = load_text(MINIMAL.replace("version: 1", "version: 2"))
    assert (one.spec.version, two.spec.version) == (1, 2)
    assert [a.id for tp in two.rules.accounts[0].touchpoints.values() for a in tp.actions] == [
        a.id for tp in one.rules.accounts[0].touchpoints.values() for a in tp.actions]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "the file is empty"),
        (b"# only a comment\n", "the file is empty"),
        (b"id: [unclosed\n", "not valid YAML"),
        (b"id: x\n\xff\xfe bad\n", "not UTF-8"),
        (b"[" * 100_000, "nest"),
        (b"- just\n- a list\n", "a scenario is a mapping"),
        (b"a: !!python/object:os.system ls\n", "tag"),
    ],
)
def test_bad_files_get_one_line(raw, expected):
    msgs = problems(raw)
    assert len(msgs) == 1 and "\n" not in msgs[0]
    assert expected in msgs[0]


def test_alias_bomb_is_refused_fast():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        bomb += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]\n"
    (msg,) = problems(bomb)
    assert "alias" in msg


def test_huge_file_is_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (9 * 1024 * 1024) + b"\n")
    with pytest.raises(ScenarioError) as info:
        load_file(big)
    assert "too large" in info.value.lines()[0]


def test_bom_and_crlf_are_fine():
    raw = b"\xef\xbb\xbf" + MINIMAL.replace("\n", "\r\n").encode("utf-8")
    assert load_bytes(raw, "x.yaml").id == "mini"


def test_yaml_11_booleans_stay_text():
    # The Norway problem: a label "no" must stay the text "no", not become false.
    sc = load_text(minimal_yaml({"label: Pain}": "label: no}"}))
    assert sc.spec.accounts[0].flags[0].label == "no"


def test_content_hash_ignores_comments_and_layout():
    a = load_text(MINIMAL)
    b = load_text("# a comment\n" + MINIMAL.replace("title: Mini", "title:   'Mini'"))
    c = load_text(MINIMAL.replace("title: Mini", "title: Mini 2"))
    assert a.content_hash == b.content_hash != c.content_hash


def test_check_command_exit_codes(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("days: 2", "days: two"), encoding="utf-8")
    cmd = [sys.executable, "-m", "sim", "check"]
    ok = subprocess.run([*cmd, str(good)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    found = subprocess.run([*cmd, str(good), str(bad)], capture_output=True, text=True)
    assert found.returncode == 1
    assert "bad.yaml:" in found.stdout and "expected a number" in found.stdout
    assert "Traceback" not in found.stdout + found.stderr
    missing = subprocess.run([*cmd, str(tmp_path / "nope.yaml")], capture_output=True, text=True)
    assert missing.returncode == 2
    assert "Traceback" not in missing.stdout + missing.stderr
