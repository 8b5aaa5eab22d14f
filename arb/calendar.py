"""The deal calendar: every dated event of a set of deals, and an iCalendar (.ics) file of them.

>>> from arb import load_deals
>>> from arb.calendar import upcoming, write_ics
>>> deals = load_deals(["seeds"]).deals                         # doctest: +SKIP
>>> [e.summary for e in upcoming(deals, days=30)]               # doctest: +SKIP
>>> write_ics(deals, "deals.ics")                               # doctest: +SKIP

An event's UID is made of the deal id, the event kind and its rank among the deal's events of
that kind (``enn-energy.meeting.1@arb``), not of its date: when a meeting moves, a calendar app
that re-reads the file moves the entry instead of adding a second one. The iCalendar library
(``icalendar``) is imported only when a file is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arb.errors import ArbError
from arb.fields import FrozenValueFields
from arb.lifecycle import close_date, conditions_met, long_stop, next_event
from arb.models import Deal
from arb.text import safe

__all__ = [
    "DEFAULT_DAYS",
    "CalendarEntry",
    "CalendarError",
    "conditions_frame",
    "entries",
    "events_frame",
    "ics_bytes",
    "lifecycle_detail",
    "lifecycle_fields",
    "upcoming",
    "write_ics",
]

#: How many days ahead ``arb calendar`` looks by default.
DEFAULT_DAYS = 30
#: The domain part of every UID: stable, so a re-export updates entries instead of adding them.
UID_DOMAIN = "arb"
_PRODID = "-//arb//merger arbitrage deal calendar//EN"


class CalendarError(ArbError):
    """A calendar file that cannot be written."""


@dataclass(init=False, repr=False, eq=False)
class CalendarEntry(FrozenValueFields):
    """One dated event of one deal. ``confirmed`` is False for an expected (indicative) date."""

    deal_id: str
    deal_name: str
    kind: str
    date: dt.date
    confirmed: bool
    note: str | None
    uid: str
    deal_status: str
    source: str | None = None

    def __init__(
        self,
        deal_id: str,
        deal_name: str,
        kind: str,
        date: dt.date,
        confirmed: bool,
        note: str | None,
        uid: str,
        deal_status: str,
        source: str | None = None,
    ) -> None:
        # Frozen: the fields are set past the __setattr__ that refuses them (as a frozen dataclass does).
        put = object.__setattr__
        put(self, "deal_id", deal_id)
        put(self, "deal_name", deal_name)
        put(self, "kind", kind)
        put(self, "date", date)
        put(self, "confirmed", confirmed)
        put(self, "note", note)
        put(self, "uid", uid)
        put(self, "deal_status", deal_status)
        put(self, "source", source)

    @property
    def summary(self) -> str:
        """``ENN Energy: meeting (expected)``: the one line a calendar shows."""
        return f"{self.deal_name}: {self.kind}" + ("" if self.confirmed else " (expected)")

    def description(self) -> str:
        """The deal, the event, whether it is confirmed, its note and its source, one per line."""
        lines = [
            f"Deal: {self.deal_name} ({self.deal_id}), {self.deal_status}",
            f"Event: {self.kind} on {self.date.isoformat()}, {'confirmed' if self.confirmed else 'expected'}",
        ]
        if self.note:
            lines.append(f"Note: {self.note}")
        if self.source:
            lines.append(f"Source: {self.source}")
        return "\n".join(lines)

    def days_from(self, as_of: dt.date) -> int:
        return (self.date - as_of).days

    def to_dict(self, as_of: dt.date | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "deal": self.deal_id,
            "name": self.deal_name,
            "status": self.deal_status,
            "kind": self.kind,
            "date": self.date.isoformat(),
            "confirmed": self.confirmed,
            "note": self.note,
            "source": self.source,
            "uid": self.uid,
        }
        if as_of is not None:
            out["days"] = self.days_from(as_of)
        return out


def _source_text(source: Any) -> str | None:
    if source is None:
        return None
    parts = [getattr(source, k, None) for k in ("title", "publisher")]
    date = getattr(source, "date", None)
    text = ", ".join(str(p) for p in [*parts, date] if p)
    url = getattr(source, "url", None)
    if url:
        text = f"{text} <{url}>" if text else str(url)
    return text or None


def entries(deals: Iterable[Deal]) -> list[CalendarEntry]:
    """Every event of every deal, sorted by date, then deal id, then kind."""
    out: list[CalendarEntry] = []
    for deal in deals:
        rank: dict[str, int] = {}
        # Ranks follow the file's order of events of one kind, so they do not move when a date does.
        for event in deal.events:
            rank[event.kind] = rank.get(event.kind, 0) + 1
            out.append(
                CalendarEntry(
                    deal.id,
                    deal.name,
                    event.kind,
                    event.date,
                    bool(event.confirmed),
                    event.note,
                    f"{deal.id}.{event.kind}.{rank[event.kind]}@{UID_DOMAIN}",
                    deal.status,
                    _source_text(event.source),
                )
            )
    out.sort(key=lambda e: (e.date, e.deal_id, e.kind, e.uid))
    return out


def upcoming(
    deals: Iterable[Deal],
    *,
    as_of: dt.date | None = None,
    days: int = DEFAULT_DAYS,
    include_closed: bool = False,
) -> list[CalendarEntry]:
    """The events dated from ``as_of`` (default today) to ``days`` after it, inclusive, by date.

    Deals closed on ``as_of`` (completed, lapsed, terminated, withdrawn) are left out unless
    ``include_closed``, and so are deals announced after ``as_of``: on that day nobody knew of
    them (no look-ahead, as in ``arb report``). Closed-ness and each entry's ``deal_status`` are
    those of ``as_of`` (:func:`arb.lifecycle.known_at`): a deal that completed after it was open
    then, and its events up to the completion were still to come.
    """
    from arb.lifecycle import first_announced, known_at

    if days < 0:
        raise ValueError(f"days must be zero or more, got {days}")
    start = as_of or dt.date.today()
    end = start + dt.timedelta(days=days)
    then = [known_at(d, start) for d in deals]
    chosen = [
        d
        for d in then
        if include_closed or not (d.is_closed or ((day := first_announced(d)) is not None and day > start))
    ]
    return [e for e in entries(chosen) if start <= e.date <= end]


def ics_bytes(items: Sequence[CalendarEntry], *, stamp: dt.datetime | None = None, name: str = "arb deals") -> bytes:
    """An iCalendar (RFC 5545) file of all-day events, one per entry.

    ``stamp`` is the DTSTAMP of every event (default now, UTC). Each event lasts one day
    (DTEND is the next day, exclusive, as the standard has it for all-day events).
    """
    try:
        import icalendar
    except ImportError:  # pragma: no cover - a dependency of arb
        raise CalendarError("writing .ics files needs the icalendar package: pip install icalendar") from None

    when = stamp or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", _PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for item in items:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", when)
        event.add("dtstart", item.date)
        event.add("dtend", item.date + dt.timedelta(days=1))
        # RFC 5545 text holds no control characters: each line of input text through arb.text.safe
        # (an ESC in a note is written as the four characters \x1b); the line breaks are the file's.
        event.add("summary", safe(item.summary))
        event.add("description", "\n".join(safe(line) for line in item.description().split("\n")))
        event.add("status", "CONFIRMED" if item.confirmed else "TENTATIVE")
        event.add("transp", "TRANSPARENT")  # a deal date is not a busy slot in the user's own calendar
        event.add("categories", [item.kind])
        cal.add_component(event)
    return cal.to_ical()


def write_ics(
    items: Sequence[CalendarEntry], path: Path | str, *, stamp: dt.datetime | None = None, name: str = "arb deals"
) -> Path:
    """Write ``items`` to ``path`` as an .ics file: beside it first, then renamed over it.

    A calendar app subscribed to the file never reads half of it. Raises :class:`CalendarError`
    naming the file when it cannot be written.
    """
    path = Path(path)
    data = ics_bytes(items, stamp=stamp, name=name)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        why = exc.strerror or exc
        raise CalendarError(f"{path}: cannot write the calendar ({why}); pass another --ics FILE") from None
    return path


def lifecycle_fields(deal: Deal, as_of: dt.date) -> dict[str, Any]:
    """What the report adds about a deal's timetable, JSON-ready.

    ``next_event``/``next_event_date`` (None when no event is dated after ``as_of``),
    ``conditions_met``/``conditions_total`` (met or waived, of all listed; 0 of 0 when none is
    listed), ``long_stop`` and ``close_date_from`` (where the close date came from).
    """
    event = next_event(deal, as_of)
    met, total = conditions_met(deal)
    stop = long_stop(deal)
    close, close_from = close_date(deal)
    return {
        "next_event": None if event is None else event.kind,
        "next_event_date": None if event is None else event.date.isoformat(),
        "next_event_confirmed": None if event is None else bool(event.confirmed),
        "conditions_met": met,
        "conditions_total": total,
        "long_stop": None if stop is None else stop.isoformat(),
        "close_date_from": close_from if close is not None else None,
    }


#: The columns of :func:`conditions_frame`, in order (fixed, whatever the deals hold).
CONDITION_COLUMNS = ("deal", "name", "kind", "authority", "status", "date", "expected", "note", "source")
#: The columns of :func:`events_frame`, in order.
EVENT_COLUMNS = ("deal", "deal_name", "kind", "date", "confirmed", "note", "source", "uid")


def _frame(rows: list[dict[str, Any]], columns: Sequence[str], dates: Sequence[str]) -> Any:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(columns))
    for col in dates:
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    return frame


def conditions_frame(deals: Iterable[Deal]) -> Any:
    """One row per condition of each deal, in file order: ``deal`` (id), name, kind, authority,
    status (pending, met, waived, failed), ``date`` (when met, waived or failed; NaT while pending),
    ``expected`` (NaT when unknown), note and source (title, publisher, date, address in one string).
    """
    rows = [
        {
            "deal": d.id,
            "name": c.name,
            "kind": c.kind,
            "authority": c.authority,
            "status": c.status,
            "date": c.date,
            "expected": c.expected,
            "note": c.note,
            "source": _source_text(c.source),
        }
        for d in deals
        for c in d.conditions
    ]
    return _frame(rows, CONDITION_COLUMNS, ("date", "expected"))


def events_frame(deals: Iterable[Deal]) -> Any:
    """One row per event of each deal, by date: ``deal`` (id), deal_name, kind, ``date``,
    ``confirmed`` (False for an expected date), note, source, and the calendar ``uid``.
    """
    rows = [
        {
            "deal": e.deal_id,
            "deal_name": e.deal_name,
            "kind": e.kind,
            "date": e.date,
            "confirmed": e.confirmed,
            "note": e.note,
            "source": e.source,
            "uid": e.uid,
        }
        for e in entries(deals)
    ]
    frame = _frame(rows, EVENT_COLUMNS, ("date",))
    frame["confirmed"] = frame["confirmed"].astype(bool)
    return frame


def lifecycle_detail(
    deal: Deal, as_of: dt.date, target_price: float | None = None, currency: str | None = None
) -> dict[str, Any]:
    """Everything ``arb show --json`` says about a deal's lifecycle, JSON-ready.

    The report fields of :func:`lifecycle_fields`, plus the status date, what a completed deal
    paid, every condition and event (the next one marked), the vote arithmetic at
    ``target_price`` (None without a ``[vote]``) and the bump history (oldest first). The status,
    payment, conditions and vote result are those of ``as_of`` (:func:`arb.lifecycle.known_at`);
    the bump history is the file's, every set of terms.
    """
    import dataclasses

    from arb.lifecycle import bump_history, known_at, vote_arithmetic

    filed, deal = deal, known_at(deal, as_of)
    upcoming = next_event(deal, as_of)
    out = lifecycle_fields(deal, as_of)
    out["status_date"] = None if deal.status_date is None else deal.status_date.isoformat()
    out["paid"] = None if deal.paid is None else deal.paid.model_dump(mode="json")
    out["conditions"] = [c.model_dump(mode="json", exclude_none=True) for c in deal.conditions]
    out["events"] = [
        e.model_dump(mode="json", exclude_none=True) | {"next": upcoming is not None and e is upcoming}
        for e in sorted(deal.events, key=lambda e: e.date)
    ]
    vote = None
    if deal.vote is not None:
        vote = dataclasses.asdict(vote_arithmetic(deal.vote, target_price, currency=currency))
    out["vote"] = vote
    out["revisions"] = [
        {
            "date": None if b.date is None else b.date.isoformat(),
            "superseded": None if b.superseded is None else b.superseded.isoformat(),
            "bidder": b.bidder,
            "value": b.value,
            "currency": b.currency,
            "consideration": [leg.model_dump(mode="json", exclude_none=True) for leg in b.terms],
            "note": b.note,
        }
        for b in bump_history(filed)
    ]
    return out
