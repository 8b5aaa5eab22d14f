"""The days of the prices an article quotes, against the article's own date.

An article says "Thursday's close", "yesterday" or "the last trading day before the announcement";
the price file needs a date. Each phrase resolves to the most recent such day on or before the
article's date, never after it (a price cannot be quoted before it exists), and never against
today: without the article's date the day is a TODO.

The one ambiguous case is a weekday that is the article's own weekday ("Thursday's close" in an
article dated Thursday): the close of that same day if the article was written after the close,
the week before if written before it. The article's time, when it gives one (``4:35 p.m. ET``,
"after the bell"), settles it; without one the same day is taken, as a reporter naming the day's
own weekday means that day, and the day is marked unconfirmed. Holidays are not known to arb:
"the last trading day before" is the weekday before, also marked unconfirmed.

Chinese articles come through the same door (``patterns_zh.price_day``), with a few kinds of their
own: 上周五 is the Friday of the previous calendar week, 本周一 one of the article's own week
(later in that week: not yet, so no date), 前日 the day before yesterday, 前一交易日 the weekday
before (unconfirmed). Their times are Beijing and Hong Kong time, weighed against the close of
each price's own market (``patterns_zh.CLOSES``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from types import ModuleType

from arb.extract.model import DraftDeal

__all__ = ["Day", "date_draft", "resolve_day"]

#: A month and day later in the year than the article is taken from the year before; beyond this
#: many days back that reading is marked unconfirmed.
_YEAR_BACK_DAYS = 92

_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Day:
    """A resolved day: ``date`` None when it cannot be known; ``note`` says how or why not."""

    date: datetime.date | None
    note: str
    confirmed: bool = True


def _weekday_before(day: datetime.date) -> datetime.date:
    day -= datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def _dated(day: datetime.date) -> str:
    return f"{_NAMES[day.weekday()]} {day.isoformat()}"


def resolve_day(
    ref: tuple[str, object, str] | None,
    article: datetime.date | None,
    *,
    announced: datetime.date | None = None,
    after_close: bool | None = None,
    announced_after_close: bool | None = None,
) -> Day:
    """The day of a price from its day phrase ``ref`` (see ``patterns_en.price_day`` and
    ``patterns_zh.price_day``).

    ``article`` is the article's date; ``announced`` the deal's announcement date (for "the last
    trading day before the announcement"); ``after_close`` whether the article was written after
    that day's close (None: it does not say); ``announced_after_close`` whether the announcement
    itself came after its day's close (晚间公告: that day is the last one traded before it). The
    date returned is never after ``article``; a Saturday or a Sunday is returned unconfirmed (no
    exchange closes on one).
    """
    day = _resolve(
        ref, article, announced=announced, after_close=after_close, announced_after_close=announced_after_close
    )
    if day.date is not None and day.date.weekday() >= 5 and ref is not None:
        return Day(day.date, f"{day.note} (a {_NAMES[day.date.weekday()]}: no close that day)", confirmed=False)
    return day


def _resolve(
    ref: tuple[str, object, str] | None,
    article: datetime.date | None,
    *,
    announced: datetime.date | None = None,
    after_close: bool | None = None,
    announced_after_close: bool | None = None,
) -> Day:
    if ref is None:
        if article is None:
            return Day(None, "the article's date is unknown (give it with --date)")
        return Day(article, f"the article's date ({_dated(article)}); it names no day for this price")
    kind, value, words = ref
    said = f'"{words}"'
    if kind == "date":
        assert isinstance(value, datetime.date)
        if article is not None and value > article:
            return Day(None, f"{said} is after the article's date {article.isoformat()}: check the article")
        return Day(value, f"{said}")
    if article is None:
        return Day(None, f"{said}: the article's date is unknown (give it with --date)")
    if kind == "month_day":
        assert isinstance(value, tuple)
        month, dom = value
        for year in (article.year, article.year - 1):
            try:
                day = datetime.date(year, month, dom)
            except ValueError:
                return Day(None, f"{said} is not a date")
            if day <= article and year == article.year:
                return Day(day, f"{said}, in the year of the article dated {article.isoformat()}")
            if day <= article:
                # December 30 in a January article is last year's; a day just after the article's
                # own (a slip, or the article misdated) is not taken as almost a year before unasked.
                near = (article - day).days <= _YEAR_BACK_DAYS
                return Day(
                    day,
                    f"{said}: after the article's date {article.isoformat()} in its year, so the year before"
                    + ("" if near else " (check the article)"),
                    confirmed=near,
                )
        return Day(None, f"{said}: no such day on or before the article's date")
    in_article = f"in an article dated {_dated(article)}"
    if kind == "prev_week_weekday":
        # 上周五: the given day of the previous calendar week (Monday to Sunday), always before.
        assert isinstance(value, int)
        day = article - datetime.timedelta(days=article.weekday() + 7 - value)
        return Day(day, f"{said} (the week before) {in_article}: {_dated(day)}")
    if kind == "this_week_weekday":
        # 本周三: the given day of the article's own week; later in that week it is not yet.
        assert isinstance(value, int)
        if value > article.weekday():
            return Day(None, f"{said} is later in the week than the article dated {_dated(article)}: check the article")
        kind = "weekday"
    if kind in ("weekday", "last_weekday"):
        assert isinstance(value, int)
        back = (article.weekday() - value) % 7
        if kind == "last_weekday" and back == 0:
            back = 7
        if back or kind == "last_weekday":
            day = article - datetime.timedelta(days=back)
            return Day(day, f"{said} {in_article}: {_dated(day)}")
        if after_close is True:
            return Day(article, f"{said} {in_article} written after the close: that day")
        if after_close is False:
            day = article - datetime.timedelta(days=7)
            return Day(
                day,
                f"{said} {in_article} written before the close: the week before ({_dated(day)})",
                confirmed=False,
            )
        return Day(
            article,
            f"{said} {in_article}, time not given: taken as that day's close (if written before the close, "
            f"it is {_dated(article - datetime.timedelta(days=7))})",
            confirmed=False,
        )
    if kind == "yesterday":
        day = article - datetime.timedelta(days=1)
        if day.weekday() < 5:
            return Day(day, f"{said} {in_article}: {_dated(day)}")
        day = _weekday_before(article)
        return Day(day, f"{said} {in_article} is a weekend: taken as {_dated(day)}", confirmed=False)
    if kind == "day_before_yesterday":
        day = article - datetime.timedelta(days=2)
        if day.weekday() < 5:
            return Day(day, f"{said} (the day before yesterday) {in_article}: {_dated(day)}")
        day = _weekday_before(article - datetime.timedelta(days=1))
        return Day(
            day, f"{said} (the day before yesterday) {in_article} is a weekend: taken as {_dated(day)}", confirmed=False
        )
    if kind == "previous_trading_day":
        day = _weekday_before(article)
        note = f"{said} {in_article}: the weekday before, {_dated(day)} (holidays not checked)"
        return Day(day, note, confirmed=False)
    if kind == "today":
        return Day(article, f"{said}: the article's date ({_dated(article)})")
    if kind == "before_announcement":
        if announced is None:
            return Day(None, f"{said}: the announcement date is not in the article")
        if announced > article:
            return Day(None, f"{said}: the announcement {announced.isoformat()} is after the article's date")
        if announced_after_close and announced.weekday() < 5:
            return Day(
                announced,
                f"{said}: the announcement of {_dated(announced)} came after that day's close, so that day "
                "(unless trading was halted earlier)",
                confirmed=False,
            )
        day = _weekday_before(announced)
        return Day(
            day,
            f"{said}: the weekday before the announcement of {announced.isoformat()} ({_dated(day)}; "
            "holidays not checked)",
            confirmed=False,
        )
    return Day(None, f"{said}: not a day arb reads")


def date_draft(draft: DraftDeal, text: str, p: ModuleType, article: datetime.date | None, *, head: str = "") -> None:
    """Date the draft's source and prices: ``article`` (the caller's date) wins, else the
    article's own date line; each quoted price gets its day, a note, and a warning when unsure.

    ``p`` is the language's patterns module; one without these rules (no ``article_date``) dates
    every price with the article's date as before. ``text`` is the news item; ``head`` the start
    of the page it is on, read for a date only when the item gives none (in a digest each item's
    own dateline is its date, and another item's is no conflict).
    """
    own = _own_dates(text, p) or _own_dates(head, p)
    found = own[0] if own else None
    if found is not None and article is None:
        article, draft.source_date_words = found
    elif found is not None and found[0] != article:
        draft.warnings.append(
            f"the article's own date line says {found[0].isoformat()} ({found[1]!r}), the date given is "
            f"{article}: the prices are dated against the date given"
        )
    for other, words in own[1:]:
        draft.warnings.append(
            f"the article also dates itself {other.isoformat()} ({words!r}): the prices are dated against {article}"
        )
    if not own:
        _yearless_line(draft, text, p, article, head)
    if draft.source_date is None:
        draft.source_date = article
    day_of = getattr(p, "price_day", None)
    _announced_by_name(draft, p, article)
    late_words = getattr(p, "announced_after_close", None)
    said = draft.quotes.get("announced")
    late = late_words(said) if late_words is not None and said else None
    for q in draft.prices:
        ref = None
        if day_of is not None:
            spot = next((m for m, _kind, _who in p.prices(q.quote) if m.amount == q.price), None)
            if spot is not None:
                ref = day_of(q.quote, spot.start, spot.end)
        after_close = _after_close(text, p, q.symbol)
        if after_close is None and head:
            after_close = _after_close(head, p, q.symbol)
        day = resolve_day(ref, article, announced=draft.announced, after_close=after_close, announced_after_close=late)
        q.as_of, q.as_of_note, q.as_of_confirmed = day.date, day.note, day.confirmed
        if not day.confirmed:
            draft.warnings.append(f"the day of the {q.symbol} price {q.price:g} is unconfirmed: {day.note}")


def _yearless_line(draft: DraftDeal, text: str, p: ModuleType, article: datetime.date | None, head: str) -> None:
    """A date line without its year ("新华社香港3月26日电"): no date is guessed from it, but it is
    checked against the date given, or named in a warning when none is given."""
    undated = getattr(p, "yearless_date_line", None)
    found = (undated(text) or undated(head)) if undated is not None else None
    if found is None:
        return
    (month, day), words = found
    if article is None:
        draft.warnings.append(
            f"the article's date line {words!r} gives no year: give the date with --date to date its prices"
        )
    elif (article.month, article.day) != (month, day):
        draft.warnings.append(
            f"the article's date line {words!r} is not the date given ({article.isoformat()}): "
            "the prices are dated against the date given"
        )


def _own_dates(text: str, p: ModuleType) -> list[tuple[datetime.date, str]]:
    """The dates the article gives itself, the one trusted first; a module that reads only one
    (``article_date``) gives at most one."""
    every = getattr(p, "article_dates", None)
    if every is not None:
        return list(every(text))
    own = getattr(p, "article_date", None)
    found = own(text) if own is not None else None
    return [found] if found is not None else []


def _after_close(text: str, p: ModuleType, symbol: str) -> bool | None:
    """Whether the article was written after the close of the market ``symbol`` trades on.

    A module with several markets' closes (``CLOSES``: Hong Kong 16:00, Shanghai 15:00) weighs
    the article's time against the price's own market; the English one against New York's.
    """
    after = getattr(p, "written_after_close", None)
    if after is None:
        return None
    if getattr(p, "CLOSES", None) is not None:
        return after(text, symbol)
    return after(text)


def _announced_by_name(draft: DraftDeal, p: ModuleType, article: datetime.date | None) -> None:
    """An announcement dated only by its day's name ("said on Tuesday") against the article's date.

    The article's own weekday is that day: an announcement, unlike a close, is not later in the day.
    """
    named = getattr(p, "announcement_day", None)
    if draft.announced is not None or article is None or named is None:
        return
    for s in draft.quotes.values():
        ref = named(s)
        if ref is None:
            continue
        day = resolve_day(ref, article, after_close=True)
        if day.date is None:
            continue
        draft.announced = day.date
        draft.quotes["announced"] = s
        draft.todos = [t for t in draft.todos if not t.startswith("announced =")]
        return
