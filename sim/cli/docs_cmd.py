"""``touchpoint docs [TOPIC] [--open | -o FILE]``: the documentation that ships inside the package.

A pip-installed instructor has no repository, so the starter file and the error messages point here:
``touchpoint docs scenario`` prints the scenario field reference, ``touchpoint docs cli`` the
command-line reference, ``touchpoint docs`` lists every topic (the tutorial, the how-to guides, the
background). The pages are the Markdown files of ``docs/`` (a wheel carries them as
``sim/_bundled/docs``). ``--open`` shows a page in the web browser; ``-o FILE`` writes it (as HTML
when FILE ends in .html or .htm, else as it is).

Exit 0, 2 for an unknown topic or a file that cannot be written, 3 when the installation has no docs.
"""

from __future__ import annotations

import argparse
import difflib
import html
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.cli.common import EXIT_INTERNAL, CliError
from sim.lang.text import pick

__all__ = ["ALIASES", "SAY", "Topic", "add_parser", "docs_dir", "page_html", "run", "topics"]

#: Short names for the pages an author needs most: name -> path under docs/.
ALIASES: dict[str, str] = {
    "scenario": "reference/scenario.md",
    "cli": "reference/cli.md",
    "schema": "reference/scenario.schema.json",
    "tutorial": "tutorial/index.md",
    "tutorial-zh": "tutorial/zh.md",
    "index": "index.md",
}
#: Pages that have a Chinese version, used with --locale zh.
CHINESE: dict[str, str] = {"tutorial": "tutorial-zh"}
#: The order of sections in the listing.
SECTIONS = ("reference", "tutorial", "how-to", "background", "")

SAY: dict[str, tuple[str, str]] = {
    "heading": ("Touchpoint documentation. Show a page with 'touchpoint docs TOPIC' "
                "(--open: in the browser; -o FILE: write it).",
                "Touchpoint 文档。用 'touchpoint docs 主题' 查看一页（--open：在浏览器中打开；-o 文件：写入文件）。"),
    "reference": ("Reference", "参考"),
    "tutorial": ("Tutorial", "教程"),
    "how-to": ("How-to guides", "操作指南"),
    "background": ("Background", "背景"),
    "": ("Overview", "概览"),
    "unknown": ("no topic {topic!r}{hint}: 'touchpoint docs' lists them",
                "没有主题“{topic}”{hint}：运行 'touchpoint docs' 查看全部主题"),
    "did_you_mean": (" (did you mean {names}?)", "（是不是 {names}？）"),
    "missing": ("this installation has no documentation (looked for {where}); reinstall Touchpoint",
                "此安装中没有文档（查找位置：{where}）；请重新安装 Touchpoint"),
    "cannot": ("cannot write {path}: {why}", "无法写入 {path}：{why}"),
    "wrote": ("wrote {path}", "已写入 {path}"),
    "opened": ("opened {path} in the web browser", "已在浏览器中打开 {path}"),
    "no_browser": ("no web browser could be opened; write the page with: touchpoint docs {topic} -o {name}",
                   "无法打开浏览器；可以这样写入文件：touchpoint docs {topic} -o {name}"),
}


def _say(key: str, locale: str, **params: Any) -> str:
    return pick(SAY[key], locale).format(**params)


