"""``arb new DEAL_ID``: a commented deal file to fill in, from one of five templates.

Every value the user must supply is a quoted ``"TODO: what it is, e.g. EXAMPLE"``: the file is
valid TOML from the start, and ``arb validate`` names each TODO left (``arb.loader.find_todos``)
instead of a type error. Replacing each quoted TODO by its example gives a file that validates;
the tests do exactly that for every template.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from arb.cli.common import error, note

__all__ = ["TEMPLATES", "fill_examples", "new", "render"]

_HEAD = """\
# {id}: {what}
# Fill in every "TODO" value (`arb validate {file}` lists the ones left), then delete the
# comments you no longer need. The format, key by key: docs/deal-format.md.
# Amounts are per target share, in major units (pounds, not pence); fractions, not percents.
id = "{id}"
name = "TODO: a short headline, e.g. 'Bigco buys Acme for US$50 a share'"
status = "announced"                    # rumoured | announced | pre-conditional | pending | completed | ...
announced = "TODO: the announcement date, e.g. 2026-01-15"
expected_close = "TODO: when the consideration is paid, e.g. 2026-09-30"   # an assumption? say so here
currency = "TODO: the deal currency, e.g. 'USD'"
downside = "TODO: where the target trades if the deal breaks, e.g. 38.0"   # delete if unknown

[target]
ticker = "TODO: the target's ticker, e.g. 'ACME'"
name = "TODO: the target's name, e.g. 'Acme Corp'"

[acquirer]
ticker = "TODO: the buyer's ticker (delete the line if it is not listed), e.g. 'BIGCO'"
name = "TODO: the buyer's name, e.g. 'Bigco Inc'"
"""

_CASH_LEG = """
[[consideration]]
kind = "cash"
amount = "TODO: cash per target share, e.g. 50.0"
currency = "TODO: the cash's currency, e.g. 'USD'"
"""

_STOCK_LEG = """
[[consideration]]
kind = "stock"
ratio = "TODO: acquirer shares per target share, e.g. 0.5"
ticker = "TODO: the shares' ticker, e.g. 'BIGCO'"
"""

_COLLAR_LEG = """
# A fixed value paid in shares, their price held inside a band for the share count:
# shares = value / clamp(price, low, high). For a fixed ratio with a collar, write ratio = ...
# instead of value = ... (docs/deal-format.md, "Collars").
[[consideration]]
kind = "stock"
value = "TODO: the value per target share, in the deal currency, e.g. 20.0"
ticker = "TODO: the shares' ticker, e.g. 'BIGCO'"
collar = "TODO: [low, high] in the shares' currency, e.g. [40.0, 50.0]"
"""

_SCHEME = """
# A scheme of arrangement: conditions, the timetable and the vote (docs/deal-format.md,
# "The deal's lifecycle"). Add a [[condition]] or [[event]] block per item; delete what you
# do not know yet.
[[condition]]
name = "TODO: what is needed, e.g. 'SAMR approval'"
kind = "regulatory"                     # regulatory | shareholder | court | listing | financing | other
status = "pending"                      # pending | met | waived | failed (met needs a date)

[[event]]
kind = "meeting"                        # court meeting and EGM
date = "TODO: the meeting's date, e.g. 2026-05-20"

[[event]]
kind = "long-stop"
date = "TODO: the long-stop date, e.g. 2026-12-31"

[vote]
rule = "hk-scheme"                      # hk-scheme | uk-scheme | majority-outstanding | tender
shares_outstanding = "TODO: shares in issue, e.g. 1000000000"
disinterested_shares = "TODO: shares not held by the offeror and its concert parties, e.g. 600000000"
"""

_SOURCE = """
[[source]]
title = "TODO: the article's or filing's title, e.g. 'Bigco to buy Acme'"
publisher = "TODO: who published it, e.g. 'Reuters'"
date = "TODO: its date, e.g. 2026-01-15"
"""

#: Template name -> (what it describes, its body after the common head).
TEMPLATES: dict[str, tuple[str, str]] = {
    "cash": ("a cash offer", _CASH_LEG),
    "stock": ("shares of the acquirer at a fixed ratio", _STOCK_LEG),
    "cash-stock": ("cash plus shares of the acquirer", _CASH_LEG + _STOCK_LEG),
    "scheme": ("a cash scheme of arrangement, with its conditions, timetable and vote", _CASH_LEG + _SCHEME),
    "collar": ("a fixed value in shares with a collar", _COLLAR_LEG),
}

_ID_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
#: A TODO marker and its example: "TODO: what, e.g. EXAMPLE" (the example is TOML).
_TODO_RE = re.compile(r'"TODO: [^"\n]*?, e\.g\. ([^"\n]+)"')


def render(deal_id: str, template: str, file_name: str) -> str:
    """The text of a new deal file."""
    what, body = TEMPLATES[template]
    return _HEAD.format(id=deal_id, what=what, file=file_name) + body + _SOURCE


def fill_examples(text: str) -> str:
    """Every quoted TODO replaced by its example (a file that validates; for tests and demos)."""
    return _TODO_RE.sub(lambda m: m.group(1), text)


def new(
    deal_id: Annotated[
        str, typer.Argument(metavar="DEAL_ID", help="The deal's id: lower-case words and hyphens.", show_default=False)
    ],
    template: Annotated[
        str,
        typer.Option(
            "--template",
            "-t",
            metavar="[cash|stock|cash-stock|scheme|collar]",
            help="The shape of the consideration.",
        ),
    ] = "cash",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="A .toml file, or a folder to write DEAL_ID.toml in (default: ./DEAL_ID.toml).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented deal file to fill in; `arb validate` lists the TODOs left."""
    if not _ID_RE.fullmatch(deal_id):
        error(f"{deal_id!r} is not a deal id; use lower-case letters, digits and hyphens, e.g. acme-widgets")
        raise typer.Exit(2)
    if template not in TEMPLATES:
        error(f"--template {template!r}: choose one of {', '.join(TEMPLATES)}")
        raise typer.Exit(2)
    path = output if output is not None else Path(f"{deal_id}.toml")
    try:
        if path.suffix.lower() != ".toml" and path.exists() and not path.is_dir():
            error(f"{path}: is a file, not a folder; give --output a .toml file name or a folder")
            raise typer.Exit(1)
        if path.is_dir() or path.suffix.lower() != ".toml":  # a folder, made if need be
            path = path / f"{deal_id}.toml"
        exists = path.exists()
    except OSError as exc:
        error(f"{path}: cannot be looked up ({exc.strerror or exc})")
        raise typer.Exit(1) from None
    if exists and not force:
        error(f"{path}: already exists; pass --force to overwrite it, or choose another --output")
        raise typer.Exit(1)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(deal_id, template, path.name), encoding="utf-8")
    except OSError as exc:
        error(f"{path}: cannot write it ({exc.strerror or exc})")
        raise typer.Exit(1) from None
    note(f"wrote {path} ({template}); fill in the TODOs, then run `arb validate {path}`")
