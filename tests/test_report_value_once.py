"""``arb report`` values its deals once, also when it leaves out deals announced after the as-of.

It used to value the shown deals a second time (every price fetched again); it now drops the
later deals' results. The shown deals' figures are the same as in ``--all`` (which hides nothing).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

import arb.pricing
from arb.cli import app


def _records(args: list[str]) -> tuple[dict[str, Any], str]:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 1), result.output
    return {r["id"]: r for r in json.loads(result.stdout)}, result.stderr


def test_later_deals_left_out_after_one_valuation(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = arb.pricing.value_deals

    def counting(deals: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(deals))
        return real(deals, *args, **kwargs)

    monkeypatch.setattr(arb.pricing, "value_deals", counting)
    shown, stderr = _records(["report", "--offline"])
    assert "announced after the as-of" in stderr  # the seeds have later deals at the snapshot's date
    assert len(calls) == 1
    every, _ = _records(["report", "--offline", "--all"])
    later = {i for i, r in every.items() if "not-yet-announced" in r["flags"]}
    assert later and not later & set(shown)
    for deal_id, record in shown.items():
        assert record == every[deal_id], deal_id  # the same figures as valued with every deal
