"""arb.cli.main: a one-shot command runs without the cyclic garbage collector (it only costs time there)."""

from __future__ import annotations

import gc
import sys

import pytest

import arb.cli


def test_main_turns_the_cyclic_collector_off_for_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def fake_app(args: list[str], prog_name: str) -> None:
        seen.append(gc.isenabled())

    monkeypatch.setattr(arb.cli, "app", fake_app)
    monkeypatch.setattr(sys, "argv", ["arb", "report"])
    assert gc.isenabled()
    try:
        arb.cli.main()
        assert seen == [False]
    finally:
        gc.enable()
