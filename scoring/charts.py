"""Charts shared by every report (the roadmap graph, the balance and cohort reports).

One place knows how to make matplotlib render Chinese (the bundled Noto Sans SC subset, else a
CJK font the system has) and how to keep SVG output deterministic, so every chart agrees.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

__all__ = ["SYSTEM_CJK", "chart_style", "cjk_family"]

#: CJK fonts matplotlib may find on a system, tried when the bundled one is missing.
SYSTEM_CJK = ("Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
              "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC")


@cache
def cjk_family() -> str | None:
    """The family name of a font that renders Chinese, registering the bundled one once."""
    from matplotlib import font_manager

    try:
        from sim.lang import bundled

        folder = bundled.data_dir("assets") / "fonts"
    except FileNotFoundError:
        folder = None
    if folder is not None and folder.is_dir():
        family = None
        for path in sorted(folder.glob("*.[ot]tf")):
            try:
                font_manager.fontManager.addfont(str(path))
                name = font_manager.FontProperties(fname=str(path)).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
            if family is None and re.search(r"\b(SC|CJK|TC|Han|Hei)\b", name):
                family = name
        if family:
            return family
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in SYSTEM_CJK if name in known), None)


@contextlib.contextmanager
def chart_style(warn: Any = None) -> Iterator[str | None]:
    """matplotlib settings for Touchpoint's charts: a CJK-capable font first, deterministic SVG.

    Yields the CJK family used (None when there is none; ``warn(message)`` is then called once).
    """
    import matplotlib

    family = cjk_family()
    if family is None and warn is not None:
        warn("no Chinese font found (assets/fonts is missing); Chinese text may show as boxes")
    fonts = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    with matplotlib.rc_context({
        "font.family": "sans-serif",
        "font.sans-serif": fonts,
        "axes.unicode_minus": False,
        "svg.fonttype": "path",  # glyphs as paths: the SVG needs no font to display
        "svg.hashsalt": "touchpoint",  # stable ids: the same scenario gives the same file
    }):
        yield family
