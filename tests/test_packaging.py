"""A wheel carries the bundled scenarios and assets, so `pip install .` works from any folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True,
    )
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr.strip().splitlines()[-1:]}")
    return next(out.glob("touchpoint-*.whl"))


def test_wheel_contains_scenarios_assets_and_entry_point(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for sc in (ROOT / "scenarios").glob("*.yaml"):
        assert f"sim/_bundled/scenarios/{sc.name}" in names
    assets = [p for p in (ROOT / "assets").rglob("*") if p.is_file()]
    assert assets, "assets/ is empty"
    for a in assets:
        assert f"sim/_bundled/assets/{a.relative_to(ROOT / 'assets').as_posix()}" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "touchpoint = sim.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_installed_wheel_finds_its_data_from_another_folder(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    code = "from sim.lang import bundled; print(bundled.data_dir('scenarios')); print(bundled.scenario_ids()[0])"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True)
    where, first = out.stdout.split()
    assert Path(where).is_relative_to(target) and first == "tutorial"
