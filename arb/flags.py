"""The flags a valuation raises on a deal: one table of name, meaning and the figures each blocks.

Every flag raised anywhere is a member of :class:`Flag` and has a row in :data:`FLAGS`. A row's
``blocks`` names the figures the flag can leave without a value; the place that raises the flag
says which of them it blocks when there is more than one (``no-price`` on the target blocks
``target_price``, on a leg ``deal_value``). A blocked figure is null in every output (report,
show, JSON, CSV, the API), and so is every figure computed from it (:data:`DEPENDS`): a spread
is never shown when its deal value is not known.

The rule this table keeps: every figure is finite and follows its definition, or it is null and
at least one of the deal's flags blocks it. ``docs/figures.md`` lists this table; a test checks
that the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from arb.fields import FrozenValueFields

__all__ = [
    "DEPENDS",
    "FLAGS",
    "NET_DEPENDS",
    "Flag",
    "FlagSpec",
    "blocked_by",
    "closure",
    "explains",
    "flags_markdown",
    "net_closure",
]


class Flag(StrEnum):
    """A flag's name, as it appears in ``flags`` of every output."""

    NO_PRICE = "no-price"
    NO_FX_RATE = "no-fx-rate"
    TARGET_UNLISTED = "target-unlisted"
    NO_DEAL_CURRENCY = "no-deal-currency"
    TERMS_UNDISCLOSED = "terms-undisclosed"
    NOT_YET_ANNOUNCED = "not-yet-announced"
    NO_CLOSE_DATE = "no-close-date"
    CLOSE_DATE_PASSED = "close-date-passed"
    DIVIDENDS_UNKNOWN = "dividends-unknown"
    NO_DOWNSIDE = "no-downside"
    VALUE_BELOW_DOWNSIDE = "value-below-downside"
    VALUE_AT_DOWNSIDE = "value-at-downside"
    PRICE_ABOVE_VALUE = "price-above-value"
    PRICE_BELOW_DOWNSIDE = "price-below-downside"
    OVERFLOW = "overflow"
    ESTIMATE_USED = "estimate-used"
    IMPLAUSIBLE = "implausible"
    OUTSIDE_COLLAR = "outside-collar"
    STALE_PRICE = "stale-price"
    SYNTHETIC_PRICE = "synthetic-price"
    POSSIBLY_SUSPENDED = "possibly-suspended"
    PRICE_AFTER_AS_OF = "price-after-as-of"
    COMPLETED = "completed"
    TERMINATED = "terminated"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"
    PRE_CONDITIONAL = "pre-conditional"
    CONDITION_FAILED = "condition-failed"
    VOTE_FAILED = "vote-failed"
    LONG_STOP_PASSED = "long-stop-passed"
    PRICING_PERIOD = "pricing-period"
    COSTS_DEFAULT = "costs-default"
    NO_COST_RATE = "no-cost-rate"
    NO_PROBABILITY = "no-probability"
    NO_BREAK_EVEN = "no-break-even"
    NO_NET_ANNUALIZED = "no-net-annualized"


@dataclass(init=False, repr=False, eq=False)  # frozen, equal and hashed by its fields: FrozenValueFields
class FlagSpec(FrozenValueFields):
    """One row of the table: what the flag means and the figures it may block (none: a warning)."""

    flag: Flag
    meaning: str
    blocks: tuple[str, ...] = ()
    #: True when each raise blocks one of ``blocks`` (named where it is raised), not all of them.
    one_of: bool = False
    #: The net figures (:data:`NET_DEPENDS`, only where costs are set) the flag blocks besides.
    net_blocks: tuple[str, ...] = ()


