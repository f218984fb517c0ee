"""The examples in docs/ are run, so the docs cannot teach something the program rejects.

Conventions for writing docs pages (an HTML comment on the line before a fenced block, invisible
when the page is rendered):

* ```` ```sh ```` blocks: each ``touchpoint ...`` line is run in order, in one scratch folder per
  page, and must exit 0. Cheap commands (:data:`RUN`) really run; the others (``play``, which
  opens a window, ``balance``...) are only parsed, so their flags must exist.
* ```` ```yaml ```` blocks must say how they are checked:
  - a whole scenario (it has ``version:``) is loaded and must pass;
  - ``<!-- check: fields of Scenario, into FILE at top -->``: some fields of a model, each
    validated against its type and set in the mapping at PATH (``top``: the file itself);
  - ``<!-- check: Stakeholder -->``: validated against that model of sim.lang.schema (one mapping, or a
    list of them);
  - ``<!-- check: Action, into FILE at PATH -->``: also put into the page's scenario FILE (made by
    an earlier ``touchpoint new``) at PATH, e.g. ``accounts[0].touchpoints[3].actions[1]``:
    appended when PATH is a list, else replacing what is there; the whole file must then load,
    and later commands see the change;
    A fragment may be shown under its key (``events:`` then the list) when PATH ends with that key;
  - ``..., fails: MESSAGE``: the change must be rejected with MESSAGE (the file is left as it was);
  - ``<!-- file: NAME -->``: written to NAME in the scratch folder (a policy file, say).
* ```` ```text ```` blocks after ``<!-- output -->`` show what the previous ``sh`` block prints:
  each line (except ``...``) must be a line of its output.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.cli import OPTIONAL_COMMANDS, build_parser, main
from sim.engine.loader import ScenarioError, load_bytes
from sim.lang import schema as S
from sim.lang.yamlsource import load_yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: Commands cheap enough to run for real; the rest are parsed only.
RUN = {"new", "check", "run", "schema", "scenarios", "balance"}

FENCE_RE = re.compile(r"^(?P<indent> {0,3})```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
NOTE_RE = re.compile(r"<!--\s*(?P<note>(?:check|file|output)\b.*?)\s*-->\s*$")


@dataclass
class Block:
    lang: str
    body: str
    line: int
    note: str  # the annotation just above the fence, or ""


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "dev" not in p.relative_to(DOCS).parts)


def blocks(text: str) -> list[Block]:
    out = []
    for m in FENCE_RE.finditer(text):
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        note = NOTE_RE.search(before)
        out.append(Block(m["lang"].lower(), m["body"], text.count("\n", 0, m.start()) + 1,
                         note["note"] if note else ""))
    return out


# --- running a page ----------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, out.getvalue() + err.getvalue()


def registered() -> set[str]:
    return set(build_parser().subcommands)


_PATH_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_path(text: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in _PATH_RE.findall(text):
        parts.append(int(index) if index else name)
    assert parts, f"empty path {text!r}"
    return parts


def merge(data: Any, path: list[str | int], fragment: Any) -> Any:
    """Put a fragment into scenario data: append to a list, else replace (or add) what is at ``path``."""
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if isinstance(parent, list):  # replace one element by a one-item fragment
        assert isinstance(last, int) and last < len(parent), f"no element {last}"
        parent[last] = fragment[0] if isinstance(fragment, list) and len(fragment) == 1 else fragment
    elif isinstance(parent.get(last), list):
        parent[last].extend(fragment if isinstance(fragment, list) else [fragment])
    else:
        parent[last] = fragment
    return data


def dump(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000).encode("utf-8")


def validate(model: Any, item: Any, partial: bool, where: str) -> None:
    """Validate a fragment against a model, or (partial) only the fields it has, by the same rules."""
    if partial:
        from pydantic import create_model

        assert isinstance(item, dict), f"{where}: 'fields of' needs a mapping"
        fields = {name: (f.annotation, f) for name, f in model.model_fields.items() if (f.alias or name) in item}
        model = create_model(f"Some{model.__name__}", __base__=S.Model, **fields)  # unknown keys still fail
    model.model_validate(item)


def check_yaml(block: Block, work: Path, where: str) -> None:
    text = textwrap.dedent(block.body)
    note = block.note
    if note.startswith("file:"):
        name = note.split(":", 1)[1].strip()
        (work / name).write_text(text, encoding="utf-8")
        data = load_yaml(text.encode("utf-8")).data
        if isinstance(data, dict) and "version" in data:
            load_bytes(text.encode("utf-8"), name)
        elif isinstance(data, dict) and "choices" in data:
            from sim.runs.policies import load_policy_file

            load_policy_file(work / name, 0)
        return
    data = load_yaml(text.encode("utf-8")).data
    if not note:
        assert isinstance(data, dict) and "version" in data, (
            f"{where}: a YAML fragment needs a '<!-- check: Model -->' line above it (see this test's docstring)")
        load_bytes(text.encode("utf-8"), where)
        return
    assert note.startswith("check:"), f"{where}: unknown annotation {note!r}"
    spec = note.split(":", 1)[1].strip()
    if spec == "scenario":
        load_bytes(text.encode("utf-8"), where)
        return
    m = re.fullmatch(r"(?P<partial>fields of\s+)?(?P<model>\w+)"
                     r"(?:,\s*into\s+(?P<file>\S+)\s+at\s+(?P<path>[^,]+?))?(?:,\s*fails:\s*(?P<fails>.+))?", spec)
    assert m, f"{where}: cannot read annotation {note!r}"
    model = getattr(S, m["model"], None)
    assert isinstance(model, type) and hasattr(model, "model_validate"), f"{where}: no model {m['model']}"
    path = parse_path(m["path"]) if m["file"] and m["path"].strip() != "top" else []
    if path and isinstance(data, dict) and list(data) == [path[-1]]:
        data = data[path[-1]]  # shown with its key (``events:``) for the reader
    items = data if isinstance(data, list) else [data]
    if not m["fails"]:
        for item in items:
            validate(model, item, partial=bool(m["partial"]), where=where)
    if not m["file"]:
        return
    target = work / m["file"]
    assert target.is_file(), f"{where}: {m['file']} does not exist yet (create it with an earlier command)"
    base = load_yaml(target.read_bytes()).data
    if m["partial"]:
        node = base
        for part in path:
            node = node[part]
        node.update(data)
        merged = dump(base)
    else:
        merged = dump(merge(base, path, data))
    if m["fails"]:
        with pytest.raises(ScenarioError) as err:
            load_bytes(merged, m["file"])
        expected = m["fails"].strip()
        assert any(expected in line for line in err.value.lines()), (
            f"{where}: expected the error {expected!r}, got {err.value.lines()}")
        return
    try:
        load_bytes(merged, m["file"])
    except ScenarioError as err:
        raise AssertionError(f"{where}: after this change {m['file']} does not load: {err.lines()}") from None
    target.write_bytes(merged)


def run_commands(block: Block, work: Path, where: str, known: set[str]) -> str | None:
    """Run (or parse) the touchpoint lines of a shell block; their output, or None if any was only parsed."""
    outputs: list[str] = []
    all_ran = True
    for raw in block.body.splitlines():
        line = raw.strip().removeprefix("$ ").strip()
        if not line.startswith("touchpoint "):
            continue
        argv = shlex.split(line)[1:]
        command = argv[0]
        if command not in known:
            assert command in OPTIONAL_COMMANDS, f"{where}: 'touchpoint {command}' is not a command"
            all_ran = False  # documented ahead of its module landing
            continue
        if command in RUN:
            code, out = run_cli(argv)
            assert code == 0, f"{where}: '{line}' exited {code}:\n{out}"
            outputs.append(out)
        else:
            try:
                build_parser().parse_args(argv)
            except SystemExit as exc:
                raise AssertionError(f"{where}: '{line}' does not parse (exit {exc.code})") from None
            all_ran = False
    return "".join(outputs) if all_ran else None


def check_output(block: Block, previous: str | None, where: str) -> None:
    assert previous is not None, f"{where}: output shown for a command this test cannot run"
    lines = {ln.rstrip() for ln in previous.splitlines()}
    for expected in block.body.splitlines():
        if expected.strip() in ("", "..."):
            continue
        assert expected.rstrip() in lines, (
            f"{where}: the docs show\n  {expected.rstrip()}\nbut the command printed:\n{previous}")


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_page_examples(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    known = registered()
    last_output: str | None = None
    rel = page.relative_to(ROOT).as_posix()
    for block in blocks(page.read_text(encoding="utf-8")):
        where = f"{rel}:{block.line}"
        if block.lang in ("sh", "shell", "bash", "console"):
            last_output = run_commands(block, tmp_path, where, known)
        elif block.lang in ("yaml", "yml"):
            check_yaml(block, tmp_path, where)
        elif block.note.startswith("output"):
            check_output(block, last_output, where)


def test_pages_have_examples_checked() -> None:
    """The harness finds the blocks it should (a broken fence pattern would silently check nothing)."""
    tutorial = (DOCS / "tutorial" / "index.md").read_text(encoding="utf-8")
    found = blocks(tutorial)
    assert {b.lang for b in found} >= {"sh", "yaml", "text"}
    assert any(b.note.startswith("check:") and "into" in b.note for b in found)
    assert any(b.note == "output" for b in found)


def test_merge_appends_to_lists_and_replaces_elsewhere() -> None:
    data: dict[str, Any] = {"a": [{"id": 1}], "b": {"c": 1}}
    merge(data, ["a"], {"id": 2})
    merge(data, ["a", 0], [{"id": 0}])
    merge(data, ["b", "c"], 5)
    merge(data, ["b", "d"], [{"id": 3}])
    assert data == {"a": [{"id": 0}, {"id": 2}], "b": {"c": 5, "d": [{"id": 3}]}}


def test_readme_python_examples_run() -> None:
    """The README's library example is real code: it runs, and its run is scored."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = [b for b in blocks(readme) if b.lang == "python"]
    assert examples, "the README shows the engine as a library"
    for block in examples:
        namespace: dict[str, Any] = {}
        exec(compile(block.body, f"README.md:{block.line}", "exec"), namespace)
        assert 0 <= namespace["card"].score <= 100 and namespace["decisions"]


