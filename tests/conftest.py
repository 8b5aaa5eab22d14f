"""Shared fixtures. Each section below belongs to one area of the suite; append, don't rewrite."""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from arb.models import Deal
from arb.prices.base import MemorySource
from arb.pricing import Valuation, value_deals

# =====================================================================================
# Section: environment and paths (core suite)
# =====================================================================================

TESTS = Path(__file__).parent
DATA = TESTS / "data"
DEALS = DATA / "deals"
REPO = TESTS.parent

#: The as-of date the hand-made deals are valued at: ordinal arithmetic in the tests uses it.
AS_OF = dt.date(2025, 6, 20)


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep caches and config out of the user's home; no colour codes in captured output."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for var in ("ARB_HOME", "ARB_CACHE_DIR", "ARB_OFFLINE", "ARB_YAHOO_CLIENT"):
        monkeypatch.delenv(var, raising=False)
    # libcurl's sockets escape pytest-socket: make any live Yahoo path use requests, which it blocks.
    monkeypatch.setenv("ARB_HTTP_CLIENT", "requests")
    # A test that calls arb.cli.main() makes this process the console script's (helpers may fork):
    # put it back after each test (tests/test_helperload.py sets it where it wants helpers).
    import arb.cli

    monkeypatch.setattr(arb.cli, "ONE_SHOT", False)


@pytest.fixture
def deals_dir() -> Path:
    """``tests/data/deals``: valid deals under ``valid/``, one bad file per case under ``invalid/``."""
    return DEALS


# =====================================================================================
# Section: building and valuing deals in memory (core suite)
# =====================================================================================

#: The top of a deal file the tests complete with legs: target T.HK, 194 days from AS_OF to close.
DEAL_HEAD = """\
id = "{id}"
name = "Test deal {id}"
status = "pending"
announced = 2025-01-02
expected_close = 2025-12-31
currency = "{currency}"
{extra}
[target]
ticker = "{target}"
"""


def deal_toml(body: str, *, id: str = "t", currency: str = "HKD", target: str = "T.HK", extra: str = "") -> str:
    """A full deal file: ``DEAL_HEAD`` then ``body`` (legs, securities, dividends)."""
    return DEAL_HEAD.format(id=id, currency=currency, target=target, extra=extra) + "\n" + body


def make_deal(body: str, **head: str) -> Deal:
    """Validate a deal from TOML text built by :func:`deal_toml`."""
    return Deal.model_validate(tomllib.loads(deal_toml(body, **head)))


Prices = Mapping[str, tuple[float, str]]


def memory(prices: Prices) -> MemorySource:
    """A price source from ``{symbol: (price, currency)}``."""
    return MemorySource({s: p for s, (p, _) in prices.items()}, {s: c for s, (_, c) in prices.items()})


def value(deals: Deal | Sequence[Deal], prices: Prices, *, as_of: dt.date = AS_OF) -> Valuation:
    """Value one deal or several with in-memory prices at ``as_of``."""
    seq = [deals] if isinstance(deals, Deal) else list(deals)
    return value_deals(seq, memory(prices), as_of=as_of)


@pytest.fixture
def deal() -> Callable[..., Deal]:
    return make_deal


@pytest.fixture
def valued() -> Callable[..., Valuation]:
    return value


# =====================================================================================
# Section: settings (config.toml and ARB_* variables; issue 13)
# =====================================================================================


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's ARB_DEALS, ARB_TIMEOUT... must not change what the suite sees (see arb.config.ENV)."""
    from arb.config import ENV

    for var in ENV.values():
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder (store, watchlist, config) and cache for a test that writes them, online by default."""
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ARB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ARB_OFFLINE", raising=False)
    monkeypatch.delenv("ARB_STORE_TEST_PAUSE", raising=False)
    return tmp_path / "home"


#: Wall-clock budget for one pathological article in the extract tests: the linear rules read each
#: in well under a second; a rule gone quadratic takes far longer (10 s and more for the old code).
BUDGET_S = 5


@contextlib.contextmanager
def budget(seconds: float = BUDGET_S) -> Iterator[None]:
    """Fail (not hang) when the block runs longer than ``seconds``: a step no longer linear in the
    article's length. (A guard against a hang, not a timing: timings live in benchmarks/.)"""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"over {seconds} s: a step is no longer linear in the article's length")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: What :func:`probe` runs after ``setup`` and the lines setting ARGS and WATCH.
_PROBE = """
import json, sys
if ARGS is None:
    code = 0
else:
    sys.argv = ["arb", *ARGS]
    from arb.cli import main
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(WATCH))
sys.stderr.write("\\nPROBE:" + json.dumps([code, loaded]) + "\\n")
"""

#: The packages :func:`probe` looks for by default: those the warm report path must not import.
PYDANTIC = ("pydantic", "pydantic_core")


def probe(
    args: list[str] | None, *, watch: Sequence[str] = PYDANTIC, setup: str = "", **env: str
) -> tuple[Any, list[str], str]:
    """Run ``arb ARGS`` in a fresh process (this environment plus ``env``): its exit code, which of
    the top-level packages in ``watch`` it imported (sorted; pydantic and pydantic_core unless
    told), and its stdout.

    ``setup`` is Python run first in that process (``import arb``); with ``args`` None only it runs
    (the exit code is then 0).
    """
    import json
    import os
    import subprocess
    import sys

    code = f"{setup}\nARGS = {args!r}\nWATCH = {tuple(watch)!r}\n{_PROBE}"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, **env),
        timeout=120,
        check=False,
    )
    marker = [line for line in proc.stderr.splitlines() if line.startswith("PROBE:")]
    assert marker, f"the probe did not finish: {proc.stderr[-1500:]}"
    exit_code, loaded = json.loads(marker[-1][len("PROBE:") :])
    return exit_code, loaded, proc.stdout
