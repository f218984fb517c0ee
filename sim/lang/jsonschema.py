"""The scenario format as a JSON Schema (for editors) and as a field reference (for people).

Both are *generated* from the pydantic models in :mod:`sim.lang.schema`, the same models that validate
scenarios, so the editor, the docs and ``touchpoint check`` cannot disagree about what a field is.
pydantic's own ``model_json_schema()`` is the starting point; this module post-processes it for
editors that use yaml-language-server (draft 2020-12):

* ``$schema``, ``$id``, a title and a description at the top;
* the shared value types (text, condition, id, amount, language code) become named ``$defs``;
* a description on every field and definition (see :data:`FALLBACK_DESCRIPTIONS` for fields the
  models leave without one), ids explained by what refers to them, and an explanation of every
  allowed value (``enumDescriptions``, shown by editors while completing);
* text given per language only accepts language codes as keys, as the loader does;
* defaults made by factories (grade bands, renewal curve, traits) are written out, and
  ``defaultSnippets`` give editors a ready-made stakeholder, touchpoint, action, event and flag.

``enumDescriptions``, ``patternErrorMessage`` and ``defaultSnippets`` (:data:`EDITOR_KEYWORDS`) are
yaml-language-server's own keywords. Lenient validators (check-jsonschema, Python's jsonschema)
ignore them; a strict one (ajv in its default strict mode) rejects a schema with keywords it does not
know. ``scenario_schema(strict=True)`` (``touchpoint schema --strict``) leaves them out, and is
otherwise the same schema: it accepts and rejects exactly the same files. Alternatively, declare them
to the validator (ajv: ``ajv.addVocabulary(["enumDescriptions", "patternErrorMessage", "defaultSnippets"])``).

What a JSON Schema cannot say (a reference to an unknown stakeholder, a condition's grammar,
weights that must add up to 1) is still checked by ``touchpoint check``.
"""

from __future__ import annotations

import copy
import json
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, TypeAdapter

from sim.lang import schema as S

__all__ = [
    "ALIASES",
    "ALIAS_DESCRIPTIONS",
    "ALIAS_NOTES",
    "ALIAS_WORDS",
    "DRAFT",
    "EDITOR_KEYWORDS",
    "ENUM_DESCRIPTIONS",
    "FALLBACK_DESCRIPTIONS",
    "ID_USES",
    "PATTERN_MESSAGES",
    "REFERENCE_PATH",
    "REFRESH_COMMAND",
    "SCHEMA_ID",
    "SCHEMA_PATH",
    "SNIPPETS",
    "STRICT_COMMENT",
    "docstring",
    "missing_descriptions",
    "models",
    "reference_markdown",
    "scenario_schema",
    "schema_text",
    "type_words",
]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Keywords of yaml-language-server (editor help), not of JSON Schema: left out by ``strict=True``.
EDITOR_KEYWORDS = ("enumDescriptions", "patternErrorMessage", "defaultSnippets")
#: Said in the editor schema's ``$comment``: where the strict variant comes from.
STRICT_COMMENT = ("enumDescriptions, patternErrorMessage and defaultSnippets are editor keywords of "
                  "yaml-language-server; 'touchpoint schema --strict' writes this schema without them, "
                  "for strict validators such as ajv.")
#: The schema's identifier. Nothing is fetched from it: editors read the local copy named in a
#: scenario's first line. Change it here if the schema is ever published at a real address.
SCHEMA_ID = f"https://touchpoint.example/schema/v{S.FORMAT_VERSION}/scenario.schema.json"
#: Where the generated copy lives in the repository (relative to its top).
SCHEMA_PATH = "docs/reference/scenario.schema.json"
REFERENCE_PATH = "docs/reference/scenario.md"
#: The command that rewrites every generated reference file.
REFRESH_COMMAND = "python docs/gen_docs.py"