def test_every_screenshot_is_shown_somewhere() -> None:
    """A picture under docs/screenshots that no page shows is stale weight in the repository."""
    pages = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    text = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    unshown = [p.name for p in sorted((ROOT / "docs" / "screenshots").glob("*.png")) if p.name not in text]
    assert unshown == []


# --- issue 23: the quoting rule is in a guide, and what the guide quotes is what check says -----------------

GUIDE = DOCS / "how-to" / "localise-a-text.md"
_QUOTED_EXAMPLE = re.compile(r'`\{en: "(?P<text>[^"`]+)", zh: [^`]+\}`')


def _reads(text: str, loader: Any) -> Any:
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError:
        return "cannot read"


def test_the_localisation_guide_teaches_when_to_quote_and_why() -> None:
    """Each row of the guide's quoting table: the quoted example reads as the text it shows, and the
    same text unquoted is read otherwise (or not at all) by libyaml or PyYAML's own parser. Both
    tutorials send the reader there."""
    text = GUIDE.read_text(encoding="utf-8")
    assert "### When to quote a text" in text, "the quoting rule is in no guide"
    section = text.split("### When to quote a text", 1)[1].split("\n### ", 1)[0]
    examples = [m["text"] for m in _QUOTED_EXAMPLE.finditer(section)]
    assert len(examples) >= 5, examples
    signs = {"?": False, ",": False, ": ": False, " #": False, "[": False}
    loaders = [yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)]
    for example in examples:
        assert all(_reads(f't: {{en: "{example}", zh: x}}\n', ld) == {"t": {"en": example, "zh": "x"}}
                   for ld in loaders), example
        unquoted = f"t: {{en: {example}, zh: x}}\n"
        assert any(_reads(unquoted, ld) != {"t": {"en": example, "zh": "x"}} for ld in loaders), example
        for sign in signs:
            signs[sign] = signs[sign] or sign in example
    assert all(signs.values()), signs  # every sign the rule names has its example
    assert "### Never quote a number" in text
    for tutorial in ("index.md", "zh.md"):
        assert "localise-a-text.md#when-to-quote-a-text" in (DOCS / "tutorial" / tutorial).read_text(encoding="utf-8")


