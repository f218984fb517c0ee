"""The generated reference docs are up to date, complete, and every link in docs/ leads somewhere."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from sim.lang import jsonschema as J

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REFRESH = f"run '{J.REFRESH_COMMAND}' to refresh it"


def gen_docs() -> ModuleType:
    """docs/gen_docs.py, the generator (a script, not a package module)."""
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "docs" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_docs", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated() -> dict[Path, str]:
    return gen_docs().generated(ROOT)


@pytest.mark.parametrize("rel", [J.SCHEMA_PATH, J.REFERENCE_PATH, "docs/reference/cli.md"])
def test_committed_reference_is_up_to_date(rel: str, generated: dict[Path, str]) -> None:
    path = ROOT / rel
    assert path.is_file(), f"{rel} is missing: {REFRESH}"
    assert path.read_text(encoding="utf-8") == generated[path], f"{rel} is out of date: {REFRESH}"


def test_field_reference_covers_every_field() -> None:
    text = (ROOT / J.REFERENCE_PATH).read_text(encoding="utf-8")
    for name, model in J.models().items():
        assert f"\n## {name}\n" in text, name
        section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for fname, field in model.model_fields.items():
            assert f"| `{field.alias or fname}` |" in section, f"{name}.{fname} is not in the reference"


def test_cli_reference_has_a_section_for_every_command() -> None:
    text = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    for name, (_, parser) in gen_docs().subcommands().items():
        assert f"<!-- BEGIN generated: {name} -->" in text, f"no section for 'touchpoint {name}': {REFRESH}"
        block = text.split(f"<!-- BEGIN generated: {name} -->", 1)[1].split("<!-- END generated -->", 1)[0]
        for action in parser._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert f"`{flag}" in block, f"touchpoint {name} {flag} is not documented"


def test_stale_file_is_detected(tmp_path: Path) -> None:
    """The control for the staleness test: a changed copy is reported, a fresh one is not."""
    tool = gen_docs()
    for path, text in tool.generated(ROOT).items():
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    assert tool.stale(tmp_path) == []
    ref = tmp_path / J.REFERENCE_PATH
    ref.write_text(ref.read_text(encoding="utf-8").replace("| `influence` |", "| `influense` |"), encoding="utf-8")
    assert tool.stale(tmp_path) == [ref]


# --- links -------------------------------------------------------------------------------------------

LINK_RE = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_~]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {slug(m[1]) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def doc_pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "dev" not in p.relative_to(DOCS).parts)


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_links_lead_somewhere(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    for m in LINK_RE.finditer(text):
        target = m["target"]
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        assert dest.exists(), f"{page.relative_to(ROOT)}: link to missing {target}"
        if anchor and dest.suffix == ".md":
            assert anchor in anchors(dest), f"{page.relative_to(ROOT)}: no heading for #{anchor} in {dest.name}"


def test_the_condition_docs_name_everything_a_condition_can_read():
    """Every number and function the engine lets a condition name (for an account with a deal) is in
    the Condition's description, its table in the reference, and the generated scenario.md."""
    from conftest import load_text

    from sim.engine.rules import symbols_for
    from sim.lang import schema

    scenario = load_text((ROOT / "tests" / "data" / "broken" / "impossible_deal_condition.yaml").read_text("utf-8"))
    account = scenario.spec.accounts[0]
    symbols = symbols_for(account)
    flags = {f.id for f in account.flags}
    numbers = sorted(n for n in symbols.names if n not in flags)
    functions = sorted(symbols.functions)
    assert {"price", "walk_away", "discount"} <= set(numbers) and "agreed" in functions
    description = schema.Condition.__metadata__[-1].description
    table = J.ALIAS_NOTES["Condition"]
    reference = (DOCS / "reference" / "scenario.md").read_text("utf-8")
    for name in numbers:
        assert re.search(rf"\b{name}\b", description), name
        assert f"`{name}`" in table, name
    for func in functions:
        assert f"{func}(id)" in description, func
        assert re.search(rf"`{func}\(\w+\)`", table), func
        assert re.search(rf"`{func}\(\w+\)`", reference) and f"{func}(id)" in reference, func