#: Shared value types that become named definitions, in the order they are listed.
ALIASES: dict[str, Any] = {
    "Text": S.Text,
    "Condition": S.Condition,
    "Id": S.Id,
    "Amount": S.Amount,
    "LocaleCode": S.LocaleCode,
}
ALIAS_DESCRIPTIONS = {
    "LocaleCode": "A language code such as en, zh or zh-TW.",
}
#: What editors say when a value does not match a pattern (instead of printing the regex).
PATTERN_MESSAGES = {
    "Id": "Not a valid id: use lower-case letters, digits and _, starting with a letter (e.g. first_meeting).",
    "LocaleCode": "Not a language code such as en, zh or zh-TW.",
}
#: How each shared type is named in the field reference (singular, plural).
ALIAS_WORDS = {"Text": ("text", "texts"), "Condition": ("condition", "conditions"), "Id": ("id", "ids"),
               "Amount": ("amount", "amounts"), "LocaleCode": ("language code", "language codes")}
#: More about each shared type in the field reference than fits on one hover.
ALIAS_NOTES: dict[str, str] = {
    "Text": """\
Written either way, as in this persona:

<!-- check: Persona -->
```yaml
company: Riverside Foods
industry: {en: Food distribution, zh: 食品配送}
size: "One warehouse: 300 restaurant customers"
```

A player sees their language if it is there, else English, else the first one given. Quote text
that contains a colon followed by a space, or that starts with a sign such as `[`, `{`, `#`, `&` or `*`.""",
    "Condition": """\
| you write | it means |
|---|---|
| `pain_acknowledged` | the flag `pain_acknowledged` has been set (flags are declared under `flags:`) |
| `info`, `fit`, `competitor` | the account's information, solution fit and competitor strength (0-100) |
| `consensus` | the buying center's trust, weighted by influence, over the people present (0-100) |
| `satisfaction` | the buying center's satisfaction, weighted the same way (0-100) |
| `day`, `days_left` | days since the start; days until the deadline (`patience_days`) |
| `trust(cfo)`, `satisfaction(cfo)` | one stakeholder's trust or satisfaction (by id) |
| `present(cfo)` | the stakeholder is in the buying center now |
| `price` | the price on the table now: the list price at first, between the floor and the list price |
| `walk_away` | the most the buyer will pay, less what the agreed terms are worth to them (hidden) |
| `discount` | the price's cut from the list price in percent: `100 * (list_price - price) / list_price` |
| `known(cfo)`, `known(budget)` | the seller knows this stakeholder or fact (known from the start, or revealed since) |
| `chose(give_discount)` | this action (by id, at any touchpoint) has been chosen earlier in the run |
| `visits(discovery)` | how many times this touchpoint has been visited, the current visit included |
| `agreed(two_year)` | this deal term (by id, under `deal: terms:`) has been agreed |
| `<`, `<=`, `>`, `>=`, `==`, `!=` | comparisons (one per comparison: `40 <= info <= 60` is not allowed) |
| `and`, `or`, `not`, `( )` | combine conditions: `champion and (info >= 40 or trust(cfo) > 60)` |
| `+`, `-`, `true`, `false`, numbers | arithmetic and constants: `trust(cfo) - trust(cto) < 20` |

`price`, `walk_away` and `discount` read the account's `deal:` (without one, `price` and `walk_away` are 0
and `discount` is not defined).

`touchpoint check` reports a mistake with the line and column of the character at fault.""",
    "Id": """\
Ids connect the parts of a scenario: a touchpoint names its stakeholders by id (`with: [cfo]`), an
effect changes one (`who: cfo`), a gate tests a flag (`gate: champion`). Within an account, each
stakeholder, flag, touchpoint and event id must be unique, and so must each action id within a touchpoint.""",
    "Amount": """\
A fixed number, or a random one drawn from the run's seeded generator each time the effect applies:
`{normal: [mean, spread]}`, `{uniform: [low, high]}` or `{triangular: [low, most likely, high]}`
(see [Distribution](#distribution)). The same seed and the same choices give the same numbers.""",
    "LocaleCode": "Two or three lower-case letters, optionally a region or script: `en`, `zh`, `zh-TW`.",
}

#: Descriptions for fields that sim.lang.schema leaves without one (to be moved into the models):
#: (model, field) -> description. Fields that hold a model also borrow that model's docstring.
FALLBACK_DESCRIPTIONS: dict[tuple[str, str], str] = {
    ("GradeBand", "grade"): "The grade shown for this band, e.g. A.",
    ("GradeBand", "min"): "The lowest composite score (0-100) that earns this grade.",
}