def test_the_messages_the_localisation_guide_quotes_are_what_check_says(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import minimal_yaml

    from sim.cli.new_cmd import render
    from sim.engine.loader import inspect_bytes

    text = GUIDE.read_text(encoding="utf-8")
    flat = " ".join(text.split())
    # the comma that splits a text, as the guide words it
    (p,) = inspect_bytes(minimal_yaml({"title: Mini": "title: {en: Yes, sir, zh: 是}"}).encode(), "x.yaml").problems
    assert f"`{p.path}: {p.message}`" in flat
    # a quoted number in the starter, in English and in Chinese, with the file's own line and column
    monkeypatch.chdir(tmp_path)
    starter = render("my_case", "en", "my_case.yaml", "scenario.schema.json")
    assert "        influence: 0.5\n" in starter
    Path("my_case.yaml").write_text(starter.replace("        influence: 0.5\n", '        influence: "35%"\n', 1),
                                    encoding="utf-8")
    shown = [line for line in text.splitlines() if line.startswith("my_case.yaml:") and ".influence: " in line]
    assert len(shown) == 2
    for line, locale in zip(shown, ("en", "zh"), strict=True):
        code, out = run_cli(["check", "my_case.yaml", "--locale", locale])
        assert code == 1 and line in out.splitlines(), (line, out)
