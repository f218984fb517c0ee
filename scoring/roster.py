"""The class roster: who should have handed in a log (CSV: trainee id, name, email, section).

A log's header names its trainee (``trainee``); the roster turns that id into a person for the
gradebook and xAPI, and lists the trainees who handed in nothing. Spreadsheets write rosters in many
shapes, so the header is matched loosely (``id``/``trainee``/``ID number``/``学号``, ``name``/``姓名``,
``email``/``Email address``/``邮箱``, ``section``/``group``/``班级``), a UTF-8 byte-order mark is
accepted, and every problem is one line naming the file and row.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MAX_ROSTER_BYTES", "ROSTER_COLUMNS", "RosterError", "Trainee", "read_roster", "write_roster"]

ROSTER_COLUMNS = ("id", "name", "email", "section")

_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "trainee", "trainee id", "trainee_id", "student id", "student_id", "id number",
           "sis user id", "user id", "username", "学号", "编号", "工号", "学员编号"),
    "name": ("name", "full name", "student", "student name", "trainee name", "姓名", "名字", "学员"),
    "email": ("email", "e-mail", "email address", "mail", "邮箱", "电子邮箱", "电子邮件"),
    "section": ("section", "group", "class", "cohort", "班级", "分组", "组别"),
}
MAX_ROSTER_BYTES = 64 * 1024 * 1024


class RosterError(ValueError):
    """A roster that cannot be used, with a one-line reason."""


@dataclass(frozen=True, slots=True)
class Trainee:
    id: str
    name: str = ""
    email: str = ""
    section: str = ""


def _column_map(header: list[str], filename: str) -> dict[str, int]:
    norm = [" ".join(h.strip().lower().replace("_", " ").split()) for h in header]
    found: dict[str, int] = {}
    for key, names in _ALIASES.items():
        wanted = {" ".join(n.replace("_", " ").split()) for n in names}
        for i, h in enumerate(norm):
            if h in wanted:
                found[key] = i
                break
    if "id" not in found:
        raise RosterError(f"{filename}:1: no trainee id column "
                          "(expected a header such as id,name,email,section)")
    return found


def read_roster(path: str | os.PathLike[str]) -> Iterator[tuple[int, Trainee]]:
    """``(line, trainee)`` for each row of a roster CSV, in file order; raises RosterError.

    Duplicate ids are left to the caller (the gradebook's table catches them without holding a
    second copy of a large roster in memory)."""
    p = Path(path)
    name = str(path)
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO or a device: opening it could wait forever
            raise RosterError(f"{name}: not a regular file")
        if st.st_size > MAX_ROSTER_BYTES:
            raise RosterError(f"{name}: roster is too large (limit {MAX_ROSTER_BYTES} bytes)")
        f = open(p, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below, generator
    except OSError as err:
        raise RosterError(f"{name}: cannot read roster: {err.strerror or err}") from None
    with f:
        try:
            sample = f.read(4096)
            f.seek(0)
            try:
                dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            reader = csv.reader(f, dialect)
            header = next(reader, None)
            if header is None:
                raise RosterError(f"{name}: empty roster")
            cols = _column_map(header, name)
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                line = reader.line_num

                def cell(key: str, row: list[str] = row) -> str:
                    i = cols.get(key)
                    return row[i].strip() if i is not None and i < len(row) else ""

                tid = cell("id")
                if not tid:
                    raise RosterError(f"{name}:{line}: empty trainee id")
                yield line, Trainee(tid, cell("name"), cell("email"), cell("section"))
        except UnicodeDecodeError as err:
            raise RosterError(f"{name}: not UTF-8 text (byte {err.start}); save the roster as CSV UTF-8"
                              ) from None
        except csv.Error as err:
            raise RosterError(f"{name}: not a readable CSV file ({err})") from None


def write_roster(path: str | os.PathLike[str], trainees: list[Trainee]) -> None:
    """Write a roster in the shape :func:`read_roster` reads first (``id,name,email,section``), atomically."""
    from scoring.safe import atomic_output

    with atomic_output(path, newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(ROSTER_COLUMNS)
        for t in trainees:
            w.writerow((t.id, t.name, t.email, t.section))