#: What refers to the ``id`` of each kind of thing: said on hover, because ids are how parts connect.
ID_USES: dict[str, str] = {
    "Scenario": "The scenario's id, used by logs and gradebooks (a bundled scenario's file is named after it).",
    "Account": "The account's id, used in logs, reports and policy files.",
    "Stakeholder": "The person's id, used in a touchpoint's with:, an effect's who:, leave: and join:, "
                   "and in conditions as trust(id), satisfaction(id) and present(id).",
    "Flag": "The flag's name, used in conditions (e.g. gate: champion) and in an effect's set: and clear:.",
    "Touchpoint": "The touchpoint's id, used in logs and policy files.",
    "Action": "The action's id, used in logs and policy files.",
    "ScriptedEvent": "The event's id, used in logs.",
    "Fact": "The fact's id, used in an effect's reveal: and in conditions as known(id).",
    "Term": "The term's id, used in an effect's terms: and in conditions as agreed(id).",
}

#: Explanations of allowed values, keyed by the set of values they explain.
ENUM_DESCRIPTIONS: dict[str, str] = {
    # stages of the roadmap
    "need_identification": "需求识别: find the customer's latent needs and pain points.",
    "information_gathering": "信息收集: give the buyer the information needed to decide; learn who decides.",
    "solution_design": "方案制定: a solution tailored to this customer's needs.",
    "negotiation": "谈判成交: agree price and terms and win the deal (its gate is the close).",
    "after_sales": "售后跟进: keep the relationship; make sure the customer is satisfied.",
    # roles in the buying center
    "economic_buyer": "Releases the money or vetoes; cares about return and risk. Can veto by default.",
    "technical_buyer": "Screens against specifications: can say no, cannot say yes. Can veto by default.",
    "user": "Judges the effect on daily work.",
    "champion": "An insider who wants the seller to win and gives information.",
    "gatekeeper": "Controls access and information (procurement, assistants).",
    "influencer": "Shapes the buying criteria without deciding.",
    # Miller Heiman response modes
    "growth": "Sees a chance to do better: open to change.",
    "trouble": "Something is going wrong: wants it fixed now.",
    "even_keel": "Content with how things are: little urge to change.",
    "overconfident": "Believes all is well, even when it is not: hard to move.",
    # why a deal is lost
    "patience": "No decision by the deadline: the status quo wins.",
    "competitor": "The buyer signed with the competitor.",
    "veto": "Someone who can veto blocked the close.",
    "stalled": "A stage's gate was never met.",
    "disqualified": "The seller walked away, or the buyer ruled the seller out.",
    "cancelled": "The buyer cancelled the project.",
    "price": "At the close the price, less what the agreed terms are worth to the buyer, was above its walk-away.",
    # difficulty
    "intro": "A first game: few decisions, forgiving.",
    "easy": "For trainees who know the roadmap.",
    "medium": "Real trade-offs; some mistakes are costly.",
    "hard": "Demanding: several people, tight time, a strong competitor.",
    # when a scripted event's day is counted from
    "start": "Days after the start of the run, while the deal is open.",
    "close": "Days after the close (after the sale), if the deal was won.",
    # persona traits (for an effect's scale)
    **{name: f"{field.description} (0-1)" for name, field in S.Traits.model_fields.items()},
}

