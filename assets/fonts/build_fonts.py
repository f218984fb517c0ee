"""Build the bundled CJK font subset (a developer tool, not used at run time).

The UI needs one font that renders English and Chinese. Noto Sans SC (SIL OFL 1.1) does, but the
full files are 8.5 MB each; subsetting to the characters a training scenario uses keeps the
repository small while instructors' own scenarios still render: ASCII, Latin-1, general and CJK
punctuation, full-width forms, a few symbol blocks the UI draws (arrows, shapes, check marks) and
the whole GB2312 set (6,763 hanzi plus its symbols).

::

    python assets/fonts/build_fonts.py SOURCE_DIR [OUT_DIR]

SOURCE_DIR holds NotoSansSC-Regular.otf and NotoSansSC-Bold.otf (pygame_gui ships them in its
``data`` folder); OUT_DIR defaults to the bundled ``assets/fonts``.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: Unicode ranges kept besides GB2312 (inclusive).
RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement (¥, ·, é ...)
    (0x2000, 0x206F),  # general punctuation (— ‘ ’ “ ” …)
    (0x20A0, 0x20CF),  # currency symbols (€)
    (0x2100, 0x214F),  # letterlike (℃ №)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers ①
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes ▲ ▼ ●
    (0x2600, 0x26FF),  # misc symbols ★
    (0x2700, 0x27BF),  # dingbats ✓ ✗
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。「」)
    (0xFF00, 0xFFEF),  # half- and full-width forms (，：？)
)
FONTS = ("NotoSansSC-Regular.otf", "NotoSansSC-Bold.otf")


def gb2312_chars() -> set[int]:
    """Every character of the GB2312 double-byte set."""
    out: set[int] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return out


def codepoints() -> set[int]:
    cps = gb2312_chars()
    for lo, hi in RANGES:
        cps.update(range(lo, hi + 1))
    return cps


def subset(src: Path, dst: Path, cps: set[int]) -> int:
    """Write the subset of ``src`` to ``dst``; return its size in bytes."""
    from fontTools import subset as fts

    options = fts.Options()
    options.layout_features = ["*"]  # keep vertical/proportional features pygame may use
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    font = fts.load_font(str(src), options)
    sub = fts.Subsetter(options)
    sub.populate(unicodes=sorted(cps))
    sub.subset(font)
    fts.save_font(font, str(dst), options)
    return dst.stat().st_size


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: python assets/fonts/build_fonts.py SOURCE_DIR [OUT_DIR]", file=sys.stderr)
        return 2
    src = Path(argv[0])
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    cps = codepoints()
    for name in FONTS:
        if not (src / name).is_file():
            print(f"build_fonts: {src / name} not found", file=sys.stderr)
            return 2
        size = subset(src / name, out / name, cps)
        print(f"{name}: {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
