"""The JSON Schema in validators that reject unknown keywords (issue 23, item 4).

``touchpoint schema`` carries yaml-language-server's editor keywords (``enumDescriptions``,
``patternErrorMessage``, ``defaultSnippets``); ajv in its default strict mode refuses a schema with
keywords it does not know. ``touchpoint schema --strict`` leaves them out. Checked here with Python's
jsonschema and a meta-schema that forbids every keyword draft 2020-12 does not define (so it rejects
unknown keywords as ajv does), and, where Node.js and the npm packages ajv and yaml are installed
(``TOUCHPOINT_NODE_MODULES``: a node_modules folder, as ``.ci/run`` installs it), with ajv itself.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sim.cli import main
from sim.lang import bundled
from sim.lang import jsonschema as J
from sim.lang.yamlsource import load_yaml, read_bytes

jsonschema = pytest.importorskip("jsonschema", reason="the jsonschema package (dev extra) is needed")
specifications = pytest.importorskip("jsonschema_specifications")
from referencing import Resource  # noqa: E402  (comes with jsonschema)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
STRICT_META_ID = "urn:touchpoint:test:strict-meta"


def strict_meta(allowed: tuple[str, ...] = ()) -> dict[str, Any]:
    """Draft 2020-12's meta-schema, extended (through its dynamic anchor, so every subschema is held
    to it too) to forbid any keyword the draft does not evaluate, except ``allowed``."""
    return {"$schema": DRAFT, "$id": STRICT_META_ID, "$dynamicAnchor": "meta", "$ref": DRAFT,
            "properties": {k: True for k in allowed}, "unevaluatedProperties": False}


def strict_validator(allowed: tuple[str, ...] = ()) -> Any:
    meta = strict_meta(allowed)
    registry = specifications.REGISTRY.with_resource(STRICT_META_ID, Resource.from_contents(meta))
    return jsonschema.Draft202012Validator(meta, registry=registry)


def unknown_keywords(schema: dict[str, Any], allowed: tuple[str, ...] = ()) -> list[str]:
    return [e.message for e in strict_validator(allowed).iter_errors(schema)]


def scenario_data(path: Path) -> Any:
    return load_yaml(read_bytes(path)).data


def starter_data(locale: str) -> Any:
    from sim.cli.new_cmd import render

    return load_yaml(render("starter", locale, "starter.yaml", "x.json").encode("utf-8")).data


# --- the strict meta-schema really is strict --------------------------------------------------------


def test_the_strict_meta_schema_rejects_unknown_keywords_at_any_depth() -> None:
    ok = {"$schema": DRAFT, "type": "object", "properties": {"a": {"type": "string", "enum": ["x"]}},
          "$defs": {"b": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}}}
    assert unknown_keywords(ok) == []
    for where in (lambda s: s, lambda s: s["properties"]["a"], lambda s: s["$defs"]["b"]["anyOf"][0]):
        bad = copy.deepcopy(ok)
        where(bad)["enumDescriptions"] = ["an editor keyword"]
        assert unknown_keywords(bad), "an unknown keyword was accepted"
        assert unknown_keywords(bad, allowed=("enumDescriptions",)) == []


# --- the schemas --------------------------------------------------------------------------------------


def test_the_editor_schema_uses_exactly_the_editor_keywords_beyond_the_draft() -> None:
    schema = J.scenario_schema()
    assert unknown_keywords(schema), "the editor schema should carry its editor keywords"
    assert unknown_keywords(schema, allowed=J.EDITOR_KEYWORDS) == []
    assert "--strict" in schema["$comment"]


def test_the_strict_schema_has_no_unknown_keyword() -> None:
    strict = J.scenario_schema(strict=True)
    assert unknown_keywords(strict) == []
    jsonschema.Draft202012Validator.check_schema(strict)
    text = json.dumps(strict)
    assert not any(k in text for k in J.EDITOR_KEYWORDS)


def test_the_strict_schema_keeps_every_description_and_rule() -> None:
    """Only the editor keywords go: what the two schemas accept is decided by the same keywords."""
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in (*J.EDITOR_KEYWORDS, "$comment")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    assert strip(J.scenario_schema()) == J.scenario_schema(strict=True)


@pytest.fixture(scope="module")
def strict_scenario_validator() -> Any:
    return jsonschema.Draft202012Validator(J.scenario_schema(strict=True))


@pytest.mark.parametrize("path", bundled.scenario_paths(), ids=lambda p: p.stem)
def test_the_strict_schema_accepts_every_bundled_scenario(path: Path, strict_scenario_validator: Any) -> None:
    errors = [e.message for e in strict_scenario_validator.iter_errors(scenario_data(path))]
    assert errors == []


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_strict_schema_accepts_the_starter(locale: str, strict_scenario_validator: Any) -> None:
    assert list(strict_scenario_validator.iter_errors(starter_data(locale))) == []


def test_the_strict_schema_rejects_what_the_editor_schema_rejects(strict_scenario_validator: Any) -> None:
    """The same verdict on each broken scenario of test_schema_json (whether each is rejected is its test)."""
    from test_schema_json import BROKEN

    editor = jsonschema.Draft202012Validator(J.scenario_schema())
    tutorial = scenario_data(bundled.scenario_path("tutorial"))  # type: ignore[arg-type]
    for name, mutate in BROKEN.items():
        data = copy.deepcopy(tutorial)
        mutate(data)
        assert bool(list(strict_scenario_validator.iter_errors(data))) == bool(list(editor.iter_errors(data))), name


# --- the command ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["-o", "--out", "--output"])
def test_schema_strict_writes_the_strict_schema(flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "strict.schema.json"
    assert main(["schema", "--strict", flag, str(target)]) == 0
    assert target.read_text(encoding="utf-8") == J.schema_text(strict=True)
    assert unknown_keywords(json.loads(target.read_text(encoding="utf-8"))) == []
    capsys.readouterr()


def test_schema_strict_prints_it_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--strict"]) == 0
    assert json.loads(capsys.readouterr().out) == J.scenario_schema(strict=True)


# --- ajv itself, where Node.js and the npm packages are there ----------------------------------------

AJV = r"""
const fs = require("fs");
const Ajv2020 = require("ajv/dist/2020").default;
const YAML = require("yaml");
const [schemaFile, ...files] = process.argv.slice(1);  // node -e SCRIPT ARGS: no script path
const ajv = new Ajv2020({strict: true, allErrors: true});   // ajv's default strict mode, and all errors
let validate;
try { validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, "utf8"))); }
catch (e) { console.log("schema rejected: " + e.message); process.exit(2); }
const out = {};
for (const f of files) {
  const data = YAML.parse(fs.readFileSync(f, "utf8"));   // the npm yaml package: YAML 1.2 core types
  out[f] = {valid: validate(data), errors: validate.errors || [], data};
}
console.log(JSON.stringify(out));
"""


def _node_modules() -> Path | None:
    folder = os.environ.get("TOUCHPOINT_NODE_MODULES")
    if not folder or shutil.which("node") is None:
        return None
    path = Path(folder)
    return path if (path / "ajv").is_dir() and (path / "yaml").is_dir() else None


needs_ajv = pytest.mark.skipif(_node_modules() is None,
                               reason="set TOUCHPOINT_NODE_MODULES to a node_modules with ajv and yaml (.ci/run does)")


def ajv(schema: str, files: list[Path], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    schema_file = tmp_path / "scenario.schema.json"
    schema_file.write_text(schema, encoding="utf-8")
    env = {**os.environ, "NODE_PATH": str(_node_modules())}
    return subprocess.run(["node", "-e", AJV, str(schema_file), *map(str, files)], capture_output=True, text=True,
                          env=env, timeout=120)


@needs_ajv
def test_ajv_strict_rejects_the_editor_schema_and_accepts_the_strict_one(tmp_path: Path) -> None:
    editor = ajv(J.schema_text(), [], tmp_path)
    assert editor.returncode == 2 and "unknown keyword" in editor.stdout
    starters = []
    for locale in ("en", "zh"):
        from sim.cli.new_cmd import render

        starters.append(tmp_path / f"starter_{locale}.yaml")
        starters[-1].write_text(render("starter", locale, "s.yaml", "x.json"), encoding="utf-8")
    files = [*bundled.scenario_paths(), *starters]
    strict = ajv(J.schema_text(strict=True), files, tmp_path)
    assert strict.returncode == 0, strict.stdout + strict.stderr
    results = json.loads(strict.stdout)
    for f in files:
        assert results[str(f)]["valid"], (f.name, results[str(f)]["errors"][:3])
        # and the npm yaml package (yaml-language-server's reader) reads each file as Touchpoint does
        assert results[str(f)]["data"] == scenario_data(f), f.name
