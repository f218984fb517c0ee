"""YAML that every parser reads the same: unquoted texts inside ``{...}`` and ``[...]`` that they do not.

A scenario file is read by Touchpoint (libyaml through PyYAML, or PyYAML's pure-Python parser where
PyYAML was built without libyaml), by editors (yaml-language-server, which uses the npm ``yaml``
package) and by whatever tool an instructor points at it (ruamel.yaml, yamllint, ...). They agree on
almost everything. The exception that a real scenario runs into is a question mark in an unquoted
text inside a flow collection, the short ``{en: ..., zh: ...}`` form of a bilingual text:

.. code-block:: yaml

    title: {en: Can it talk to the warehouse system?, zh: 能和仓库系统对接吗？}

libyaml, ruamel.yaml and the npm ``yaml`` package read ``Can it talk to the warehouse system?``;
PyYAML's pure-Python parser stops at the ``?`` (``expected ',' or '}', but got '?'``), so the file
does not load at all there. Quoting the text settles it for every parser:
``{en: "Can it talk to the warehouse system?", zh: ...}``.

The other signs that trouble unquoted texts are not a disagreement: a ``: `` (colon and space) or
a `` #`` (space and hash) ends an unquoted text inside ``{...}`` for every parser, so the file fails
to load everywhere, with an error that the loader reports. A full-width ``？`` (Chinese text) is an
ordinary character for all of them.

:func:`unportable_texts` reads the file's events and returns one :class:`Unportable` per such text,
located 1-based like every problem ``touchpoint check`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from sim.lang.text import pick

__all__ = ["CODE", "MESSAGE", "SIGNS", "Unportable", "unportable_texts"]

#: The check's name, printed in parentheses after the message as ``touchpoint check`` does.
CODE = "unportable-yaml"
#: Characters that make an unquoted text inside ``{...}`` or ``[...]`` read differently by parsers.
SIGNS = ("?",)

MESSAGE = (
    "the unquoted text {text!r} contains '{sign}' inside {{...}} or [...], which YAML parsers read "
    "differently (PyYAML without libyaml cannot read the file at all): quote the text: {fix}",
    "{{...}} 或 [...] 中未加引号的文本 {text!r} 含有“{sign}”，不同的 YAML 解析器读法不一"
    "（没有 libyaml 的 PyYAML 根本无法读取此文件）：请给文本加引号：{fix}",
)


@dataclass(frozen=True)
class Unportable:
    """An unquoted text inside a flow collection that parsers disagree on."""

    line: int  # 1-based, where the text starts
    column: int  # 1-based
    text: str  # the text as libyaml reads it
    sign: str  # the character at fault

    @property
    def fix(self) -> str:
        """The text quoted, ready to paste in its place (YAML double quotes, escapes kept)."""
        return '"' + self.text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def message(self, locale: str = "en") -> str:
        return pick(MESSAGE, locale).format(text=self.text, sign=self.sign, fix=self.fix)


def _loader() -> type:
    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def unportable_texts(text: str) -> list[Unportable]:
    """Every unquoted text inside ``{...}`` or ``[...]`` of ``text`` (a whole YAML file) that contains
    a sign of :data:`SIGNS`, in file order. A file that does not scan gives none: the loader reports it."""
    found: list[Unportable] = []
    if not any(sign in text for sign in SIGNS):
        return found  # nothing to find: spare reading a big file's events again
    flow: list[bool] = []  # for each open collection: is it written in flow style ({...} or [...])?
    try:
        for event in yaml.parse(text, Loader=_loader()):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                flow.append(bool(event.flow_style) or (bool(flow) and flow[-1]))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                flow.pop()
            elif isinstance(event, yaml.ScalarEvent) and flow and flow[-1] and not event.style:  # plain
                sign = next((s for s in SIGNS if s in event.value), None)
                mark = event.start_mark
                if sign is not None and mark is not None:
                    found.append(Unportable(mark.line + 1, mark.column + 1, event.value, sign))
    except yaml.YAMLError:
        return []
    return found
