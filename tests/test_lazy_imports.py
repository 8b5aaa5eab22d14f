"""`import arb` and `arb --help` must not import the heavy optional libraries.

Each check runs in a fresh interpreter (this process has imported everything already) through
:func:`conftest.probe`, which reads ``sys.modules`` there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import probe

HEAVY = ("yfinance", "matplotlib", "scipy")


def _probe(args: list[str] | None, home: Path, setup: str = "") -> tuple[Any, list[str], str]:
    return probe(args, watch=HEAVY, setup=setup, ARB_HOME=str(home), ARB_OFFLINE="1", NO_COLOR="1")


def test_import_arb_loads_no_heavy_library(tmp_path: Path) -> None:
    code, loaded, _ = _probe(None, tmp_path, "import arb\nimport arb.engine, arb.pricing, arb.loader")
    assert code == 0
    assert loaded == []


@pytest.mark.parametrize("args", [["--help"], ["report", "--help"], ["report", "--offline"]])
def test_cli_start_up_loads_no_heavy_library(args: list[str], tmp_path: Path) -> None:
    code, loaded, stdout = _probe(args, tmp_path)
    assert code == 0, stdout[-1500:]
    assert ("Usage" in stdout) if "--help" in args else ("enn-energy" in stdout)
    assert loaded == []


def test_the_probe_sees_a_heavy_import(tmp_path: Path) -> None:
    # Guard against a probe that could never fail: importing one of them must be seen, by the
    # setup alone and after a command.
    pytest.importorskip("matplotlib")
    assert _probe(None, tmp_path, "import matplotlib")[1] == ["matplotlib"]
    code, loaded, _ = _probe(["--help"], tmp_path, "import matplotlib")
    assert (code, loaded) == (0, ["matplotlib"])


def test_start_up_and_help_load_no_toml_parser_nor_openssl(tmp_path: Path) -> None:
    # A deal file's parsers (arb.tomlread) load when a file is read, hashlib's OpenSSL never on
    # these paths (the terms hash uses CPython's own SHA-256).
    watch = ("tomli", "rtoml", "_hashlib")
    for args in (["--help"], ["report", "--help"]):
        code, loaded, _ = probe(args, watch=watch, ARB_HOME=str(tmp_path), NO_COLOR="1")
        assert (code, loaded) == (0, []), args
    code, loaded, _ = probe(None, watch=watch, setup="import arb.tomlread; arb.tomlread.warm()", ARB_HOME=str(tmp_path))
    assert (code, sorted(loaded)) == (0, ["rtoml", "tomli"])  # the probe sees them


def test_reading_deal_files_imports_no_numpy(tmp_path: Path) -> None:
    # A helper process that reads deal files (arb.helperload) starts at once only if reading them
    # needs no numpy: numpy is imported by what prices them.
    setup = "import arb.loader, arb.resources\narb.loader.load_deals([arb.resources.seeds_dir()])"
    code, loaded, _ = probe(None, watch=("numpy",), setup=setup, ARB_HOME=str(tmp_path))
    assert (code, loaded) == (0, [])
    code, loaded, _ = probe(None, watch=("numpy",), setup=setup + "\nimport arb.pricing", ARB_HOME=str(tmp_path))
    assert (code, loaded) == (0, ["numpy"])  # the probe sees it
