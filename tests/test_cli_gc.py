"""arb.cli.main: a one-shot command runs without the cyclic garbage collector, and numpy without a BLAS thread pool
(both only cost time there)."""

from __future__ import annotations

import gc
import os
import sys

import pytest

import arb.cli


def test_main_turns_the_cyclic_collector_off_for_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def fake_app(args: list[str], prog_name: str) -> None:
        seen.append(gc.isenabled())

    monkeypatch.setattr(arb.cli, "_app_for", lambda args: fake_app)
    monkeypatch.setattr(sys, "argv", ["arb", "report"])
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)  # main sets it: put back after the test
    assert gc.isenabled()
    try:
        arb.cli.main()
        assert seen == [False]
        assert arb.cli.ONE_SHOT  # and the process is the console script's: helpers may fork (conftest resets it)
    finally:
        gc.enable()


def test_main_keeps_numpys_blas_to_one_thread_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arb.cli, "_app_for", lambda args: lambda args, prog_name: None)
    monkeypatch.setattr(sys, "argv", ["arb", "report"])
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    try:
        arb.cli.main()
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
        arb.cli.main()
        assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
    finally:
        gc.enable()