_ROWS = (
    FlagSpec(
        Flag.NO_PRICE,
        "A price the deal needs was not found: the target's (blocks target_price), or a stock leg's security, its "
        "proxy and its estimate (blocks deal_value), or a listing the hedge is short owes a dividend in the window "
        "and its hedge is unknown (blocks dividends).",
        ("target_price", "deal_value", "dividends"),
        one_of=True,
    ),
    FlagSpec(
        Flag.NO_FX_RATE,
        "A conversion the valuation needs has no rate: neither the pair, nor its inverse, nor both legs against "
        "USD. For the target's price (blocks target_price), a leg (blocks deal_value) or a dividend inside the "
        "window (blocks dividends). A rate is never taken as 1.",
        ("target_price", "deal_value", "dividends"),
        one_of=True,
    ),
    FlagSpec(Flag.TARGET_UNLISTED, "The target has no listing, so no price.", ("target_price",)),
    FlagSpec(
        Flag.NO_DEAL_CURRENCY,
        "The deal currency is unknown (no currency key, no target price, no cash leg): nothing can be converted "
        "into it. Set currency in the deal file.",
        ("deal_value", "dividends"),
    ),
    FlagSpec(
        Flag.TERMS_UNDISCLOSED,
        "The deal file has no consideration: nothing to value until the terms are known.",
        ("deal_value", "dividends"),
    ),
    FlagSpec(
        Flag.NOT_YET_ANNOUNCED,
        "The deal was announced after the as-of date: on that date there were no terms to value (no look-ahead). "
        "arb report leaves such deals out unless --all.",
        ("deal_value", "dividends"),
    ),
    FlagSpec(
        Flag.NO_CLOSE_DATE,
        "The deal file has no expected_close: no days to close, so no annualised return.",
        ("days_to_close",),
    ),
    FlagSpec(
        Flag.CLOSE_DATE_PASSED,
        "expected_close is on or before the as-of date: no time left to annualise over, nor to carry the position for.",
        ("annualized", "annualized_simple"),
        net_blocks=(
            "deferred_discount",
            "funding_cost",
            "borrow_cost",
            "rebate",
            "break_even_days",
            "break_even_funding_rate",
        ),
    ),
    FlagSpec(
        Flag.DIVIDENDS_UNKNOWN,
        "A dividend goes ex after the as-of date but the deal has no expected_close, so whether it falls "
        "before the close is unknown: no dividends figure, and so no spread.",
        ("dividends",),
    ),
    FlagSpec(Flag.NO_DOWNSIDE, "The deal file gives no downside: no implied probability.", ("downside",)),
    FlagSpec(
        Flag.VALUE_BELOW_DOWNSIDE,
        "Deal value plus dividends is below the downside: completing is worth less than breaking, and the "
        "implied probability has no meaning.",
        ("implied_probability",),
    ),
    FlagSpec(
        Flag.VALUE_AT_DOWNSIDE,
        "Deal value plus dividends equals the downside: the price says nothing about the odds (0 / 0 or x / 0).",
        ("implied_probability",),
    ),
    FlagSpec(
        Flag.PRICE_ABOVE_VALUE,
        "The target trades above deal value plus dividends: the market expects a better offer or doubts the "
        "terms; the implied probability would be above 1.",
        ("implied_probability",),
    ),
    FlagSpec(
        Flag.PRICE_BELOW_DOWNSIDE,
        "The target trades below the downside: the downside is too high or the market fears worse than a break; "
        "the implied probability would be below 0.",
        ("implied_probability",),
    ),
    FlagSpec(
        Flag.OVERFLOW,
        "A figure too large to represent (an annualised return over a few days, say): shown as null.",
        ("spread", "spread_pct", "annualized", "annualized_simple", "implied_probability"),
        one_of=True,
        net_blocks=("net_annualized", "net_annualized_simple"),
    ),
    FlagSpec(
        Flag.ESTIMATE_USED,
        "A security is valued at the fixed estimate in the deal file; the note says why (no proxy, no price for "
        "the proxy, or a proxy priced in a currency with no rate).",
    ),
    FlagSpec(
        Flag.IMPLAUSIBLE,
        "A figure is shown but looks wrong: a spread beyond +/-50% of the target price, a target price more than "
        "10x away from its last stored price, or an estimate more than 50% away from what the proxy gives.",
    ),
    FlagSpec(Flag.OUTSIDE_COLLAR, "A collared security's price is outside its collar."),
    FlagSpec(Flag.STALE_PRICE, "A price fell back from the live source, or is more than 5 days older than as-of."),
    FlagSpec(Flag.SYNTHETIC_PRICE, "A price is synthetic test data."),
    FlagSpec(Flag.POSSIBLY_SUSPENDED, "A listing shows no trade for several sessions; the note says since when."),
    FlagSpec(
        Flag.PRICE_AFTER_AS_OF,
        "A symbol has prices dated only after the as-of date; none is used (no look-ahead).",
    ),
    FlagSpec(Flag.COMPLETED, "The deal is completed."),
    FlagSpec(Flag.TERMINATED, "The deal is terminated."),
    FlagSpec(Flag.LAPSED, "The deal lapsed: a condition was not met (a vote, an approval) by its date."),
    FlagSpec(Flag.WITHDRAWN, "The offer was withdrawn."),
    FlagSpec(
        Flag.PRE_CONDITIONAL,
        "The offer is pre-conditional: it is made only once its pre-conditions are met, and the timetable "
        "(scheme document, meetings) starts then.",
    ),
    FlagSpec(Flag.CONDITION_FAILED, "A condition of the deal failed (the note names it): the deal may not close."),
    FlagSpec(
        Flag.VOTE_FAILED,
        "The entered vote result does not carry the deal under its rule (the note gives the arithmetic).",
    ),
    FlagSpec(
        Flag.LONG_STOP_PASSED,
        "The long-stop date is on or before the as-of date and the deal is still open: either side may walk away. "
        "Blocks the annualised returns to the long-stop (annualized_long_stop, annualized_simple_long_stop).",
    ),
    FlagSpec(
        Flag.PRICING_PERIOD,
        "A leg's shares are set by the average over a pricing period, and the spot price stands in for some of "
        "its days: the period has not started, or closes of days already passed are missing; the note says how "
        "many days are fixed.",
    ),
    FlagSpec(
        Flag.COSTS_DEFAULT,
        "Costs are set for the deal, and some rates came from arb's built-in table (neither the deal file's "
        "[costs] nor the config file gives them); the note names each.",
    ),
    FlagSpec(
        Flag.NO_COST_RATE,
        "Costs are set for the deal, but a rate they need (the funding rate of the deal currency, a shorted "
        "listing's borrow fee, a market's stamp duty or levies) is in neither the deal file, the config file nor "
        "the built-in table: no net figures.",
        net_blocks=("deferred_discount", "funding_cost", "borrow_cost", "rebate", "trading_cost"),
    ),
    FlagSpec(
        Flag.NO_PROBABILITY,
        "Costs are set for the deal but no probability of completion is chosen ([costs] probability): no net "
        "expected return.",
        net_blocks=("net_expected_return",),
    ),
    FlagSpec(
        Flag.NO_BREAK_EVEN,
        "The net spread is below zero however soon the deal closes (trading costs exceed the spread), or "
        "carrying costs nothing a day: no break-even days.",
        net_blocks=("break_even_days",),
    ),
    FlagSpec(
        Flag.NO_NET_ANNUALIZED,
        "No compound net annualised return exists: the net loss is more than the price paid (1 + net spread % "
        "below 0), or the dated cash flows of a deferred payment have no rate from -99% to 999,900% a year.",
        net_blocks=("net_annualized",),
    ),
)

