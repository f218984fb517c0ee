"""Find the scenarios and assets that ship with Touchpoint.

In a source checkout or an editable install they sit at the top of the repository
(``scenarios/``, ``assets/``); a wheel carries them inside the package as ``sim/_bundled/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["ORDER", "asset", "data_dir", "scenario_ids", "scenario_path", "scenario_paths"]

_PACKAGE = Path(__file__).resolve().parents[1]  # sim/

#: Order of the bundled scenarios in listings and the picker: the tutorial first.
ORDER = ("tutorial", "enterprise_software", "medical_device", "pipeline", "renewal")


@cache
def data_dir(name: str) -> Path:
    """The folder of bundled ``scenarios`` or ``assets``."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled {name} not found (looked in {_PACKAGE / '_bundled'} and {_PACKAGE.parent})")


def scenario_paths() -> list[Path]:
    """Bundled scenario files, tutorial first."""
    files = sorted(data_dir("scenarios").glob("*.yaml"))
    rank = {sid: i for i, sid in enumerate(ORDER)}
    return sorted(files, key=lambda p: (rank.get(p.stem, len(ORDER)), p.stem))


def scenario_ids() -> list[str]:
    return [p.stem for p in scenario_paths()]


def scenario_path(sid: str) -> Path | None:
    """The bundled scenario with this id (its file is named after it)."""
    for p in scenario_paths():
        if p.stem == sid:
            return p
    return None


def asset(*parts: str) -> Path:
    """A file under the bundled assets."""
    return data_dir("assets").joinpath(*parts)
