"""``touchpoint grade --executor dask``: the same bytes as the serial reference, on a LocalCluster.

Starting a cluster takes a few seconds, so this is one test, marked ``slow``
(``pytest -m "not slow"`` skips it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.authoring.cohort import CohortSpec, generate
from sim.cli import main

pytest.importorskip("distributed")


@pytest.mark.slow
def test_dask_local_cluster_gives_byte_identical_output(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    generate(CohortSpec("tutorial", 30, (("expert", 0.5), ("random", 0.5)), 4, str(logs)))
    (logs / "broken.jsonl").write_text('{"type": "header"}\n', encoding="utf-8")
    outputs = {}
    for name, extra in (("serial", ["--executor", "serial"]),
                        ("dask", ["--executor", "dask", "--workers", "2", "--chunk-size", "8"])):
        d = tmp_path / name
        d.mkdir()
        code = main(["grade", str(logs), "--roster", str(logs / "roster.csv"), "--quiet", "--out", str(d / "g.csv"),
                     "--xapi", str(d / "x.jsonl"), "--report", str(d / "r.html"), *extra])
        assert code == 1  # the broken log is reported, the others graded
        outputs[name] = {p.name: p.read_bytes() for p in d.iterdir()}
    assert outputs["dask"] == outputs["serial"]
    assert outputs["dask"]["g.csv"].count(b",complete,") == 30


@pytest.mark.slow
def test_dask_review_grading_gives_the_serial_bytes(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    generate(CohortSpec("tutorial", 6, (("expert", 0.5), ("random", 0.5)), 8, str(logs)))
    outputs = {}
    for name, extra in (("serial", ["--executor", "serial"]), ("dask", ["--executor", "dask", "--workers", "2"])):
        d = tmp_path / name
        d.mkdir()
        code = main(["grade", str(logs), "--review", "--rollouts", "4", "--quiet", "--out", str(d / "g.csv"),
                     "--xapi", str(d / "x.jsonl"), *extra])
        assert code == 0
        outputs[name] = {p.name: p.read_bytes() for p in d.iterdir()}
    assert outputs["dask"] == outputs["serial"]
    assert b",accuracy,expected_score,luck," in outputs["dask"]["g.csv"]