#: The table: every flag, its meaning and the figures it may block.
FLAGS: dict[Flag, FlagSpec] = {row.flag: row for row in _ROWS}

#: Each computed figure and the figures it is computed from (the definitions in :mod:`arb.engine`).
DEPENDS: dict[str, tuple[str, ...]] = {
    "target_price": (),
    "deal_value": (),
    "dividends": (),
    "spread": ("deal_value", "dividends", "target_price"),
    "spread_pct": ("spread", "target_price"),
    "days_to_close": (),
    "annualized": ("spread_pct", "days_to_close"),
    "annualized_simple": ("spread_pct", "days_to_close"),
    "downside": (),
    "implied_probability": ("target_price", "deal_value", "dividends", "downside"),
}


#: Each net figure (:mod:`arb.costs`) and the figures it is computed from (gross or net).
NET_DEPENDS: dict[str, tuple[str, ...]] = {
    "deferred_discount": ("deal_value", "days_to_close"),
    "funding_cost": ("target_price", "days_to_close"),
    "borrow_cost": ("deal_value", "days_to_close"),
    "rebate": ("deal_value", "days_to_close"),
    "trading_cost": ("target_price", "deal_value"),
    "carry_cost": ("funding_cost", "borrow_cost", "rebate", "trading_cost"),
    "net_spread": ("spread", "carry_cost", "deferred_discount"),
    "net_spread_pct": ("net_spread", "target_price"),
    "net_annualized": ("net_spread_pct", "annualized"),
    "net_annualized_simple": ("net_spread_pct", "annualized_simple"),
    "net_expected_return": ("spread", "downside", "carry_cost"),
    "break_even_days": ("spread", "carry_cost"),
    "break_even_funding_rate": ("spread", "carry_cost"),
}


