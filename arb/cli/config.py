"""``arb config init|show``: write the settings file, show the effective settings and their origins."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from arb.cli.common import error, note, out, print_json
from arb.errors import ArbError
from arb.text import safe

__all__ = ["app"]

app = typer.Typer(
    name="config",
    help="Settings in <data folder>/config.toml; ARB_* variables override them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", metavar="FILE", help="The settings file (default: <data folder>/config.toml)."),
]


def _shown(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) if value else "(none)"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value) if value != "" else "(none)"


#: Cost settings that are fractions (docs/costs.md): the terminal shows them as percents.
_FRACTIONS = ("funding_rate", "borrow_fee", "rebate", "stamp_duty", "levies", "probability")


def _percent(x: float) -> str:
    return f"{x * 100:.6g}%"


def _cost_shown(key: str, value: Any) -> str:
    """A cost rate as the terminal shows figures: a fraction as a percent (0.045 is 4.5%), a
    stamp duty's sides by name, commission in basis points; JSON keeps the fractions."""
    if value is None:
        return "not set"
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if key.split(".")[0] in _FRACTIONS:
        if numeric:
            return _percent(float(value))
        if isinstance(value, dict) and all(isinstance(v, int | float) for v in value.values()):
            return ", ".join(f"{side} {_percent(float(v))}" for side, v in value.items())
    if key == "commission_bps" and numeric:
        return f"{float(value):g} bp"
    return _shown(value)


@app.command("init", epilog='Example: arb config init && $EDITOR "$(arb config path)"')
def init(
    config: ConfigOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented settings file with every key and its default."""
    from arb.config import TEMPLATE, config_path

    path = config if config is not None else config_path()
    try:
        exists = path.exists()
    except OSError as exc:
        error(f"{path}: cannot be looked up ({exc.strerror or exc})")
        raise typer.Exit(1) from None
    if exists and not force:
        error(f"{path}: already exists; pass --force to overwrite it, or edit it")
        raise typer.Exit(1)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(TEMPLATE, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        error(f"{path}: cannot write it ({exc.strerror or exc})")
        raise typer.Exit(1) from None
    note(f"wrote {path}")


@app.command("show", epilog="Example: ARB_TIMEOUT=5 arb config show")
def show(
    config: ConfigOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON: each key's value and origin.")] = False,
) -> None:
    """Show each setting's effective value and where it came from: default, file or env."""
    from arb.config import ENV, load_config
    from arb.costs import effective_costs, parse_costs

    try:
        cfg = load_config(config)
        table_costs = cfg.section("costs")
        costs = effective_costs(parse_costs(table_costs, cfg.path) if table_costs else None)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    if json_out:
        print_json(
            {
                "path": str(cfg.path),
                "exists": cfg.path.exists(),
                "settings": {
                    k: {"value": list(v) if isinstance(v, tuple) else v, "origin": cfg.origins[k], "env": ENV[k]}
                    for k, v in cfg.values.items()
                },
                "sections": {k: dict(v) for k, v in cfg.sections.items()},
                "costs": [{"key": k, "value": v, "origin": o} for k, v, o in costs],
            }
        )
        return
    state = "" if cfg.path.exists() else " (no such file: defaults and environment only)"
    out.print(safe(f"Settings file: {cfg.path}{state}"), highlight=False)
    table = Table(header_style="bold", pad_edge=False)
    table.add_column("Key", no_wrap=True)
    table.add_column("Value", overflow="fold")
    table.add_column("From", no_wrap=True)
    table.add_column("Variable", no_wrap=True, style="dim")
    for key, value in cfg.values.items():
        table.add_row(key, safe(_shown(value)), cfg.origin(key).split(" ")[0], ENV[key])
    out.print(table)
    # The cost rates a deal without its own [costs] uses (docs/costs.md): config over built-in.
    rates = Table(header_style="bold", pad_edge=False, title="Costs", title_justify="left")
    for name in ("Key", "Value", "From"):
        rates.add_column(name, overflow="fold")
    for key, value, origin in costs:
        rates.add_row(safe(key), safe(_cost_shown(key, value)), origin)
    out.print(rates)
    if cfg.sections:
        out.print(
            safe("Other tables (read by their own commands): " + ", ".join(sorted(cfg.sections))), highlight=False
        )


@app.command("path", epilog="Example: arb config path")
def path() -> None:
    """Print where the settings file is (or would be)."""
    from arb.config import config_path

    out.print(safe(str(config_path())), highlight=False)