#: Ready-made list entries offered by editors (yaml-language-server ``defaultSnippets``).
SNIPPETS: dict[str, dict[str, Any]] = {
    "Stakeholder": {
        "label": "New stakeholder",
        "description": "A member of the buying center, with every field to fill in.",
        "body": {"id": "${1:cfo}", "name": "${2:Full name}", "title": "${3:Chief Financial Officer}",
                 "role": "${4|economic_buyer,technical_buyer,user,champion,gatekeeper,influencer|}",
                 "influence": 0.3, "trust": 50, "satisfaction": 50, "cares_about": ["${5:What matters to them}"]},
    },
    "Flag": {
        "label": "New flag",
        "description": "A milestone conditions can test.",
        "body": {"id": "${1:champion}", "label": "${2:What the trainee sees when it is reached}"},
    },
    "Touchpoint": {
        "label": "New touchpoint",
        "description": "A meeting where the trainee chooses an action.",
        "body": {"id": "${1:discovery_call}",
                 "stage": "${2|need_identification,information_gathering,solution_design,negotiation,after_sales|}",
                 "title": "${3:Short title}", "situation": "${4:What the trainee sees}", "with": ["${5:someone}"],
                 "actions": [{"id": "${6:good_move}", "label": "${7:What the seller does}", "days": 2,
                              "recommended": True, "effects": [{"who": "${5:someone}", "trust": 8}],
                              "feedback": "${8:Why this works}"}]},
    },
    "Action": {
        "label": "New action",
        "description": "One choice at a touchpoint.",
        "body": {"id": "${1:action_id}", "label": "${2:What the seller does}", "days": 2,
                 "effects": [{"who": "${3:all}", "trust": 5}], "reaction": "${4:How the buyer reacts}",
                 "feedback": "${5:The coach's comment}"},
    },
    "ScriptedEvent": {
        "label": "New scripted event",
        "description": "Something that happens on the buyer's clock.",
        "body": {"id": "${1:budget_freeze}", "day": 20, "chance": 0.5,
                 "text": "${2:What the trainee reads in the event feed}", "effects": [{"patience": -7}]},
    },
}


# --- helpers ----------------------------------------------------------------------------------------


def models() -> dict[str, type[BaseModel]]:
    """Every model reachable from :class:`sim.lang.schema.Scenario`, by class name."""
    found: dict[str, type[BaseModel]] = {}

    def visit(model: type[BaseModel]) -> None:
        if model.__name__ in found:
            return
        found[model.__name__] = model
        for field in model.model_fields.values():
            for sub in _models_in(field.annotation):
                visit(sub)

    visit(S.Scenario)
    return found


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def docstring(model: type[BaseModel], whole: bool = False) -> str:
    """A model's docstring (its first paragraph unless ``whole``), each paragraph on one line,
    reST literals made Markdown."""
    paragraphs = (model.__doc__ or "").strip().split("\n\n")
    return "\n\n".join(" ".join(p.split()).replace("``", "`") for p in paragraphs[: None if whole else 1])


def _strip(node: Any) -> Any:
    """A subschema without its annotations, to compare shapes."""
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in ("title", "description")}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _alias_shapes() -> dict[str, Any]:
    shapes = {}
    for name, alias in ALIASES.items():
        node = TypeAdapter(alias).json_schema(ref_template="#/$defs/{model}")
        node.pop("$defs", None)
        shapes[name] = _strip(node)
    return shapes


def _alias_def(name: str) -> dict[str, Any]:
    node = TypeAdapter(ALIASES[name]).json_schema(ref_template="#/$defs/{model}")
    node.pop("$defs", None)
    node.pop("title", None)
    node = {"description": node.pop("description", ALIAS_DESCRIPTIONS.get(name, "")), **node}
    if name in PATTERN_MESSAGES:
        node["patternErrorMessage"] = PATTERN_MESSAGES[name]
    return node


def _replace_aliases(node: Any, shapes: dict[str, Any], alias_desc: dict[str, str]) -> Any:
    """Replace inline copies of the shared types by ``$ref``s, keeping field-level descriptions."""
    if isinstance(node, list):
        return [_replace_aliases(v, shapes, alias_desc) for v in node]
    if not isinstance(node, dict):
        return node
    stripped = {k: v for k, v in _strip(node).items() if k != "default"}
    for name, shape in shapes.items():
        if stripped == shape:
            out: dict[str, Any] = {"$ref": f"#/$defs/{name}"}
            desc = node.get("description")
            if desc and desc != alias_desc.get(name):
                out["description"] = desc
            if "title" in node:
                out["title"] = node["title"]
            if "default" in node:
                out["default"] = node["default"]
            return out
    return {k: (v if k in ("default", "enum", "const") else _replace_aliases(v, shapes, alias_desc))
            for k, v in node.items()}