def net_closure(figures: Iterable[str]) -> set[str]:
    """The net figures left null by ``figures`` blocked: those named, and every net figure computed from
    a blocked gross or net figure."""
    out = closure(figures)
    grew = True
    while grew:
        grew = False
        for name, inputs in NET_DEPENDS.items():
            if name not in out and out.intersection(inputs):
                out.add(name)
                grew = True
    return out & set(NET_DEPENDS)


def closure(figures: Iterable[str]) -> set[str]:
    """The figures given and every figure computed from them."""
    out = set(figures)
    grew = True
    while grew:
        grew = False
        for name, inputs in DEPENDS.items():
            if name not in out and out.intersection(inputs):
                out.add(name)
                grew = True
    return out


def blocked_by(flag: str | Flag) -> set[str]:
    """Every figure the flag can leave null: its ``blocks`` and what is computed from them."""
    return closure(FLAGS[Flag(flag)].blocks)


def explains(flags: Iterable[str], figure: str) -> bool:
    """True when one of ``flags`` can leave ``figure`` null."""
    return any(figure in blocked_by(f) for f in flags if f in FLAGS)


#: The markers around the generated part of ``docs/figures.md``.
DOC_BEGIN = "<!-- flags table: generated by arb.flags.flags_markdown(); do not edit by hand -->"
DOC_END = "<!-- end of the generated flags table -->"


def flags_markdown() -> str:
    """The flags table and the figure-by-figure index of ``docs/figures.md``, as Markdown."""
    lines = [DOC_BEGIN, "", "| flag | meaning | blocks |", "|---|---|---|"]
    for spec in FLAGS.values():
        if not spec.blocks:
            blocks = "nothing (a warning)" if not spec.net_blocks else ""
        elif spec.one_of:
            blocks = "one of " + ", ".join(f"`{f}`" for f in spec.blocks) + ", as raised"
        else:
            blocks = ", ".join(f"`{f}`" for f in spec.blocks)
        if spec.net_blocks:
            net = "net " + ", ".join(f"`{f}`" for f in spec.net_blocks)
            blocks = f"{blocks}; {net}" if blocks else net
        lines.append(f"| `{spec.flag}` | {spec.meaning} | {blocks} |")
    lines += ["", "Each figure, what it is computed from, and the flags that can leave it null:", ""]
    lines += ["| figure | computed from | null only with |", "|---|---|---|"]
    for figure, inputs in DEPENDS.items():
        by = ", ".join(f"`{f}`" for f in FLAGS if figure in blocked_by(f))
        src = ", ".join(f"`{i}`" for i in inputs) or "inputs (deal file, prices)"
        lines.append(f"| `{figure}` | {src} | {by} |")
    lines += [
        "",
        "Each net figure (only where costs are set, see `docs/costs.md`) and the flags that can leave it null:",
    ]
    lines += ["", "| net figure | computed from | null only with |", "|---|---|---|"]
    for figure, inputs in NET_DEPENDS.items():
        by = ", ".join(f"`{f}`" for f, spec in FLAGS.items() if figure in net_closure((*spec.blocks, *spec.net_blocks)))
        lines.append(f"| `{figure}` | {', '.join(f'`{i}`' for i in inputs)} | {by} |")
    lines += ["", DOC_END]
    return "\n".join(lines) + "\n"
