"""``arb new``: each template is valid TOML, validate names every TODO left, and it validates once filled."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arb.cli import app
from arb.cli.new import TEMPLATES, fill_examples
from arb.loader import find_todos, load_deal

runner = CliRunner()


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_template_lists_its_todos_then_validates_when_filled(template: str, tmp_path: Path) -> None:
    path = tmp_path / "deals" / "acme-bid.toml"
    res = runner.invoke(app, ["new", "acme-bid", "--template", template, "-o", str(tmp_path / "deals") + "/"])
    assert res.exit_code == 0, res.output
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)  # valid TOML before anything is filled
    todos = [k for k, _ in find_todos(data)]
    assert "name" in todos and "target.ticker" in todos and len(todos) >= 10

    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 1
    assert f"{path}: name: still a TODO" in res.stderr
    assert all(k in res.stderr for k in todos)  # every TODO named, none hidden

    # fill all but the last TODO: validate names exactly that one
    markers = list(re.finditer(r'"TODO: [^"\n]*?, e\.g\. ([^"\n]+)"', text))
    assert len(markers) == len(todos)
    last = markers[-1]
    partial = fill_examples(text[: last.start()]) + text[last.start() :]
    path.write_text(partial, encoding="utf-8")
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 1 and f": {todos[-1]}: still a TODO" in res.stderr and "more TODO" not in res.stderr

    path.write_text(fill_examples(text), encoding="utf-8")
    deal = load_deal(path)
    assert deal.id == "acme-bid"
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 0, res.output


def test_the_legs_match_the_template(tmp_path: Path) -> None:
    kinds = {}
    for template in TEMPLATES:
        path = tmp_path / f"{template}.toml"
        assert runner.invoke(app, ["new", "x-deal", "-t", template, "-o", str(path)]).exit_code == 0
        path.write_text(fill_examples(path.read_text(encoding="utf-8")), encoding="utf-8")
        deal = load_deal(path)
        kinds[template] = [leg.kind for leg in deal.consideration]
    assert kinds == {
        "cash": ["cash"],
        "stock": ["stock"],
        "cash-stock": ["cash", "stock"],
        "scheme": ["cash"],
        "collar": ["stock"],
    }
    collar = load_deal(tmp_path / "collar.toml").consideration[0]
    assert collar.collar is not None and tuple(collar.collar) == (40.0, 50.0)
    scheme = load_deal(tmp_path / "scheme.toml")
    assert scheme.vote is not None and scheme.vote.rule == "hk-scheme"


def test_new_refuses_to_overwrite_and_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["new", "acme"]).exit_code == 0
    assert (tmp_path / "acme.toml").exists()
    (tmp_path / "acme.toml").write_text("# mine\n", encoding="utf-8")
    res = runner.invoke(app, ["new", "acme"])
    assert res.exit_code == 1 and "already exists" in res.stderr
    assert (tmp_path / "acme.toml").read_text(encoding="utf-8") == "# mine\n"
    assert runner.invoke(app, ["new", "acme", "--force"]).exit_code == 0
    res = runner.invoke(app, ["new", "Acme Bid"])
    assert res.exit_code == 2 and "not a deal id" in res.stderr
    res = runner.invoke(app, ["new", "acme2", "--template", "swap"])
    assert res.exit_code == 2 and "cash, stock, cash-stock, scheme, collar" in res.stderr


def test_free_text_may_say_todo(tmp_path: Path) -> None:
    assert find_todos({"notes": "TODO: ask the broker", "source": [{"note": "TODO: page 3"}]}) == []
    assert find_todos({"target": {"ticker": "TODO: which listing?"}}) == [("target.ticker", "'which listing?'")]
    assert find_todos({"name": "TODO list maker"}) == []  # a name, not a marker