@dataclass(frozen=True)
class Topic:
    """One page: its name on the command line, its file and its title (the first heading)."""

    name: str
    path: Path
    section: str

    @property
    def title(self) -> str:
        if self.path.suffix == ".json":
            return "JSON Schema of scenario files (for editors; 'touchpoint schema' writes a copy)"
        try:
            with open(self.path, encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith("# "):
                        return line[2:].strip()
        except OSError:
            pass
        return self.name


def docs_dir() -> Path:
    """The folder of the packaged docs (``sim/_bundled/docs`` in a wheel, ``docs/`` in a checkout)."""
    from sim.lang import bundled

    return bundled.data_dir("docs")


def topics(root: Path | None = None) -> dict[str, Topic]:
    """Every page, by topic name: the short names of :data:`ALIASES`, then each other Markdown page by
    its file name without ``.md`` (``localise-a-text``, ``engine-model``, ...)."""
    root = root if root is not None else docs_dir()
    named = {root / rel: name for name, rel in ALIASES.items()}
    found: dict[str, Topic] = {}
    files = sorted(p for p in root.rglob("*") if p.suffix in (".md", ".json") and p.is_file())
    for path in files:
        rel = path.relative_to(root)
        name = named.get(path)
        if name is None:
            if path.suffix != ".md":
                continue
            name = path.stem if path.stem not in found and path.stem not in ALIASES else "-".join(
                (*rel.parent.parts, path.stem))
        section = rel.parts[0] if len(rel.parts) > 1 else ""
        found[name] = Topic(name, path, section)
    order = {s: i for i, s in enumerate(SECTIONS)}
    return dict(sorted(found.items(), key=lambda kv: (order.get(kv[1].section, len(SECTIONS)),
                                                      kv[0] not in ALIASES, kv[0])))


def page_html(topic: Topic, text: str) -> str:
    """A page as a self-contained HTML file a browser shows as it is (the Markdown kept as text)."""
    return ("<!doctype html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(topic.title)} · Touchpoint</title>"
            "<style>body{max-width:60em;margin:2em auto;padding:0 1em;font:15px/1.55 system-ui,sans-serif}"
            "pre{white-space:pre-wrap;font:14px/1.5 ui-monospace,monospace}</style></head>\n"
            f"<body><pre>{html.escape(text)}</pre></body></html>\n")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("docs", help="show the documentation that ships with Touchpoint (field reference, guides)",
                       description="Print a page of the documentation that is installed with Touchpoint: "
                                   "'scenario' (every field of a scenario file), 'cli' (every command), the "
                                   "tutorial and the how-to guides. Without TOPIC, list the topics.")
    p.add_argument("topic", nargs="?", metavar="TOPIC", help="the page to show (default: list the topics)")
    p.add_argument("--open", action="store_true", help="open the page in the web browser instead of printing it")
    p.add_argument("-o", "--out", metavar="FILE", type=Path,
                   help="write the page to FILE (HTML if FILE ends in .html) instead of printing it")
    p.add_argument("--locale", choices=("en", "zh"), default="en",
                   help="language of the listing, and of pages written in both (the tutorial)")
    p.set_defaults(handler=run)


def _find(name: str, found: dict[str, Topic], locale: str) -> Topic:
    key = name.lower().removesuffix(".md")
    if locale == "zh" and key in CHINESE and CHINESE[key] in found:
        key = CHINESE[key]
    if key in found:
        return found[key]
    close = difflib.get_close_matches(key, list(found), n=3, cutoff=0.6)
    hint = _say("did_you_mean", locale, names=", ".join(close)) if close else ""
    raise CliError(_say("unknown", locale, topic=name, hint=hint))


def _listing(found: dict[str, Topic], locale: str) -> str:
    width = max(len(n) for n in found)
    lines = [_say("heading", locale)]
    section = None
    for name, topic in found.items():
        if topic.section != section:
            section = topic.section
            lines += ["", _say(section if section in SAY else "", locale) + pick((":", "："), locale)]
        lines.append(f"  {name:<{width}}  {topic.title}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    try:
        found = topics()
    except FileNotFoundError as err:
        raise CliError(_say("missing", args.locale, where=err), EXIT_INTERNAL) from None
    if args.topic is None:
        return _emit(_listing(found, args.locale), None, args)
    topic = _find(args.topic, found, args.locale)
    try:
        text = topic.path.read_text(encoding="utf-8")
    except OSError as err:
        raise CliError(_say("missing", args.locale, where=f"{topic.path}: {err.strerror or err}"),
                       EXIT_INTERNAL) from None
    return _emit(text, topic, args)


def _emit(text: str, topic: Topic | None, args: argparse.Namespace) -> int:
    if args.out is not None:
        out: Path = args.out
        body = page_html(topic, text) if topic is not None and out.suffix.lower() in (".html", ".htm") else text
        _write(out, body, args.locale)
        print(_say("wrote", args.locale, path=out), file=sys.stderr)
        return 0
    if args.open and topic is not None:
        return _open(topic, text, args.locale)
    sys.stdout.write(text)
    return 0


def _write(path: Path, text: str, locale: str) -> None:
    try:
        path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as err:
        raise CliError(_say("cannot", locale, path=path, why=err.strerror or err)) from None


def _open(topic: Topic, text: str, locale: str) -> int:
    import webbrowser

    folder = Path(tempfile.mkdtemp(prefix="touchpoint-docs-"))
    page = folder / f"{topic.name}.html"
    _write(page, page_html(topic, text), locale)
    if not webbrowser.open(page.as_uri()):
        raise CliError(_say("no_browser", locale, topic=topic.name, name=f"{topic.name}.html"))
    print(_say("opened", locale, path=page), file=sys.stderr)
    return 0
