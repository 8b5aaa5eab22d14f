"""Golden tests: the report and the show page as a user reads them, at a fixed width, no colour.

Regenerate after an intended change with ``ARB_REGEN_GOLDEN=1 pytest tests/test_report_golden.py``
and read the diff before committing it.
"""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from arb.cli.render import render_deal, render_report
from arb.loader import load_deals
from arb.prices.csvfile import snapshot
from arb.pricing import value_deals
from arb.resources import seeds_dir

GOLDEN = Path(__file__).parent / "golden"


def _text(renderable: object, width: int) -> str:
    buf = StringIO()
    Console(file=buf, width=width, color_system=None, legacy_windows=False).print(renderable)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ARB_REGEN_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seeded():
    deals = load_deals([seeds_dir()]).deals
    return value_deals(deals, snapshot(), today=dt.date(2026, 1, 1))


@pytest.mark.parametrize("width", [80, 100, 120, 160])
def test_report_golden(seeded, width):
    _check(f"report-{width}.txt", _text(render_report(seeded, width=width), width))


def test_show_golden(seeded):
    _check("show-enn-energy.txt", _text(render_deal(seeded.get("enn-energy"), seeded), 100))


def test_report_shows_the_article_figures(seeded):
    text = _text(render_report(seeded, width=120), 120)
    row = next(line for line in text.splitlines() if line.strip().startswith("enn-energy"))
    # Value excludes dividends and Div shows them, so Value + Div - Target = Spread on the row itself
    assert row.split()[1:7] == ["HKD", "65.00", "80.00", "0.00", "+15.00", "+23.1%"]


def test_show_golden_terms_undisclosed(seeded):
    text = _text(render_deal(seeded.get("black-sesame-soc"), seeded), 100)
    _check("show-black-sesame-soc.txt", text)
    assert "Acquirer price: 2533.HK 18.24 HKD" in text
    assert "Deal value" not in text  # no wall of dashes for a deal with nothing to value


def test_report_at_80_keeps_every_cell_whole_and_names_what_it_left_out(seeded):
    text = _text(render_report(seeded, width=80), 80)
    head = next(line for line in text.splitlines() if line.strip().startswith("Deal"))
    assert head.split() == ["Deal", "Ccy", "Target", "Value", "Spread", "%", "Days", "Ann.", "%", "Prob.", "Cond."]
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith(" ") and "HKD" in line}
    assert "black-sesame-soc" in rows and "norfolk-southern" not in rows  # ids whole (norfolk's row is USD)
    assert " norfolk-southern  USD " in text
    assert "Not shown at this width: Div, Spread, Next (" in " ".join(text.split())
    assert "…" not in text
    assert all(len(line) <= 80 for line in text.splitlines())
