"""Version-1 scenario files: they still load, and ``touchpoint migrate`` rewrites them as version 2.

tests/data/v1 holds the four bundled cases as they were written for format version 1 (before their
rewrite on version 2), so the promise is tested on real, large files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.cli.migrate_cmd import migrate_text
from sim.engine.loader import load_bytes, load_file
from sim.runs.policies import ExpertPolicy, play

V1 = sorted((Path(__file__).parent / "data" / "v1").glob("*.yaml"))


def test_the_bundled_version_1_files_are_kept_for_these_tests():
    assert [p.stem for p in V1] == ["enterprise_software", "medical_device", "pipeline", "tutorial"]


@pytest.mark.parametrize("path", V1, ids=lambda p: p.stem)
def test_a_version_1_file_loads_and_plays_as_it_is(path):
    scenario = load_file(path)
    assert scenario.spec.version == 1
    assert play(scenario, ExpertPolicy(), 3).outcome().decisions > 0


@pytest.mark.parametrize("path", V1, ids=lambda p: p.stem)
def test_migrate_rewrites_only_the_version_line_and_the_run_is_the_same(path, tmp_path, capsys):
    target = tmp_path / path.name
    original = path.read_text(encoding="utf-8")
    target.write_text(original, encoding="utf-8")
    assert main(["migrate", str(target), "--check"]) == 1  # would rewrite it
    assert target.read_text(encoding="utf-8") == original  # --check changes nothing
    assert main(["migrate", str(target)]) == 0
    migrated = target.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(original.splitlines(), migrated.splitlines(), strict=True) if a != b]
    assert changed == [("version: 1", "version: 2")]
    before, after = load_file(path), load_file(target)
    assert after.spec.version == 2
    same = [play(sc, ExpertPolicy(), 5).trace for sc in (before, after)]
    assert [tuple(e) for e in same[0][1:]] == [tuple(e) for e in same[1][1:]]  # the same run, start aside
    assert main(["migrate", str(target)]) == 0 and "already version 2" in capsys.readouterr().out


def test_migrate_keeps_a_comment_on_the_version_line_and_refuses_what_does_not_load(tmp_path, capsys):
    migrated = migrate_text("# a case\nversion: 1  # the old format\nid: x\n")
    assert migrated == "# a case\nversion: 2 # the old format\nid: x\n"
    assert migrate_text("version: 2\n") is None
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nid: Not An Id\n", encoding="utf-8")
    assert main(["migrate", str(bad)]) == 2
    assert bad.read_text(encoding="utf-8") == "version: 1\nid: Not An Id\n"  # left as it was
    assert "bad.yaml" in capsys.readouterr().err
    assert main(["migrate", str(tmp_path / "missing.yaml")]) == 2


def test_version_3_is_refused_with_the_versions_this_engine_reads():
    from sim.engine.loader import ScenarioError

    with pytest.raises(ScenarioError, match="versions 1 and 2"):
        load_bytes(b"version: 3\nid: x\n", "v3.yaml")
