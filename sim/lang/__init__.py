"""The scenario language: what a scenario file may say, and how it is read.

:mod:`~sim.lang.yamlsource` reads YAML into plain data with the location of every key and value,
so a mistake is reported at its line and column; :mod:`~sim.lang.schema` is the pydantic schema
that validates it; :mod:`~sim.lang.expr` is the condition language (parsed, type-checked and
compiled, never evaluated as Python); :mod:`~sim.lang.jsonschema` generates the JSON Schema for
editors and the field reference for people from that schema; :mod:`~sim.lang.text` picks a text in
the reader's language; :mod:`~sim.lang.bundled` finds the scenarios and assets that ship with
Touchpoint.

May import: nothing of the project (the standard library, PyYAML and pydantic only). Every other
wing builds on this one.
"""

__all__: list[str] = []
