"""``arb``'s lazy re-exports: every public name resolves, and the lazy map matches ``__all__``."""

from __future__ import annotations

import arb


def test_lazy_map_matches_all():
    assert set(arb._EXPORTS) == set(arb.__all__)
    assert arb.__all__ == sorted(arb.__all__)


def test_every_export_resolves_to_its_module():
    for name, module in arb._EXPORTS.items():
        obj = getattr(arb, name)
        assert obj is not None
        assert getattr(obj, "__module__", module).startswith("arb"), name


def test_unknown_name_is_an_attribute_error():
    try:
        arb.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_cli_timeout_default_matches_the_library():
    from arb.cli.refresh import DEFAULT_TIMEOUT as CLI_DEFAULT
    from arb.refresh import DEFAULT_TIMEOUT

    assert CLI_DEFAULT == DEFAULT_TIMEOUT


def test_store_columns_hold_every_figure():
    from arb.engine import FIGURES
    from arb.store.schema import METRICS

    assert tuple(METRICS) == tuple(FIGURES)


def test_the_submodules_the_readme_names_resolve_after_a_plain_import():
    # README: `arb.frames.DEAL_COLUMNS`, `arb.charts.payoff`; docs/figures.md: arb.flags. A fresh
    # process, so no earlier test has imported them already.
    import subprocess
    import sys

    code = (
        "import sys, arb\n"
        "assert 'matplotlib' not in sys.modules\n"
        "assert 'name' in arb.frames.DEAL_COLUMNS and 'blocked' in arb.frames.FLAG_FAMILIES\n"
        "assert callable(arb.charts.payoff) and 'no-price' in arb.flags.FLAGS\n"
        "assert 'matplotlib' not in sys.modules  # charts imports it only to draw\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
