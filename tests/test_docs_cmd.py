"""``touchpoint docs`` (issue 23, item 6): what the starter file and the messages cite is installed.

A pip-installed instructor has no repository: every page the starter file names must be one that
``touchpoint docs`` shows, from the package itself (the wheel carries them; see test_packaging).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.cli import docs_cmd as D
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "assets" / "templates").glob("*.yaml"))


def test_the_listing_names_the_reference_the_tutorial_and_every_guide(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs"]) == 0
    out = capsys.readouterr().out
    for topic in ("scenario", "cli", "schema", "tutorial", "tutorial-zh", "localise-a-text", "engine-model"):
        assert re.search(rf"^  {re.escape(topic)} +\S", out, re.M), topic
    assert "Scenario file reference" in out and "Command-line reference" in out
    guides = sorted(p.stem for p in (ROOT / "docs" / "how-to").glob("*.md"))
    assert all(re.search(rf"^  {g} ", out, re.M) for g in guides)


@pytest.mark.parametrize(("topic", "path"), [("scenario", "reference/scenario.md"), ("cli", "reference/cli.md"),
                                             ("schema", "reference/scenario.schema.json"),
                                             ("localise-a-text", "how-to/localise-a-text.md"),
                                             ("SCENARIO", "reference/scenario.md"),
                                             ("build-a-pipeline.md", "how-to/build-a-pipeline.md")])
def test_a_topic_prints_its_page(topic: str, path: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", topic]) == 0
    assert capsys.readouterr().out == (ROOT / "docs" / path).read_text(encoding="utf-8")


def test_chinese_asks_for_the_chinese_tutorial(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "tutorial", "--locale", "zh"]) == 0
    assert capsys.readouterr().out == (ROOT / "docs" / "tutorial" / "zh.md").read_text(encoding="utf-8")
    assert main(["docs", "--locale", "zh"]) == 0
    assert "操作指南：" in capsys.readouterr().out


def test_an_unknown_topic_is_one_line_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "scenaro"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no topic 'scenaro'" in err and "did you mean scenario" in err


@pytest.mark.parametrize("flag", ["-o", "--out"])
def test_out_writes_the_page_or_an_html_page(flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md, page = tmp_path / "scenario.md", tmp_path / "scenario.html"
    assert main(["docs", "scenario", flag, str(md)]) == 0
    assert md.read_text(encoding="utf-8") == (ROOT / "docs" / "reference" / "scenario.md").read_text(encoding="utf-8")
    assert main(["docs", "scenario", flag, str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "<title>Scenario file reference · Touchpoint</title>" in text
    assert capsys.readouterr().out == ""
    assert main(["docs", "cli", "-o", str(tmp_path / "missing" / "x.md")]) == 2


def test_open_shows_the_page_in_the_browser(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    assert main(["docs", "scenario", "--open"]) == 0
    assert len(opened) == 1 and opened[0].startswith("file://") and opened[0].endswith("/scenario.html")
    page = Path(opened[0].removeprefix("file://"))
    assert "Scenario file reference" in page.read_text(encoding="utf-8")
    assert capsys.readouterr().out == ""
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    assert main(["docs", "scenario", "--open"]) == 2
    assert "touchpoint docs scenario -o scenario.html" in capsys.readouterr().err


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_the_starter_cites_only_pages_that_are_installed(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert "docs/" not in text, "the starter names a repository path a pip install does not have"
    cited = re.findall(r"touchpoint docs ([a-z][a-z0-9-]*)", text)
    assert "scenario" in cited
    found = D.topics()
    assert all(c in found for c in cited), cited


def test_an_installed_package_finds_its_docs(tmp_path: Path) -> None:
    """The docs folder of a wheel (sim/_bundled/docs) is found the same way."""
    root = tmp_path / "docs"
    (root / "reference").mkdir(parents=True)
    (root / "how-to").mkdir()
    (root / "reference" / "scenario.md").write_text("# Scenario file reference\n", encoding="utf-8")
    (root / "how-to" / "play.md").write_text("# Play\n", encoding="utf-8")
    found = D.topics(root)
    assert list(found) == ["scenario", "play"]
    assert found["scenario"].title == "Scenario file reference" and found["play"].section == "how-to"