def _language_keys_only(node: Any) -> None:
    """Text given per language: only language codes are keys (pydantic omits additionalProperties)."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for v in node.values():
            _language_keys_only(v)
    elif isinstance(node, list):
        for v in node:
            _language_keys_only(v)


def _enum_descriptions(node: Any, missing: set[str]) -> None:
    if isinstance(node, dict):
        values = node.get("enum")
        if isinstance(values, list) and all(isinstance(v, str) for v in values):
            missing.update(v for v in values if v not in ENUM_DESCRIPTIONS)
            node["enumDescriptions"] = [ENUM_DESCRIPTIONS.get(v, "") for v in values]
        for v in node.values():
            _enum_descriptions(v, missing)
    elif isinstance(node, list):
        for v in node:
            _enum_descriptions(v, missing)


def _jsonable(value: Any) -> Any:
    """A default as JSON, whole floats written as integers (85, not 85.0) as an author would."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- the schema -------------------------------------------------------------------------------------


def missing_descriptions() -> list[str]:
    """Fields of sim.lang.schema without a description of their own (``Model.field``), for the lead to add."""
    out = []
    for name, model in models().items():
        for fname, field in model.model_fields.items():
            if not field.description:
                out.append(f"{name}.{field.alias or fname}")
    return out


def _without_editor_keywords(node: Any) -> Any:
    """A copy of a schema without :data:`EDITOR_KEYWORDS` (values of default, enum and const untouched)."""
    if isinstance(node, list):
        return [_without_editor_keywords(v) for v in node]
    if not isinstance(node, dict):
        return node
    return {k: (v if k in ("default", "enum", "const", "examples") else _without_editor_keywords(v))
            for k, v in node.items() if k not in EDITOR_KEYWORDS}


def scenario_schema(strict: bool = False) -> dict[str, Any]:
    """The JSON Schema of a scenario file (draft 2020-12), fully described for editors.

    ``strict``: without the editor keywords (:data:`EDITOR_KEYWORDS`), for validators that reject
    keywords they do not know (ajv's strict mode); it accepts and rejects the same files."""
    raw = S.Scenario.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs: dict[str, Any] = raw.pop("$defs")
    by_name = models()
    # 1. The root becomes a definition like the others while it is processed.
    defs["Scenario"] = raw
    for name, node in defs.items():
        model = by_name[name]
        node["description"] = docstring(model, whole=True)
        for fname, field in model.model_fields.items():
            key = field.alias or fname
            prop = node["properties"][key]
            if fname == "id" and name in ID_USES:
                prop["description"] = f"{ID_USES[name]} {prop.get('description', '')}".strip()
            if not prop.get("description"):
                ref = prop.get("$ref", "")
                target = ref.rsplit("/", 1)[-1] if ref else ""
                prop["description"] = FALLBACK_DESCRIPTIONS.get((name, key)) or (
                    docstring(by_name[target]) if target in by_name else "")
            if field.default_factory is not None and "default" not in prop:
                prop["default"] = _jsonable(field.default_factory())  # type: ignore[call-arg]
        if name in SNIPPETS:
            node["defaultSnippets"] = [SNIPPETS[name]]
    # 2. Shared value types become named definitions.
    shapes = _alias_shapes()
    alias_desc = {n: _alias_def(n)["description"] for n in ALIASES}
    defs = {n: _replace_aliases(d, shapes, alias_desc) for n, d in defs.items()}
    for n in ALIASES:
        defs[n] = _alias_def(n)
    root = defs.pop("Scenario")
    ordered = {n: defs[n] for n in sorted(defs)}
    out: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": f"Touchpoint scenario (format version {S.FORMAT_VERSION})",
        "description": (
            docstring(S.Scenario) + " Generated from sim/schema.py by 'touchpoint schema'; "
            "'touchpoint check FILE' also checks references, conditions and the rubric's arithmetic."
        ),
        **{k: v for k, v in root.items() if k not in ("title", "description")},
        "$defs": ordered,
    }
    _language_keys_only(out)
    missing: set[str] = set()
    _enum_descriptions(out, missing)
    if missing:  # a new allowed value in sim/lang/schema.py needs its explanation here
        raise RuntimeError("no explanation for allowed value(s): " + ", ".join(sorted(missing)))
    if strict:
        return copy.deepcopy(_without_editor_keywords(out))
    out = {**{k: v for k, v in out.items() if k != "$defs"}, "$comment": STRICT_COMMENT, "$defs": out["$defs"]}
    return copy.deepcopy(out)


