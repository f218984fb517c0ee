"""YAML that every reader reads the same (issue 23, item 3).

Every bundled scenario and every file ``touchpoint new`` writes must mean the same to libyaml, to
PyYAML's pure-Python parser (what Touchpoint falls back to when PyYAML was built without libyaml)
and to ruamel.yaml; Touchpoint must load them without libyaml; and ``touchpoint check`` warns about
the unquoted texts that readers disagree on (:mod:`sim.authoring.portability`).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.authoring import portability
from sim.cli import main
from sim.lang import bundled

ruamel_yaml = pytest.importorskip("ruamel.yaml", reason="ruamel.yaml (dev extra) is needed")

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "data" / "broken"


# --- what each reader makes of a file: the node tree, scalars with their text and plainness ------------


def _tree(node: Any) -> Any:
    """A reader-independent picture of a composed YAML node: mappings as lists of pairs (order and
    duplicates kept), sequences as lists, scalars as (text, plain?) since plainness decides types."""
    kind = type(node).__name__
    if kind == "MappingNode":
        return ("map", [(_tree(k), _tree(v)) for k, v in node.value])
    if kind == "SequenceNode":
        return ("seq", [_tree(v) for v in node.value])
    return (node.value, node.style in (None, ""))


def read_libyaml(text: str) -> Any:
    return _tree(yaml.compose(text, Loader=yaml.CSafeLoader))


def read_pure(text: str) -> Any:
    return _tree(yaml.compose(text, Loader=yaml.SafeLoader))


def read_ruamel(text: str) -> Any:
    return _tree(ruamel_yaml.YAML(typ="safe", pure=True).compose(io.StringIO(text)))


READERS = {"pure-python PyYAML": read_pure, "ruamel.yaml": read_ruamel}

needs_libyaml = pytest.mark.skipif(getattr(yaml, "CSafeLoader", None) is None,
                                   reason="PyYAML here was built without libyaml")


def starter(locale: str) -> str:
    from sim.cli.new_cmd import render

    return render("my_case", locale, "my_case.yaml", "scenario.schema.json")


def _known_unquoted(text: str, name: str) -> str:
    """The lines of a bundled file whose texts need quotes ("" if none), for a failure message."""
    found = portability.unportable_texts(text)
    return ", ".join(f"{name}:{u.line}:{u.column} {u.text!r}" for u in found)


def _same(text: str, name: str, reader: str) -> None:
    """Every bundled file is quoted (issue 23): a reader that disagrees with libyaml fails the test,
    naming the texts to quote, instead of being expected to fail."""
    expected = read_libyaml(text)
    try:
        got = READERS[reader](text)
    except Exception as err:  # a reader that cannot read the file at all
        got = f"cannot read: {type(err).__name__}: {str(err).splitlines()[0]}"
    assert got == expected, f"{reader} reads {name} differently from libyaml; quote: {_known_unquoted(text, name)}"


@needs_libyaml
@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_every_reader_reads_the_starter_as_libyaml_does(locale: str, reader: str) -> None:
    text = starter(locale)
    assert portability.unportable_texts(text) == []
    assert READERS[reader](text) == read_libyaml(text)


@needs_libyaml
@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("path", bundled.scenario_paths(), ids=lambda p: p.stem)
def test_every_reader_reads_the_bundled_scenarios_as_libyaml_does(path: Path, reader: str) -> None:
    _same(path.read_text(encoding="utf-8"), path.name, reader)


# --- Touchpoint without libyaml ---------------------------------------------------------------------

#: Run Touchpoint's command line in a fresh interpreter whose PyYAML has no libyaml.
NO_LIBYAML = (
    "import sys, yaml\n"
    "for name in ('CSafeLoader', 'CLoader', 'CBaseLoader', 'CFullLoader', 'CUnsafeLoader', 'CParser'):\n"
    "    if hasattr(yaml, name): delattr(yaml, name)\n"
    "yaml.__with_libyaml__ = False\n"
    "from sim.lang import yamlsource\n"
    "assert yamlsource._LOADER is yaml.SafeLoader\n"
    "from sim.cli import main\n"
    "raise SystemExit(main(sys.argv[1:]))\n"
)


def tp_without_libyaml(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", NO_LIBYAML, *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_new_check_and_run_work_without_libyaml(locale: str, tmp_path: Path) -> None:
    assert tp_without_libyaml("new", "my_case", "--locale", locale, cwd=tmp_path).returncode == 0
    checked = tp_without_libyaml("check", "--strict", "--runs", "40", "my_case.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    ran = tp_without_libyaml("run", "my_case.yaml", "--runs", "3", "--json", cwd=tmp_path)
    assert ran.returncode == 0 and '"runs": 3' in ran.stdout, ran.stderr


def test_the_bundled_scenarios_load_without_libyaml(tmp_path: Path) -> None:
    out = tp_without_libyaml("check", "--no-runs", "-q", *bundled.scenario_ids(), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "unportable-yaml" not in out.stdout  # nothing left to quote


def test_the_same_data_with_and_without_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Touchpoint's own reader (YAML 1.2 core types, positions) gives the same data with either parser."""
    from sim.lang import yamlsource

    for locale in ("en", "zh"):
        raw = starter(locale).encode("utf-8")
        monkeypatch.setattr(yamlsource, "_LOADER", yaml.SafeLoader)
        pure = yamlsource.load_yaml(raw)
        monkeypatch.setattr(yamlsource, "_LOADER", getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        fast = yamlsource.load_yaml(raw)
        assert pure.data == fast.data and pure.value_pos == fast.value_pos


# --- the check ----------------------------------------------------------------------------------------

CASES = {
    "question mark in a flow mapping": ("t: {en: Can it talk to the warehouse system?, zh: 能对接吗？}\n", [(1, 9)]),
    "question mark in a flow sequence": ("t: [Why now?, x]\n", [(1, 5)]),
    "question mark mid-text": ("t: {en: what? yes}\n", [(1, 9)]),
    "quoted": ('t: {en: "Can it talk?", zh: \'能对接吗?\'}\n', []),
    "block text": ("t: Can it talk to the warehouse system?\nu:\n  en: Why?\n", []),
    "full-width question mark": ("t: {en: Ready, zh: 准备好了吗？}\n", []),
    "colon without a space": ("t: {en: 10:30, zh: http://x.y}\n", []),
    "folded block text in a flow-free file": ("t: >-\n  Is it? Yes.\n", []),
}


@pytest.mark.parametrize("name", list(CASES))
def test_unportable_texts_are_found_where_readers_disagree(name: str) -> None:
    text, where = CASES[name]
    found = portability.unportable_texts(text)
    assert [(u.line, u.column) for u in found] == where
    # the check flags exactly the files on which the pure-Python reader and libyaml disagree
    try:
        agree = read_pure(text) == read_libyaml(text)
    except yaml.YAMLError:
        agree = False
    assert agree == (not where)
    for u in found:  # and its fix, pasted in place, is read the same by every reader
        line = text.splitlines()[u.line - 1]
        fixed_line = line[: u.column - 1] + u.fix + line[u.column - 1 + len(u.text):]
        fixed = "\n".join([*text.splitlines()[: u.line - 1], fixed_line, *text.splitlines()[u.line:]]) + "\n"
        assert read_pure(fixed) == read_libyaml(fixed) == read_ruamel(fixed)


def test_a_file_that_does_not_scan_gives_no_warning() -> None:
    assert portability.unportable_texts("t: {en: a: b?\n") == []


def _tutorial_copy(tmp_path: Path, quoted: bool) -> Path:
    """A copy of the tutorial with one bilingual title whose English question is unquoted (or quoted)."""
    text = (ROOT / "scenarios" / "tutorial.yaml").read_text(encoding="utf-8")
    question = "{en: Can it talk to the warehouse system?, zh: 能和仓储系统对接吗？}"
    if question not in text:  # the bundled file was fixed: put one back
        text = text.replace('{en: "Can it talk to the warehouse system?", zh: 能和仓储系统对接吗？}', question)
    assert question in text
    if quoted:
        text = text.replace(question, '{en: "Can it talk to the warehouse system?", zh: 能和仓储系统对接吗？}')
    path = tmp_path / "tutorial_copy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_warns_at_the_text_with_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _tutorial_copy(tmp_path, quoted=False)
    line = next(n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if "Can it talk to the warehouse system?," in t)
    assert main(["check", "--no-runs", "-q", str(path)]) == 0  # a warning does not fail the file...
    out = capsys.readouterr().out.splitlines()
    hits = [o for o in out if "(unportable-yaml)" in o]
    assert len(hits) == 1
    assert hits[0].startswith(f"{path}:{line}:21: [warning] accounts[0].touchpoints[")
    assert hits[0].endswith('quote the text: "Can it talk to the warehouse system?" (unportable-yaml)')
    assert main(["check", "--no-runs", "-q", "--strict", str(path)]) == 1  # ...unless --strict
    capsys.readouterr()
    assert main(["check", "--no-runs", "-q", "--locale", "zh", str(path)]) == 0
    assert "请给文本加引号" in capsys.readouterr().out


def test_check_is_quiet_once_the_text_is_quoted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _tutorial_copy(tmp_path, quoted=True)
    main(["check", "--no-runs", "-q", str(path)])
    assert "unportable-yaml" not in capsys.readouterr().out


def test_every_message_has_both_languages() -> None:
    u = portability.Unportable(1, 1, 'Say "why?"', "?")
    assert u.fix == '"Say \\"why?\\""'
    assert yaml.safe_load(f"t: {{en: {u.fix}}}") == {"t": {"en": 'Say "why?"'}}
    en, zh = u.message("en"), u.message("zh")
    assert en != zh and u.fix in en and u.fix in zh
