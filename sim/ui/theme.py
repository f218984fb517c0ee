"""The look of the front end, read from ``assets/theme.json`` so colours, sizes and fonts change
without touching code. Sizes are given at a reference window and scale with the real one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.lang import bundled

__all__ = ["LAYOUT_KEYS", "Color", "Theme", "ThemeError", "load_theme"]

Color = tuple[int, ...]
#: The proportions the screens are laid out by (``layout`` in the theme): the play screen's column
#: shares of the width (wide windows, and those narrower than ``play_wide_from`` pixels), how much
#: of its width the signals column keeps when the option cards would not fit otherwise
#: (``play_squeeze``), and the lines of the situation always shown before the option cards take the rest.
LAYOUT_KEYS: tuple[str, ...] = ("play_wide_from", "play_people", "play_side", "play_people_narrow",
                                "play_side_narrow", "play_squeeze", "situation_min_lines")


class ThemeError(ValueError):
    """The theme file is missing a key or has a wrong value (one-line reason)."""


@dataclass(frozen=True)
class Theme:
    colors: dict[str, Any]
    text: dict[str, int]
    sizes: dict[str, float]
    window: dict[str, int]
    scale_rules: dict[str, float]
    animation: dict[str, float]
    font_regular: Path
    font_bold: Path
    layout: dict[str, float]

    def color(self, name: str) -> Color:
        return tuple(self.colors[name])

    def stage_color(self, index: int) -> Color:
        return tuple(self.colors["stage"][index % len(self.colors["stage"])])

    def mood_color(self, level: int) -> Color:
        moods = self.colors["mood"]
        return tuple(moods[max(0, min(level, len(moods) - 1))])

    def scale_for(self, width: int, height: int) -> float:
        """How much bigger than the reference window to draw (clamped so text stays readable)."""
        r = self.scale_rules
        s = min(width / r["reference_width"], height / r["reference_height"])
        return max(r["min_scale"], min(r["max_scale"], s))


def load_theme(path: Path | None = None) -> Theme:
    """Read the theme (the bundled ``assets/theme.json`` by default)."""
    path = path or bundled.asset("theme.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ThemeError(f"cannot read theme {path.name}: {err}") from None
    try:
        base = path.parent
        theme = Theme(
            colors=dict(data["colors"]),
            text={k: int(v) for k, v in data["text"].items()},
            sizes={k: float(v) for k, v in data["sizes"].items()},
            window={k: int(v) for k, v in data["window"].items()},
            scale_rules={k: float(v) for k, v in data["scale"].items()},
            animation={k: float(v) for k, v in data["animation"].items()},
            font_regular=base / data["fonts"]["regular"],
            font_bold=base / data["fonts"]["bold"],
            layout={k: float(v) for k, v in data["layout"].items()},
        )
    except (KeyError, TypeError, ValueError) as err:
        raise ThemeError(f"theme {path.name}: missing or bad entry {err}") from None
    for needed in ("background", "panel", "text", "muted", "accent", "good", "bad", "stage", "mood"):
        if needed not in theme.colors:
            raise ThemeError(f"theme {path.name}: colors.{needed} is missing")
    for key in LAYOUT_KEYS:
        if key not in theme.layout:
            raise ThemeError(f"theme {path.name}: layout.{key} is missing")
    for f in (theme.font_regular, theme.font_bold):
        if not f.is_file():
            raise ThemeError(f"theme {path.name}: font {f.name} not found")
    return theme