def schema_text(strict: bool = False) -> str:
    """The schema as written to files: stable key order, UTF-8, two-space indent, final newline."""
    return json.dumps(scenario_schema(strict), ensure_ascii=False, indent=2) + "\n"


# --- the field reference (Markdown) -----------------------------------------------------------------

_INTRO = """\
<!-- Generated from sim/schema.py by `{command}`: do not edit by hand. -->
# Scenario file reference

Every field a scenario file can hold, generated from the same models that `touchpoint check`
validates with, so this page cannot disagree with the program. For a guided start see the
[tutorial](../tutorial/index.md); for the model behind the numbers see
[How the simulation works](../background/engine-model.md).

Conventions:

* **text** is a plain string, or one string per language: `{{en: Hello, zh: 你好}}`
  (see [Localise a text](../how-to/localise-a-text.md)).
* **id** is lower-case letters, digits and `_`, starting with a letter (`cfo`, `first_meeting`).
* **condition** is a small formula such as `pain_acknowledged and info >= 40`; see [Condition](#condition).
* **amount** is a change: a number (`5`, `-3.5`) or a random [Distribution](#distribution) such as
  `{{normal: [5, 2]}}`.
* *optional* fields may be left out; fields with a default take it when left out.
* Editors that use yaml-language-server (VS Code with the YAML extension, and others) complete and
  explain every field when a file starts with
  `# yaml-language-server: $schema=<path to>/scenario.schema.json` (this folder holds
  [scenario.schema.json](scenario.schema.json); `touchpoint schema -o FILE` writes a copy).

Contents: {contents}
"""


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _link(name: str) -> str:
    return f"[{name}](#{name.lower()})"


def _number(node: dict[str, Any], word: str) -> str:
    lo = node.get("minimum", node.get("exclusiveMinimum"))
    hi = node.get("maximum", node.get("exclusiveMaximum"))
    if lo is not None and hi is not None:
        return f"{word} {lo:g}–{hi:g}"
    if lo is not None:
        return f"{word} > {lo:g}" if "exclusiveMinimum" in node else f"{word} ≥ {lo:g}"
    if hi is not None:
        return f"{word} ≤ {hi:g}"
    return word


def type_words(node: dict[str, Any], plural: bool = False) -> str:
    """How a field's type reads in the reference, e.g. 'list of [Stakeholder](#stakeholder)'."""
    name = _ref_name(node)
    if name is not None:
        return ALIAS_WORDS[name][plural] if name in ALIAS_WORDS else _link(name)
    if "anyOf" in node:
        parts = [p for p in node["anyOf"] if p.get("type") != "null"]
        return " or ".join(type_words(p, plural) for p in parts)
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    kind = node.get("type")
    words = _collection_words(node, kind) if kind in ("array", "object") else _scalar_words(node, kind, plural)
    return words or kind or "value"


def _scalar_words(node: dict[str, Any], kind: str | None, plural: bool) -> str | None:
    """A number, boolean or string type in words, with its bounds or pattern; None for other kinds."""
    if kind == "number":
        return _number(node, "number")
    if kind == "integer":
        return _number(node, "whole number")
    if kind == "boolean":
        return "`true` or `false`"
    if kind == "string" and "pattern" in node:
        return f"string matching `{node['pattern']}`" + (
            f", at most {node['maxLength']} characters" if "maxLength" in node else "")
    if kind == "string":
        return "strings" if plural else "string"
    return None


def _collection_words(node: dict[str, Any], kind: str) -> str | None:
    """A list or mapping type in words, by what it holds; None for an object of no known shape."""
    if kind == "array" and "prefixItems" in node:
        return f"list of {len(node['prefixItems'])} numbers"
    if kind == "array":
        return "list of " + type_words(node["items"], plural=True)
    if "propertyNames" in node:
        return "mapping of stage → " + type_words(node["additionalProperties"])
    if "patternProperties" in node:
        return "mapping of language code → string"
    return None


