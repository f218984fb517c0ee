"""A wheel carries the bundled scenarios, assets and docs, so `pip install .` works from any folder; the
wheel and the sdist carry the licences, the metadata says what the package is, and the sdist's own tests pass."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
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
    assets = [p for p in (ROOT / "assets").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert assets, "assets/ is empty"
    for a in assets:  # every asset (a new one must be named in pyproject's force-include), but no script
        inside = f"sim/_bundled/assets/{a.relative_to(ROOT / 'assets').as_posix()}"
        assert (inside in names) == (a.suffix != ".py"), inside
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


# --- issue 23, item 8: licences, metadata, extras, the docs, the sdist, the minimum versions ----------------


def _metadata(wheel: Path) -> str:
    zf = zipfile.ZipFile(wheel)
    return zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))).decode("utf-8")


def test_wheel_carries_both_licences(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    assert f"{info}/licenses/LICENSE" in names
    assert f"{info}/licenses/assets/LICENSES/NotoSansSC-OFL.txt" in names
    assert "sim/_bundled/assets/LICENSES/NotoSansSC-OFL.txt" in names  # beside the fonts it covers
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")


def test_metadata_says_licence_pythons_audience_and_urls(wheel):
    meta = _metadata(wheel)
    assert "License-Expression: MIT" in meta.splitlines()
    assert "License-File: LICENSE" in meta and "License-File: assets/LICENSES/NotoSansSC-OFL.txt" in meta
    for classifier in ("Programming Language :: Python :: 3.10", "Programming Language :: Python :: 3.11",
                       "Programming Language :: Python :: 3.12", "Programming Language :: Python :: 3.13",
                       "Operating System :: OS Independent", "Intended Audience :: Education"):
        assert f"Classifier: {classifier}" in meta, classifier
    assert "Requires-Python: >=3.10" in meta
    urls = [line for line in meta.splitlines() if line.startswith("Project-URL: ")]
    assert {u.removeprefix("Project-URL: ").split(",")[0] for u in urls} >= {"Homepage", "Documentation", "Issues"}


def _requirements(meta: str) -> dict[str, tuple[str, str]]:
    """Requires-Dist lines: name -> (lower bound, extra or '')."""
    out = {}
    for line in meta.splitlines():
        m = re.match(r"Requires-Dist: ([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?[^;]*?>=\s*([0-9][0-9.]*)[^;]*"
                     r"(?:; extra == '(\w+)')?", line)
        if m:
            name = m[1].lower().replace("_", "-")
            if m[3] != "dev" or name not in out:
                out[name] = (m[2], m[3] or "")
    return out


def test_the_game_and_the_charts_are_extras(wheel):
    reqs = _requirements(_metadata(wheel))
    assert reqs["pygame-ce"][1] == "play" and reqs["matplotlib"][1] == "charts"
    for core in ("simpy", "numpy", "pyyaml", "pydantic", "tqdm"):
        assert reqs[core][1] == "", core
    dev = [line for line in _metadata(wheel).splitlines() if line.endswith("extra == 'dev'")]
    for needed in ("pygame-ce", "matplotlib", "dask"):  # pip install -e ".[dev]" still installs everything
        assert any(needed in line for line in dev), needed


def test_the_minimum_versions_file_pins_every_lower_bound(wheel):
    """.ci/minimum.txt (what .ci/run tests on the oldest Python) pins each dependency at the
    very version pyproject.toml names as its lower bound, so the bounds are the tested ones."""
    pins = {}
    for line in (ROOT / ".ci" / "minimum.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    reqs = _requirements(_metadata(wheel))

    def release(version: str) -> tuple[int, ...]:
        parts = [int(x) for x in version.split(".")]
        while parts and parts[-1] == 0:
            parts.pop()
        return tuple(parts)

    for name in ("simpy", "numpy", "pyyaml", "pydantic", "tqdm", "pygame-ce", "matplotlib"):
        assert name in pins, name
        assert release(pins[name]) == release(reqs[name][0]), (name, pins[name], reqs[name][0])
    assert tuple(int(x) for x in pins["pydantic"].split(".")[:2]) >= (2, 11)  # 2.6-2.10 cannot load the scenarios


def test_wheel_carries_the_docs_that_touchpoint_docs_shows(wheel, tmp_path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for page in ("reference/scenario.md", "reference/cli.md", "reference/scenario.schema.json", "index.md",
                 "tutorial/index.md", "how-to/localise-a-text.md"):
        assert f"sim/_bundled/docs/{page}" in names, page
    assert not [n for n in names if "screenshots" in n]  # pictures for the repository stay out
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    code = "from sim.cli import main; raise SystemExit(main(['docs', 'scenario']))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == (ROOT / "docs" / "reference" / "scenario.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    """The sdist, built offline by hatchling (the build backend) from this checkout, unpacked."""
    pytest.importorskip("hatchling", reason="hatchling (dev extra) builds the sdist")
    out = tmp_path_factory.mktemp("sdist")
    built = subprocess.run([sys.executable, "-c", "import sys, hatchling.build as b; print(b.build_sdist(sys.argv[1]))",
                            str(out)], cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    archive = out / built.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as tar:
        if sys.version_info >= (3, 12):
            tar.extractall(out / "unpacked", filter="data")
        else:
            tar.extractall(out / "unpacked")  # our own archive, just built
    return next((out / "unpacked").iterdir())


def test_sdist_holds_everything_its_tests_need(sdist):
    have = {p.relative_to(sdist).as_posix() for p in sdist.rglob("*") if p.is_file()}
    for name in ("LICENSE", "README.md", "pyproject.toml", "PKG-INFO", ".ci/run", ".ci/minimum.txt",
                 "assets/LICENSES/NotoSansSC-OFL.txt", "docs/gen_docs.py", "assets/fonts/build_fonts.py"):
        assert name in have, name
    for folder in ("sim", "scoring", "scenarios", "assets", "tests", "benchmarks", "docs"):
        want = {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
        assert want <= have, sorted(want - have)[:5]
    assert not [n for n in have if "__pycache__" in n or n.endswith(".pyc")]


def test_the_sdists_own_tests_pass(sdist):
    """A subset that leans on files outside the packages (docs/, templates, the schema). Whether
    the committed reference is up to date is the main suite's test; here, that the generator runs."""
    env = {**os.environ, "PYTHONPATH": str(sdist)}
    env.pop("TOUCHPOINT_NODE_MODULES", None)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                          "tests/test_docs_reference.py::test_stale_file_is_detected",
                          "tests/test_docs_reference.py::test_links_lead_somewhere", "tests/test_docs_cmd.py",
                          "tests/test_portability.py", "tests/test_new_cmd.py"],
                         cwd=sdist, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-1000:]
    assert str(sdist) in subprocess.run([sys.executable, "-c", "import sim; print(sim.__file__)"], cwd=sdist, env=env,
                                        capture_output=True, text=True).stdout  # it tested its own code


def test_the_repository_top_level_is_the_fixed_layout():
    """The design card fixes the top level; anything else belongs inside one of these folders
    (generators with what they generate, CI files under .ci/). Checked on what git tracks."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout (an unpacked sdist)")
    top = {line.split("/")[0] for line in listed.stdout.splitlines() if line}
    allowed = {"sim", "scoring", "scenarios", "assets", "tests", "benchmarks", "docs", "pyproject.toml",
               "README.md", "LICENSE", ".ci", ".gitignore"}
    assert top <= allowed, sorted(top - allowed)
