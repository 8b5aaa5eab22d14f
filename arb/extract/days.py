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
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from types import ModuleType

from arb.extract.model import DraftDeal

__all__ = ["Day", "date_draft", "resolve_day"]

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
) -> Day:
    """The day of a price from its day phrase ``ref`` (see ``patterns_en.price_day``).

    ``article`` is the article's date; ``announced`` the deal's announcement date (for "the last
    trading day before the announcement"); ``after_close`` whether the article was written after
    that day's close (None: it does not say). The date returned is never after ``article``; a
    Saturday or a Sunday is returned unconfirmed (no exchange closes on one).
    """
    day = _resolve(ref, article, announced=announced, after_close=after_close)
    if day.date is not None and day.date.weekday() >= 5 and ref is not None:
        return Day(day.date, f"{day.note} (a {_NAMES[day.date.weekday()]}: no close that day)", confirmed=False)
    return day


def _resolve(
    ref: tuple[str, object, str] | None,
    article: datetime.date | None,
    *,
    announced: datetime.date | None = None,
    after_close: bool | None = None,
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
            if day <= article:
                return Day(day, f"{said}, in the year of the article dated {article.isoformat()}")
        return Day(None, f"{said}: no such day on or before the article's date")
    in_article = f"in an article dated {_dated(article)}"
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
    if kind == "today":
        return Day(article, f"{said}: the article's date ({_dated(article)})")
    if kind == "before_announcement":
        if announced is None:
            return Day(None, f"{said}: the announcement date is not in the article")
        if announced > article:
            return Day(None, f"{said}: the announcement {announced.isoformat()} is after the article's date")
        day = _weekday_before(announced)
        return Day(
            day,
            f"{said}: the weekday before the announcement of {announced.isoformat()} ({_dated(day)}; "
            "holidays not checked)",
            confirmed=False,
        )
    return Day(None, f"{said}: not a day arb reads")


def date_draft(draft: DraftDeal, text: str, p: ModuleType, article: datetime.date | None) -> None:
    """Date the draft's source and prices: ``article`` (the caller's date) wins, else the
    article's own date line; each quoted price gets its day, a note, and a warning when unsure.

    ``p`` is the language's patterns module; one without these rules (no ``article_date``) dates
    every price with the article's date as before.
    """
    own = getattr(p, "article_date", None)
    found = own(text) if own is not None else None
    if found is not None and article is None:
        article, draft.source_date_words = found
    elif found is not None and found[0] != article:
        draft.warnings.append(
            f"the article's own date line says {found[0].isoformat()} ({found[1]!r}), the date given is "
            f"{article}: the prices are dated against the date given"
        )
    if draft.source_date is None:
        draft.source_date = article
    day_of = getattr(p, "price_day", None)
    after = getattr(p, "written_after_close", None)
    after_close = after(text) if after is not None else None
    _announced_by_name(draft, p, article)
    for q in draft.prices:
        ref = None
        if day_of is not None:
            spot = next((m for m, _kind, _who in p.prices(q.quote) if m.amount == q.price), None)
            if spot is not None:
                ref = day_of(q.quote, spot.start, spot.end)
        day = resolve_day(ref, article, announced=draft.announced, after_close=after_close)
        q.as_of, q.as_of_note, q.as_of_confirmed = day.date, day.note, day.confirmed
        if not day.confirmed:
            draft.warnings.append(f"the day of the {q.symbol} price {q.price:g} is unconfirmed: {day.note}")


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
