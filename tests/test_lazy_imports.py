"""`import arb` and `arb --help` must not import the heavy optional libraries.

Each check runs in a fresh interpreter (this process has imported everything already) and
reads ``sys.modules`` there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("yfinance", "matplotlib", "scipy")

_REPORT = """
import json, sys
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
sys.stderr.write("\\nLOADED:" + json.dumps(heavy) + "\\n")
"""

_CLI = """
import sys
sys.argv = ["arb", *ARGS]
from arb.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stderr.write("\\nEXIT:" + str(code) + "\\n")
"""


def _loaded(code: str, tmp_path: object) -> tuple[list[str], str, str]:
    env = dict(os.environ, ARB_HOME=str(tmp_path), ARB_OFFLINE="1", NO_COLOR="1")
    proc = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{code}\n{_REPORT}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    marker = [line for line in proc.stderr.splitlines() if line.startswith("LOADED:")]
    assert marker, f"the probe did not finish: {proc.stderr[-1500:]}"
    return json.loads(marker[-1][len("LOADED:") :]), proc.stdout, proc.stderr


def test_import_arb_loads_no_heavy_library(tmp_path: object) -> None:
    loaded, _, _ = _loaded("import arb\nimport arb.engine, arb.pricing, arb.loader", tmp_path)
    assert loaded == []


@pytest.mark.parametrize("args", [["--help"], ["report", "--help"], ["report", "--offline"]])
def test_cli_start_up_loads_no_heavy_library(args: list[str], tmp_path: object) -> None:
    loaded, stdout, stderr = _loaded(_CLI.replace("ARGS", repr(args)), tmp_path)
    assert "EXIT:0" in stderr, stderr[-1500:]
    assert ("Usage" in stdout) if "--help" in args else ("enn-energy" in stdout)
    assert loaded == []


def test_the_probe_sees_a_heavy_import(tmp_path: object) -> None:
    # Guard against a probe that could never fail: importing one of them must be seen.
    pytest.importorskip("matplotlib")
    loaded, _, _ = _loaded("import matplotlib", tmp_path)
    assert loaded == ["matplotlib"]
