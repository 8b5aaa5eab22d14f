"""What stands between today and the payment: the close date, the timetable, conditions, the vote, bumps.

Pure functions over a :class:`~arb.models.Deal`; nothing here reads files or prices. Share counts are
whole shares (Python integers, so a threshold such as "10% of the disinterested shares" is exact);
fractions are fractions, not percents; a price is per target share in the deal currency.

The vote rules (:func:`vote_arithmetic`):

- ``hk-scheme`` (Takeovers Code rule 2.10): passes when the votes for are at least 75% of the
  disinterested votes cast, and the votes against are at most 10% of all disinterested shares
  (and, with ``headcount``, more holders vote for than against). A stake of
  ``floor(D / 10) + 1`` disinterested shares voting against blocks it whatever the turnout.
- ``uk-scheme`` (Companies Act 2006 s.899): 75% by value of the votes cast and a majority in number
  of the holders voting. Blocking depends on the turnout: more than 25% of the votes cast.
- ``majority-outstanding``: the votes for are more than half the shares in issue; holders of
  ``ceil(N / 2)`` shares not voting for block it.
- ``tender``: acceptances reach ``minimum_acceptance`` x the shares in issue (rounded up), or
  ``minimum_shares``; ``N - required + 1`` shares not tendered block it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from arb.fields import FrozenValueFields
from arb.models import CLOSED_STATUSES, Deal, Event, Leg, Vote
from arb.rounding import fixed

__all__ = [
    "OPEN_BEFORE_CLOSE",
    "Bump",
    "VoteMath",
    "bump_history",
    "close_date",
    "closed_at",
    "closed_on",
    "conditions_met",
    "deal_at",
    "known_at",
    "long_stop",
    "next_event",
    "status_at",
    "terms_at",
    "vote_arithmetic",
]

#: The status a closed deal is given on a day before it closed: it was open, its conditions being
#: worked through. (What it was called then is not in the file; this is the open status that
#: carries no flag of its own.)
OPEN_BEFORE_CLOSE = "pending"

#: Where a close date can come from, in order of preference.
CLOSE_SOURCES = (("payment", "payment event"), ("effective", "effective event"))


def close_date(deal: Deal) -> tuple[dt.date | None, str]:
    """The expected close and where it came from: ``expected_close``, else the payment event, else effective.

    The second item is ``"expected_close"``, ``"payment event"``, ``"effective event"``, or ``""``
    when the deal gives none. When several events of the kind are listed, the latest is the close
    (the consideration is paid in full only then).
    """
    if deal.expected_close is not None:
        return deal.expected_close, "expected_close"
    for kind, label in CLOSE_SOURCES:
        latest = _latest(deal.events, kind)
        if latest is not None:
            return latest, label
    return None, ""


def _latest(events: Iterable[Event], kind: str) -> dt.date | None:
    """The latest date of the events of one kind, or None when there is none."""
    latest: dt.date | None = None
    for e in events:
        if e.kind == kind and (latest is None or e.date > latest):
            latest = e.date
    return latest


def first_announced(deal: Deal) -> dt.date | None:
    """The day the first terms in the file were announced: ``announced``, or a revision's
    ``announced`` when earlier (an earlier bidder's offer the deal's own date postdates), or None.

    A deal has terms to value from this day on; before it, none (``not-yet-announced``).
    """
    if not deal.revisions:
        return deal.announced
    days = [d for d in (deal.announced, *(r.announced for r in deal.revisions)) if d is not None]
    return min(days) if days else None


def next_event(deal: Deal, as_of: dt.date) -> Event | None:
    """The first event dated on or after ``as_of`` (an event on the day is still ahead), or None.

    Events on the same day come in the order of the file.
    """
    first: Event | None = None
    for e in deal.events:  # the earliest on or after as_of; of several that day, the first listed
        if e.date >= as_of and (first is None or e.date < first.date):
            first = e
    return first


def conditions_met(deal: Deal) -> tuple[int, int]:
    """(conditions met or waived, conditions listed)."""
    conditions = deal.conditions
    if not conditions:
        return 0, 0
    done = sum(1 for c in conditions if c.status in ("met", "waived"))
    return done, len(conditions)


def long_stop(deal: Deal) -> dt.date | None:
    """The long-stop date (the latest ``long-stop`` event: an extension is listed as another), or None."""
    return _latest(deal.events, "long-stop")


def terms_at(deal: Deal, as_of: dt.date | None) -> Deal:
    """The deal with the consideration in force on ``as_of``.

    That is the earliest revision superseded after ``as_of`` (its legs and currency replace the
    current ones), or the deal itself when every revision was superseded on or before ``as_of``.
    A day before the first terms were announced still values the first terms known.
    """
    if as_of is None or not deal.revisions:
        return deal
    for rev in deal.revisions:
        if rev.superseded > as_of:
            return deal.model_copy(
                update={"consideration": rev.consideration, "currency": rev.currency or deal.currency}
            )
    return deal


def closed_on(deal: Deal) -> dt.date | None:
    """The day a closed deal closed, or None when it is open or the file does not say.

    That is ``status_date``; for a completed deal without one, the latest ``effective`` event
    (the day a scheme or merger takes effect is the day it completes).
    """
    if deal.status not in CLOSED_STATUSES:
        return None
    if deal.status_date is not None:
        return deal.status_date
    if deal.status == "completed":
        return _latest(deal.events, "effective")
    return None


def status_at(deal: Deal, as_of: dt.date | None) -> tuple[str, dt.date | None]:
    """The deal's status on ``as_of`` and since when (None: not known).

    A closed status holds from the day the deal closed (:func:`closed_on`) on, that day included;
    before it the deal was open: :data:`OPEN_BEFORE_CLOSE`, since an unknown day. A closed deal
    whose file gives no such day is closed on every day (nothing says when it closed). An open
    status is the file's on every day: the file does not say what it was before. A
    ``status_date`` after ``as_of`` was not known on it, so "since" is then unknown (None), never
    a day still to come.
    """
    day = closed_on(deal)
    if as_of is not None and day is not None and as_of < day:
        return OPEN_BEFORE_CLOSE, None
    if as_of is not None and deal.status_date is not None and deal.status_date > as_of:
        return deal.status, None
    return deal.status, deal.status_date


def closed_at(deal: Deal, as_of: dt.date | None) -> bool:
    """True when the deal was closed (completed, lapsed, terminated, withdrawn) on ``as_of``.

    ``as_of`` None: closed now, as the file says (:attr:`Deal.is_closed`).
    """
    return status_at(deal, as_of)[0] in CLOSED_STATUSES


def known_at(deal: Deal, as_of: dt.date | None) -> Deal:
    """The deal as it stood on ``as_of``: what the file records as happening later is undone.

    - the status (:func:`status_at`): a deal that closed after ``as_of`` was open, and had not
      paid yet (``paid`` dropped); an open status dated after ``as_of`` has no date;
    - a condition met, waived or failed after ``as_of`` was pending then (``date`` dropped);
    - a vote result dated after ``as_of`` was not known (dropped).

    The terms are not touched (:func:`terms_at` does that), nor the events: the timetable lists
    dates that were planned, past and future. Returns ``deal`` itself when nothing changes, so
    applying it twice changes nothing more.
    """
    if as_of is None:
        return deal
    update: dict[str, object] = {}
    status, since = status_at(deal, as_of)
    if status != deal.status:
        update.update(status=status, status_date=since, paid=None)
    elif since != deal.status_date:
        update["status_date"] = since
    if deal.conditions and any(c.date is not None and c.date > as_of for c in deal.conditions):
        update["conditions"] = tuple(
            c.model_copy(update={"status": "pending", "date": None}) if c.date is not None and c.date > as_of else c
            for c in deal.conditions
        )
    vote = deal.vote
    if vote is not None and vote.result is not None and vote.result.date is not None and vote.result.date > as_of:
        update["vote"] = vote.model_copy(update={"result": None})
    return deal.model_copy(update=update) if update else deal


def deal_at(deal: Deal, as_of: dt.date | None) -> Deal:
    """The deal as valued on ``as_of``: the terms then in force (:func:`terms_at`) and the status,
    conditions and vote result as they stood (:func:`known_at`)."""
    return known_at(terms_at(deal, as_of), as_of)


@dataclass(init=False, repr=False, eq=False)
class Bump(FrozenValueFields):
    """One set of terms in the bump history, oldest first; the last is the current terms.

    ``value`` is the consideration per target share in ``currency`` when it can be read off the
    terms (cash legs and fixed-value stock legs, all in one currency), else None. ``date`` is when
    the terms were announced (None when unknown); ``superseded`` is None for the current terms.
    """

    date: dt.date | None
    superseded: dt.date | None
    bidder: str | None
    value: float | None
    currency: str | None
    terms: tuple[Leg, ...]
    note: str | None = None


def _fixed_value(legs: tuple[Leg, ...], currency: str | None) -> tuple[float | None, str | None]:
    """The value per share of terms that need no price, and its currency; (None, currency) otherwise."""
    total = 0.0
    cur = currency
    for leg in legs:
        if leg.kind == "cash":
            leg_cur = leg.currency or currency
        elif leg.kind == "stock" and leg.value is not None and leg.collar is None:
            leg_cur = currency  # a fixed value is in the deal currency
        else:
            return None, currency
        if leg_cur is None or (cur is not None and leg_cur != cur):
            return None, cur or leg_cur
        cur = leg_cur
        amount = leg.amount if leg.kind == "cash" else leg.value
        assert amount is not None  # the model requires it for these kinds
        total += leg.weight * amount
    return (total, cur) if legs else (None, cur)


def bump_history(deal: Deal) -> list[Bump]:
    """Every set of terms, oldest first: each revision, then the current consideration.

    The current terms date from the last revision's ``superseded`` day (or ``announced`` when the
    deal has no revision); a revision dates from its own ``announced``, else the day the one
    before it was superseded, else the deal's ``announced``.
    """
    default_bidder = deal.acquirer.name or deal.acquirer.ticker if deal.acquirer else None
    out: list[Bump] = []
    previous: dt.date | None = None
    for i, rev in enumerate(deal.revisions):
        start = rev.announced or previous or (deal.announced if i == 0 else None)
        cur = rev.currency or deal.currency
        value, cur = _fixed_value(rev.consideration, cur)
        out.append(Bump(start, rev.superseded, rev.bidder or default_bidder, value, cur, rev.consideration, rev.note))
        previous = rev.superseded
    value, cur = _fixed_value(deal.consideration, deal.currency)
    start = previous if deal.revisions else deal.announced
    out.append(Bump(start, None, default_bidder, value, cur, deal.consideration))
    return out


@dataclass(init=False, repr=False, eq=False)
class VoteMath(FrozenValueFields):
    """The arithmetic of a deal's vote: the threshold, what blocks it, where support stands, the result.

    Share counts are whole shares; ``blocking_pct`` is a fraction of the shares in issue;
    ``blocking_cost`` is ``blocking_shares`` x the target price (None without a price or a stake).
    ``support`` is the irrevocables plus the holders listed as for; ``needed`` the shares for (or
    accepting) that would carry it, where that does not depend on the turnout (else at ``turnout``);
    ``headroom = support - needed`` (negative: that many more are needed). ``opposition`` is the
    holders listed as against; ``to_block`` the further shares against that would block it.
    ``passed`` is None until a result is entered (or when the result lacks what a test needs).
    """

    rule: str
    threshold: str
    pool: int
    blocking_shares: int | None
    blocking_pct: float | None
    blocking_cost: float | None
    turnout: float | None
    turnout_blocking_shares: int | None
    support: int
    needed: int | None
    headroom: int | None
    opposition: int
    to_block: int | None
    passed: bool | None
    lines: list[str] = field(default_factory=list)


def _n(shares: int) -> str:
    return f"{shares:,}"


def _pct(fraction: float) -> str:
    return f"{fixed(fraction, 2, scale=2)}%"


def _money(amount: float, currency: str | None) -> str:
    text = fixed(amount, 2) or "n/a"
    return f"{currency} {text}" if currency else text


def _ceil_fraction(fraction: float, shares: int) -> int:
    """ceil(fraction x shares), exact on the decimal written (0.9 x 1000 is 900, not 901)."""
    return math.ceil(Decimal(repr(fraction)) * shares)


def vote_arithmetic(
    vote: Vote, target_price: float | None, *, turnout: float | None = None, currency: str | None = None
) -> VoteMath:
    """The vote arithmetic of ``vote`` at ``target_price`` (per share; None: no cost shown).

    ``turnout`` (a fraction of the shares that may vote, e.g. 0.6) adds the cheapest block at that
    turnout for the schemes; ``currency`` only labels the cost in ``lines``.
    """
    if turnout is not None and not (0.0 < turnout <= 1.0):
        raise ValueError(f"turnout must be a fraction in (0, 1], got {turnout!r}")
    out = vote.shares_outstanding
    pool = vote.voting_pool
    support = vote.irrevocables + sum(h.shares for h in vote.holders if h.stance == "for")
    opposition = sum(h.shares for h in vote.holders if h.stance == "against")
    lines: list[str] = []
    blocking: int | None
    turnout_block: int | None = None
    needed: int | None = None
    cast = None if turnout is None else round(turnout * pool)

    if vote.rule == "hk-scheme":
        threshold = (
            "at least 75% of the disinterested votes cast for, and votes against at most 10% of all "
            f"{_n(pool)} disinterested shares" + (", and more holders for than against" if vote.headcount else "")
        )
        blocking = pool // 10 + 1
        lines.append(f"Rule (Hong Kong scheme): {threshold}.")
        lines.append(
            f"Blocking stake: {_n(blocking)} shares voting against (the fewest above 10% of the disinterested shares),"
            f" whatever the turnout."
        )
        if cast is not None:
            turnout_block = cast // 4 + 1
            needed = _ceil_fraction(0.75, cast)
    elif vote.rule == "uk-scheme":
        threshold = "at least 75% by value of the votes cast, and a majority in number of the holders voting"
        lines.append(f"Rule (UK scheme): {threshold}.")
        full = pool // 4 + 1
        if cast is not None:
            turnout_block = cast // 4 + 1
            needed = _ceil_fraction(0.75, cast)
            blocking = turnout_block
        else:
            blocking = full
            lines.append(
                f"Blocking stake if all {_n(pool)} shares that may vote do: {_n(full)} against (25% plus one); "
                "less at a lower turnout."
            )
    elif vote.rule == "majority-outstanding":
        needed = out // 2 + 1
        blocking = out - needed + 1
        threshold = f"votes for more than half of the {_n(out)} shares in issue ({_n(needed)} shares)"
        lines.append(f"Rule (majority of the shares outstanding): {threshold}.")
        lines.append(f"Blocking stake: {_n(blocking)} shares not voting for (an abstention counts against).")
    else:
        if vote.minimum_shares is not None:
            needed = vote.minimum_shares
            basis = f"{_n(needed)} shares"
        else:
            assert vote.minimum_acceptance is not None  # the model requires one of the two
            needed = _ceil_fraction(vote.minimum_acceptance, out)
            basis = f"{_pct(vote.minimum_acceptance)} of {_n(out)} shares = {_n(needed)} shares"
        blocking = out - needed + 1
        threshold = f"acceptances of at least {basis}"
        lines.append(f"Rule (tender offer): {threshold}.")
        lines.append(f"Blocking stake: {_n(blocking)} shares not tendered.")

    blocking_pct = None if blocking is None else blocking / out
    cost = None if blocking is None or target_price is None else blocking * target_price
    if blocking is not None and blocking_pct is not None:
        where = f"{_pct(blocking_pct)} of the {_n(out)} shares in issue"
        at = (
            f"; at {_money(target_price, currency)} a share it costs {_money(cost, currency)}"
            if cost is not None and target_price is not None
            else ""
        )
        lines.append(f"The blocking stake is {where}{at}.")
    if turnout_block is not None and cast is not None and turnout is not None:
        lines.append(
            f"At {_pct(turnout)} turnout ({_n(cast)} votes cast), {_n(turnout_block)} against (more than 25% of the "
            f"votes cast) also block it" + (" (the cheaper way)" if blocking and turnout_block < blocking else "") + "."
        )
    headroom = None if needed is None else support - needed
    cheapest = min(b for b in (blocking, turnout_block) if b is not None) if blocking or turnout_block else None
    to_block = None if cheapest is None else max(cheapest - opposition, 0)
    if support:
        lines.append(
            f"Support: {_n(support)} shares (irrevocables {_n(vote.irrevocables)}, holders for "
            f"{_n(support - vote.irrevocables)})"
            + (
                f"; {_n(-headroom)} more needed"
                if headroom is not None and headroom < 0
                else f"; {_n(headroom)} past the threshold"
                if headroom is not None
                else ""
            )
            + "."
        )
    elif needed is not None:
        lines.append(f"No support is committed: {_n(needed)} shares for are needed.")
    if opposition:
        lines.append(
            f"Known opposition: {_n(opposition)} shares against"
            + (f"; {_n(to_block)} more would block it" if to_block else "; enough to block it" if to_block == 0 else "")
            + "."
        )
    passed = _passed(vote, lines)
    return VoteMath(
        rule=vote.rule,
        threshold=threshold,
        pool=pool,
        blocking_shares=blocking,
        blocking_pct=blocking_pct,
        blocking_cost=cost,
        turnout=turnout,
        turnout_blocking_shares=turnout_block,
        support=support,
        needed=needed,
        headroom=headroom,
        opposition=opposition,
        to_block=to_block,
        passed=passed,
        lines=lines,
    )


def _passed(vote: Vote, lines: list[str]) -> bool | None:
    """Whether the entered result carries the vote (None: no result, or a headcount it lacks)."""
    res = vote.result
    if res is None:
        return None
    yes, no = res.shares_for, res.shares_against
    cast = yes + no
    when = f" ({res.date.isoformat()})" if res.date else ""
    tests: list[tuple[str, bool]] = []
    if vote.rule in ("hk-scheme", "uk-scheme"):
        share = f"{_pct(yes / cast)}" if cast else "no votes"
        tests.append((f"{share} of the votes cast for (needs at least 75%)", cast > 0 and 4 * yes >= 3 * cast))
        if vote.rule == "hk-scheme":
            tests.append(
                (
                    f"against {_n(no)} = {_pct(no / vote.voting_pool)} of the disinterested shares (at most 10%)",
                    10 * no <= vote.voting_pool,
                )
            )
    elif vote.rule == "majority-outstanding":
        tests.append(
            (
                f"for {_n(yes)} = {_pct(yes / vote.shares_outstanding)} of shares in issue (over 50%)",
                2 * yes > vote.shares_outstanding,
            )
        )
    else:
        need = vote.minimum_shares or _ceil_fraction(vote.minimum_acceptance or 1.0, vote.shares_outstanding)
        tests.append((f"acceptances {_n(yes)} of {_n(need)} needed", yes >= need))
    headcount_known = True
    if vote.applies_headcount:
        if res.holders_for is None or res.holders_against is None:
            headcount_known = False
            tests.append(("the headcount is not entered (holders_for, holders_against)", True))
        else:
            tests.append(
                (
                    f"holders {_n(res.holders_for)} for, {_n(res.holders_against)} against (a majority in number)",
                    res.holders_for > res.holders_against,
                )
            )
    failed = [text for text, ok in tests if not ok]
    verdict: bool | None = not failed if (failed or headcount_known) else None
    if failed:
        verdict = False
    word = "passed" if verdict else "failed" if verdict is False else "undecided"
    lines.append(f"Result{when}: " + "; ".join(text for text, _ in tests) + f": {word}.")
    return verdict
