"""Safe outputs: text that cannot inject into a spreadsheet or a terminal, and files that are never half written.

* :func:`escape_controls` makes any text printable on one line: control characters (C0 and C1,
  CR, LF, ESC, NUL and the rest, and DEL), the Unicode line and paragraph separators and lone
  surrogates (a file name that is not UTF-8) become visible escapes such as ``\\x1b`` and
  ``\\u2028``. Everything a log or a roster says goes through it before it is stored, so every
  output (CSV, HTML, xAPI, terminal) shows an escape where the input held a control character.
* :func:`csv_cell` neutralises a spreadsheet formula as OWASP advises ("CSV injection"): a text
  cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  apostrophe, so Excel, LibreOffice and Google Sheets show it as text instead of evaluating it.
  Numbers the gradebook formats itself are never passed through it (a negative luck stays a number).
* :func:`atomic_output` writes a file through a temporary file in the same folder, flushed and
  synced, then renamed over the target: a failure (a full disk, an interrupt) leaves the previous
  file as it was, never a truncated one.
* :func:`is_language_tag` checks a BCP 47 language tag (RFC 5646's syntax) as xAPI requires.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

__all__ = ["FORMULA_START", "atomic_output", "csv_cell", "escape_controls", "is_language_tag"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# C0 controls, DEL, C1 controls, the line and paragraph separators, lone surrogates
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

# BCP 47 (RFC 5646) language tags, the forms xAPI's language maps and context.language take:
# language[-script][-region][-variant...][-extension...][-privateuse], or a private-use tag alone.
_LANG_TAG = re.compile(
    r"^(?:(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})"
    r"(?:-[a-z]{4})?"
    r"(?:-(?:[a-z]{2}|\d{3}))?"
    r"(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"
    r"(?:-[\da-wy-z](?:-[a-z\d]{2,8})+)*"
    r"(?:-x(?:-[a-z\d]{1,8})+)?"
    r"|x(?:-[a-z\d]{1,8})+)$",
    re.IGNORECASE | re.ASCII,
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character, line separator and lone surrogate as a visible escape."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def csv_cell(text: str) -> str:
    """A text cell for a CSV file: control characters escaped, a formula neutralised with a leading ``'``."""
    if text.startswith(FORMULA_START):
        text = "'" + text
    return escape_controls(text)


def is_language_tag(tag: str) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 language tag (``en``, ``zh-CN``, ``zh-Hant-TW``)."""
    return len(tag) <= 64 and _LANG_TAG.match(tag) is not None


def _mode_for(target: Path) -> int:
    """The permissions of the file being replaced, or those the umask gives a new file."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def _is_stream(target: Path) -> bool:
    """Whether ``target`` exists and is something other than a regular file (a device, a pipe)."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISBLK(mode)


@contextmanager
def atomic_output(path: str | os.PathLike[str], newline: str = "\n") -> Iterator[TextIO]:
    """A text file (UTF-8) that appears at ``path`` only once it is completely written and synced.

    Writes go to a temporary file beside ``path``; on success it is flushed, synced and renamed
    over ``path`` (atomic on POSIX and Windows); on any failure it is removed and the error raised,
    so the file that was at ``path`` before is untouched. A ``path`` that is not a file but a device
    or a pipe (``/dev/null``, ``/dev/stdout``, a FIFO) is written to as it is: renaming over it would
    replace the device with a file."""
    target = Path(path)
    if _is_stream(target):
        with open(target, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        return
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.",
                               suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # the mode an ordinary open() would give (mkstemp's is 0600)
            os.fchmod(fd, _mode_for(target))
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
