"""The notebooks run top to bottom offline, and their committed outputs are the ones the code computes.

Each notebook runs in a fresh kernel (nbclient) talking over Unix sockets, so the suite's ban on
network sockets stays on; the notebooks themselves read only bundled files and files they write.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
#: Each notebook must run in well under this many seconds.
BUDGET_SECONDS = 30.0


def _text(nb: nbformat.NotebookNode) -> str:
    """Every text output of the notebook: streams, plain text and HTML."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out["text"])
            for kind in ("text/plain", "text/html"):
                if kind in out.get("data", {}):
                    parts.append(out["data"][kind])
    return "\n".join(parts)


def _images(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))


@pytest.fixture(autouse=True)
def _short_runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Kernel sockets are files here: a Unix socket path must stay under ~100 bytes, and absolute,
    since the kernel runs in the notebooks folder and the client in the test's."""
    with tempfile.TemporaryDirectory(prefix="nb", dir="/tmp") as short:
        monkeypatch.setenv("JUPYTER_RUNTIME_DIR", short)
        yield


def _run(name: str) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    sockets = os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], "kernel")
    km = KernelManager(kernel_name="python3", transport="ipc", ip=sockets)
    start = time.perf_counter()
    NotebookClient(nb, km=km, timeout=120, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb, time.perf_counter() - start


def _assert_committed_with_outputs(name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), f"{name}: commit it with its outputs"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), f"{name}: run top to bottom once"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    return nb


ENN_FACTS = (
    "deal value HK$80.00 against HK$65.00, spread HK$15.00 = 23.1%",
    "deal value from the A share: HK$79.9993; from the estimate: HK$79.9993",
    "H share from the A share: HK$18.8600 (estimate HK$18.86)",
)


def test_enn_energy_notebook_is_committed_with_its_outputs() -> None:
    nb = _assert_committed_with_outputs("enn_energy.ipynb")
    text = _text(nb)
    for fact in ENN_FACTS:
        assert fact in text
    assert _images(nb) == 4  # sensitivity (discount x A share), sensitivity (H price x close), payoff, expected return


def test_enn_energy_notebook_runs_offline() -> None:
    nb, seconds = _run("enn_energy.ipynb")
    text = _text(nb)
    for fact in ENN_FACTS:
        assert fact in text
    assert "estimate-used" in text
    assert _images(nb) == 4
    assert seconds < BUDGET_SECONDS


def test_watchlist_notebook_is_committed_with_its_outputs() -> None:
    nb = _assert_committed_with_outputs("watchlist.ipynb")
    text = _text(nb)
    assert "synthetic: illustrative path, not market data" in text
    assert "synthetic-price" in text
    assert _images(nb) == 4  # history, payoff, sensitivity, expected return


@pytest.fixture
def no_arb_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARB_HOME", raising=False)


def test_watchlist_notebook_runs_offline(no_arb_home: None) -> None:
    nb, seconds = _run("watchlist.ipynb")
    text = _text(nb)
    # Every price the notebook invents is labelled synthetic, and the valuations say so.
    assert "synthetic: illustrative path, not market data" in text
    assert "synthetic-price" in text
    # The hypothetical bump shows as a change of terms on the eleventh refresh.
    hist = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("hist = arb.history"))
    table = hist.outputs[0]["data"]["text/plain"]
    changed = [line for line in table.splitlines()[1:] if "True" in line]
    assert len(changed) == 1 and changed[0].split()[0] == "10"
    assert _images(nb) == 4
    assert seconds < BUDGET_SECONDS
