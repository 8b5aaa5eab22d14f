"""The bundled seeds are found from a source checkout and from a built wheel."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

from arb.loader import load_deals
from arb.resources import seeds_dir, snapshot_path

SEED_FILES = {"prices.csv", "enn-energy.toml", "black-sesame.toml"}


def test_seeds_found_in_the_checkout() -> None:
    found = seeds_dir()
    assert {p.name for p in found.iterdir()} >= SEED_FILES
    assert snapshot_path() == found / "prices.csv"
    result = load_deals([found])
    assert result.errors == []
    assert {d.id for d in result.deals} == {
        "enn-energy",
        "black-sesame-soc",
        "dongfeng-motor",
        "esr-group",
        "hang-seng-bank",
        "henlius",
        "norfolk-southern",
        "spectris",
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel without network: needs hatchling importable (no build isolation)."""
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed; pip install hatchling to build the wheel offline")
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    [whl] = out.glob("arb-*.whl")
    return whl


def test_wheel_ships_the_seeds(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in SEED_FILES:
        assert f"arb/_seeds/{name}" in names
    assert "arb/__init__.py" in names and "arb/resources.py" in names
    assert not any(n.startswith("tests/") for n in names)


def test_seeds_found_from_the_unpacked_wheel(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]);"
        "import arb, arb.resources as r;"
        "from arb.prices.csvfile import snapshot;"
        "print(json.dumps([arb.__file__, str(r.seeds_dir()), snapshot().quotes['2688.HK'].price]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(site)], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    module, seeds, price = json.loads(proc.stdout)
    assert Path(module).is_relative_to(site)  # the unpacked copy, not the checkout
    assert Path(seeds) == site / "arb" / "_seeds"
    assert price == 65.0