def _default_words(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "**required**"
    if "default" not in prop or prop["default"] is None:
        return "optional"
    value = prop["default"]
    if value == [] or value == {}:
        return "optional (default: none)"
    if isinstance(value, bool):
        return f"default `{str(value).lower()}`"
    if isinstance(value, (int, float, str)):
        return f"default `{value:g}`" if isinstance(value, float) else f"default `{value}`"
    return "default: see below"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _doc_order(schema: dict[str, Any]) -> list[str]:
    """Definitions in the order a reader meets them: depth first from the root, shared types last."""
    defs = schema["$defs"]
    order: list[str] = []

    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            name = _ref_name(node)
            if name and name not in seen:
                seen.add(name)
                if name not in ALIASES:
                    order.append(name)
                walk(defs[name].get("properties", defs[name]))
            for k, v in node.items():
                if k not in ("default", "defaultSnippets"):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema.get("properties", {}))
    return ["Scenario", *order, *[n for n in ALIASES if n in defs]]


def _enum_lists(prop: dict[str, Any]) -> list[tuple[list[str], list[str]]]:
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "enum" in node and "enumDescriptions" in node:
                found.append((node["enum"], node["enumDescriptions"]))
            for k, v in node.items():
                if k != "default":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(prop)
    return found


def _section(name: str, node: dict[str, Any], used_in: list[str]) -> list[str]:
    lines = [f"## {name}", "", node.get("description", "")]
    props = node.get("properties")
    if not props:  # a shared value type
        lines += ["", f"Type: {type_words({k: v for k, v in node.items() if k != 'description'})}."]
        if name in ALIAS_NOTES:
            lines += ["", ALIAS_NOTES[name]]
        return [*lines, ""]
    if used_in:
        lines += ["", "Used in: " + ", ".join(used_in) + "."]
    required = set(node.get("required", []))
    lines += ["", "| field | type | required / default | meaning |", "|---|---|---|---|"]
    notes: list[str] = []
    for key, prop in props.items():
        lines.append(f"| `{key}` | {_cell(type_words(prop))} | {_default_words(prop, key in required)} "
                     f"| {_cell(prop.get('description', ''))} |")
        for values, texts in _enum_lists(prop):
            if len(values) > 1:
                notes += [f"Values of `{key}`:", ""]
                notes += [f"* `{v}`: {t}" for v, t in zip(values, texts, strict=True)]
                notes.append("")
        default = prop.get("default")
        if isinstance(default, (list, dict)) and default:
            shown = json.dumps(default, ensure_ascii=False).replace('"', "")
            notes += [f"Default of `{key}`: `{shown}`", ""]
    while notes and not notes[-1]:
        notes.pop()
    if notes:
        lines += ["", *notes]
    return [*lines, ""]


def _used_in(schema: dict[str, Any]) -> dict[str, list[str]]:
    """For each definition, the fields that hold it (``Model.field``)."""
    uses: dict[str, list[str]] = {}
    containers = {"Scenario": schema, **schema["$defs"]}
    for owner, node in containers.items():
        for key, prop in node.get("properties", {}).items():
            for target in _refs(prop):
                where = f"`{key}` of {_link(owner)}"
                if where not in uses.setdefault(target, []):
                    uses[target].append(where)
    return uses


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        name = _ref_name(node)
        if name:
            yield name
        for k, v in node.items():
            if k not in ("default", "defaultSnippets"):
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def reference_markdown(schema: dict[str, Any] | None = None) -> str:
    """docs/reference/scenario.md: one section per definition, one table row per field."""
    schema = schema or scenario_schema()
    order = _doc_order(schema)
    uses = _used_in(schema)
    contents = ", ".join(_link(n) for n in order)
    out = [_INTRO.format(command=REFRESH_COMMAND, contents=contents)]
    for name in order:
        node = schema if name == "Scenario" else schema["$defs"][name]
        if name == "Scenario":
            node = {**node, "description": docstring(S.Scenario) + " The top of every scenario file."}
        out += _section(name, node, uses.get(name, []))
    return "\n".join(out).rstrip("\n") + "\n"
