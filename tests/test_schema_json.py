"""The JSON Schema for editors: valid draft 2020-12, fully described, and in agreement with the loader.

The schema is generated from sim/schema.py, but a JSON Schema cannot express everything pydantic
checks. What it does express must agree: every bundled scenario passes both, and structural
mistakes are rejected by both.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.cli import main
from sim.engine.loader import ScenarioError, load_bytes
from sim.lang import bundled
from sim.lang import jsonschema as J
from sim.lang.yamlsource import load_yaml, read_bytes

jsonschema = pytest.importorskip("jsonschema", reason="the jsonschema package (dev extra) is needed")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return J.scenario_schema()


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Any:
    return jsonschema.Draft202012Validator(schema)


def scenario_data(path: Path) -> Any:
    return load_yaml(read_bytes(path)).data


def walk(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema that has properties (the root and the object definitions)."""
    if isinstance(node, dict):
        if "properties" in node:
            yield where, node
        for k, v in node.items():
            if k not in ("default", "defaultSnippets", "enum"):
                yield from walk(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{where}/{i}")


def test_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == J.SCHEMA_ID
    assert "Touchpoint" in schema["title"]
    assert schema["additionalProperties"] is False


def test_every_field_and_definition_is_described(schema: dict[str, Any]) -> None:
    for name, node in schema["$defs"].items():
        assert node.get("description"), f"$defs/{name} has no description"
    for where, node in walk(schema):
        for key, prop in node["properties"].items():
            assert prop.get("description"), f"{where}/properties/{key} has no description"


def test_every_allowed_value_is_explained(schema: dict[str, Any]) -> None:
    found = 0
    for node in _all_nodes(schema):
        if "enum" in node and all(isinstance(v, str) for v in node["enum"]):
            assert len(node["enumDescriptions"]) == len(node["enum"])
            assert all(node["enumDescriptions"]), node["enum"]
            found += 1
    assert found >= 6  # stage, role, mode, loss reason, difficulty, after, scale...


def _all_nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _all_nodes(v)
    elif isinstance(node, list):
        for v in node:
            yield from _all_nodes(v)


def test_fields_lacking_a_description_in_the_models_are_covered(schema: dict[str, Any]) -> None:
    """Fields sim/schema.py leaves undescribed get one from the generator (fallback or model docstring)."""
    missing = J.missing_descriptions()
    by_name = J.models()
    for item in missing:
        model, field = item.split(".")
        prop = (schema if model == "Scenario" else schema["$defs"][model])["properties"][field]
        assert prop["description"], item
    # each is either in the fallback table or holds a model whose docstring describes it
    for item in missing:
        model, field = item.split(".")
        if (model, field) not in J.FALLBACK_DESCRIPTIONS:
            annotation = by_name[model].model_fields[field].annotation
            assert isinstance(annotation, type) and annotation.__name__ in by_name, item


@pytest.mark.parametrize("path", bundled.scenario_paths(), ids=lambda p: p.stem)
def test_every_bundled_scenario_is_valid(path: Path, validator: Any) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(scenario_data(path))]
    assert not errors, errors[:5]


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_starter_of_touchpoint_new_is_valid(locale: str, validator: Any) -> None:
    from sim.cli.new_cmd import render

    data = load_yaml(render("starter", locale, "starter.yaml", "x.json").encode("utf-8")).data
    assert not list(validator.iter_errors(data))


@pytest.mark.parametrize("path", bundled.scenario_paths(), ids=lambda p: p.stem)
def test_bundled_scenarios_name_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../docs/reference/scenario.schema.json"


# --- broken scenarios: rejected by the schema AND by the loader --------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _account(d: dict[str, Any]) -> dict[str, Any]:
    return d["accounts"][0]


BROKEN: dict[str, Mutation] = {
    "unknown top-level field": lambda d: d.update(titel="x"),
    "missing rubric": lambda d: d.pop("rubric"),
    "wrong version": lambda d: d.update(version=3),
    "id with capitals": lambda d: d.update(id="My-Case"),
    "difficulty not allowed": lambda d: d.update(difficulty="extreme"),
    "text key not a language": lambda d: d.update(title={"English": "x"}),
    "empty accounts": lambda d: d.update(accounts=[]),
    "weight is text": lambda d: d["rubric"]["weights"].update(conversion="a lot"),
    "influence above 1": lambda d: _account(d)["stakeholders"][0].update(influence=2),
    "role not allowed": lambda d: _account(d)["stakeholders"][0].update(role="boss"),
    "misspelt stakeholder field": lambda d: _account(d)["stakeholders"][0].update(infuence=0.5),
    "unknown stage": lambda d: _account(d)["stages"].update(closing={"gate": "info > 1"}),
    "touchpoint without actions": lambda d: _account(d)["touchpoints"][0].update(actions=[]),
    "action days negative": lambda d: _account(d)["touchpoints"][0]["actions"][0].update(days=-1),
    "effect with unknown field": lambda d: _account(d)["touchpoints"][0]["actions"][0]["effects"].append(
        {"trsut": 5}),
    "distribution with three normal values": lambda d: _account(d)["touchpoints"][0]["actions"][0][
        "effects"].append({"info": {"normal": [1, 2, 3]}}),
    "event without text": lambda d: _account(d).update(events=[{"id": "e", "day": 3}]),
    "lose reason not allowed": lambda d: _account(d)["touchpoints"][0]["actions"][0]["effects"].append(
        {"lose": "bored"}),
}


@pytest.fixture(scope="module")
def tutorial_data() -> dict[str, Any]:
    return scenario_data(bundled.scenario_path("tutorial"))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_scenarios_are_rejected_by_both(name: str, tutorial_data: dict[str, Any], validator: Any) -> None:
    data = copy.deepcopy(tutorial_data)
    BROKEN[name](data)
    assert list(validator.iter_errors(data)), f"the schema accepts: {name}"
    with pytest.raises(ScenarioError):
        load_bytes(json.dumps(data, ensure_ascii=False).encode("utf-8"), "broken.yaml")


def test_the_unmutated_copy_passes_both(tutorial_data: dict[str, Any], validator: Any) -> None:
    """The control for the test above: the same round trip without a mutation is accepted."""
    data = copy.deepcopy(tutorial_data)
    assert not list(validator.iter_errors(data))
    load_bytes(json.dumps(data, ensure_ascii=False).encode("utf-8"), "ok.yaml")


# --- the command ---------------------------------------------------------------------------------


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == J.scenario_schema()
    assert out == J.schema_text()


def test_schema_command_writes_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "scenario.schema.json"
    target.write_text("old", encoding="utf-8")
    assert main(["schema", "-o", str(target)]) == 0
    assert target.read_bytes() == J.schema_text().encode("utf-8")
    assert capsys.readouterr().out == ""


def test_schema_command_reports_an_unwritable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "-o", str(tmp_path / "missing" / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("touchpoint schema: cannot write") and err.count("\n") == 1


def test_generation_is_deterministic() -> None:
    assert J.schema_text() == J.schema_text()
    assert J.reference_markdown() == J.reference_markdown()
