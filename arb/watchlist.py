"""The watchlist: which deal files ``arb refresh`` values, and the alerts it checks on them.

A TOML file (default ``<data folder>/watchlist.toml``, see :mod:`arb.paths`; the format is in
``docs/watchlist.md``)::

    [[watch]]
    id = "enn-energy"
    path = "/home/me/deals/enn-energy.toml"   # a deal file, or a folder of them

    [alerts.enn-energy]                       # a deal id, or "*" for every deal
    spread_pct_below = "10%"
    spread_widens_by = 1.5                    # deal currency per target share, since the last refresh

With no watchlist file a user follows the bundled seed deals. Levels are fractions (``0.05``)
or percents written as text (``"5%"``); widening in spread % is in percentage points
(``0.02`` or ``"2pp"``).
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arb.errors import ArbError
from arb.numbering import item_key
from arb.text import safe

__all__ = [
    "RULES",
    "STATUS_CHANGED",
    "Alert",
    "Rule",
    "WatchEntry",
    "Watchlist",
    "WatchlistError",
    "add_entry",
    "add_rule",
    "evaluate_alerts",
    "load_watchlist",
    "remove_entry",
    "remove_rules",
    "rule_kind",
    "status_alert",
]

#: Alert rule keys and what each compares: (figure, direction, needs the previous refresh).
RULES: dict[str, tuple[str, str, bool]] = {
    "spread_pct_below": ("spread_pct", "below", False),
    "spread_pct_above": ("spread_pct", "above", False),
    "annualized_above": ("annualized", "above", False),
    "spread_widens_by": ("spread", "widens", True),
    "spread_pct_widens_by": ("spread_pct", "widens", True),
    # a level in calendar days: fires for each event of the deal dated from the as-of to that many days after
    "event_within_days": ("events", "within", False),
}
#: The alert a refresh raises, without any rule, when a deal's status differs from the last refresh's.
STATUS_CHANGED = "status_changed"
ALL_DEALS = "*"


def rule_kind(name: str) -> str | None:
    """The rule key ``name`` stands for (British or American spelling, any case), or None."""
    key = name.strip().lower().replace("-", "_").replace("annualised", "annualized")
    return key if key in RULES else None


# Full match: with .match and "$", "enn\n" would pass, since "$" also matches before a final newline.
_ID_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_HEADER = """\
# arb watchlist: the deals `arb refresh` values and the alerts it checks (see docs/watchlist.md).
# `arb watch add PATH` and `arb watch remove ID` edit the [[watch]] entries; add alerts by hand
# or with `arb watch alert add DEAL RULE LEVEL` (`arb watch alert remove DEAL [RULE]`):
#
# [alerts.enn-energy]          # a deal id, or "*" for every deal
# spread_pct_below = "10%"     # spread % under 10%
# spread_pct_above = "30%"
# annualized_above = "40%"
# spread_widens_by = 1.5       # spread up by more than 1.50 (deal currency) since the last refresh
# spread_pct_widens_by = "2pp" # spread % up by more than 2 percentage points since the last refresh
# event_within_days = 14       # an event of the deal (meeting, payment, long-stop...) in the next 14 days
#
# [notify]                     # where fired alerts go besides the terminal
# targets = ["https://ntfy.sh/my-arb-alerts", "desktop"]
"""


class WatchlistError(ArbError):
    """A watchlist that cannot be read, or a key in it that is wrong."""

    def __init__(self, path: Path | str | None, key: str, problem: str) -> None:
        self.path = None if path is None else Path(path)
        self.key = key
        self.problem = problem
        where = f"{self.path}: " if self.path else ""
        super().__init__(safe(where + (f"{key}: " if key else "") + problem))  # see arb.text


@dataclass(frozen=True)
class WatchEntry:
    """One followed deal file or folder. ``path`` is resolved against the watchlist's folder."""

    id: str
    path: Path
    written: str


@dataclass(frozen=True)
class Rule:
    """One alert rule on one deal (``deal`` may be ``"*"``): ``kind`` is a key of :data:`RULES`.

    ``level`` is a fraction for ``spread_pct_*``, ``annualized_above`` and ``spread_pct_widens_by``,
    money in the deal's currency per target share for ``spread_widens_by``, and calendar days for
    ``event_within_days``.
    """

    deal: str
    kind: str
    level: float
    written: str

    @property
    def figure(self) -> str:
        return RULES[self.kind][0]

    @property
    def needs_previous(self) -> bool:
        return RULES[self.kind][2]

    @property
    def on_prices(self) -> bool:
        """True when the rule reads figures priced by the refresh (so a stale price means not checked)."""
        return RULES[self.kind][1] != "within"


@dataclass(frozen=True)
class Alert:
    """A rule that fired: which deal, which rule, the figure seen, and one line saying so.

    ``price`` says which price the figure came from and how old it was (None when not known).
    For ``event_within_days`` the value is the event's distance in days; a ``status_changed``
    alert has neither level nor value (None).
    """

    deal_id: str
    rule: str
    level: float | None
    value: float | None
    message: str
    price: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "deal": self.deal_id,
            "rule": self.rule,
            "level": self.level,
            "value": self.value,
            "price": self.price,
            "message": self.message,
        }


@dataclass
class Watchlist:
    """Followed deal paths and alert rules. ``path`` is None when following the bundled seeds."""

    path: Path | None
    entries: list[WatchEntry] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    #: Where fired alerts are sent besides the terminal (``[notify] targets``): URLs, "desktop".
    targets: list[str] = field(default_factory=list)

    @property
    def follows_seeds(self) -> bool:
        return self.path is None

    def deal_paths(self) -> list[Path]:
        """The deal files and folders to load (the bundled seeds when there is no watchlist)."""
        if self.path is None:
            from arb.resources import seeds_dir

            return [seeds_dir()]
        return [e.path for e in self.entries]

    def rules_for(self, deal_id: str) -> list[Rule]:
        """The deal's own rules, plus the ``"*"`` rules of kinds the deal does not set itself."""
        own = [r for r in self.rules if r.deal == deal_id]
        kinds = {r.kind for r in own}
        return own + [r for r in self.rules if r.deal == ALL_DEALS and r.kind not in kinds]

    def unknown_alert_deals(self, deal_ids: set[str]) -> list[str]:
        """Deal ids that have alert rules but are not among ``deal_ids`` (likely a typo)."""
        return sorted({r.deal for r in self.rules if r.deal != ALL_DEALS and r.deal not in deal_ids})


# -- reading -----------------------------------------------------------------------------------


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(known)}"


def _days(path: Path, key: str, value: Any) -> float:
    """``event_within_days``: a whole number of days, 0 or more (``14``, or ``"14d"``)."""
    text = value.strip().lower().removesuffix("days").removesuffix("d").strip() if isinstance(value, str) else None
    days = value if isinstance(value, int) and not isinstance(value, bool) else None
    if text is not None and text.isdigit():
        days = int(text)
    if days is None or not 0 <= days <= 3660:
        raise WatchlistError(path, key, f"{value!r} is not a number of days; write a whole number, e.g. 14")
    return float(days)


def _level(path: Path, key: str, kind: str, value: Any) -> float:
    """A rule's level as a number (fraction, money for ``spread_widens_by``, days for ``event_within_days``)."""
    if kind == "event_within_days":
        return _days(path, key, value)
    money = kind == "spread_widens_by"
    points = kind == "spread_pct_widens_by"
    if isinstance(value, bool):
        value = str(value).lower()
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and not money:
        text = value.strip().replace(" ", "")
        unit = "pp" if points and text.endswith("pp") else "%" if text.endswith("%") else ""
        try:
            number = float(text[: -len(unit)] if unit else "nan") / 100
        except ValueError:
            number = math.nan
    else:
        number = math.nan
    if not math.isfinite(number):
        if money:
            fix = "write a number in the deal's currency per target share, e.g. 1.5"
        elif points:
            fix = 'write percentage points, e.g. "2pp", or a fraction, e.g. 0.02'
        else:
            fix = 'write a percent, e.g. "5%", or a fraction, e.g. 0.05'
        raise WatchlistError(path, key, f"{value!r} is not a level; {fix}")
    if RULES[kind][1] == "widens" and number <= 0:
        raise WatchlistError(path, key, f"{value!r} must be above zero (it is how much the spread widens)")
    return number


def _entries(path: Path, data: Any) -> list[WatchEntry]:
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise WatchlistError(path, "watch", 'must be a list of [[watch]] tables, each with id = "..." and path = "..."')
    out: list[WatchEntry] = []
    seen: set[str] = set()
    for i, entry in enumerate(data):
        where = item_key("watch", i)
        for key in entry:
            if key not in ("id", "path"):
                raise WatchlistError(path, f"{where}.{key}", f"unknown key; {_suggest(key, ['id', 'path'])}")
        ident, written = entry.get("id"), entry.get("path")
        if not isinstance(written, str) or not written.strip():
            raise WatchlistError(
                path, f"{where}.path", 'is required: the deal file or folder, e.g. path = "deals/enn.toml"'
            )
        if not isinstance(ident, str) or not _ID_RE.fullmatch(ident):
            raise WatchlistError(
                path, f"{where}.id", f"{ident!r} is not an id; use lower-case letters, digits and dashes"
            )
        if ident in seen:
            raise WatchlistError(path, f"{where}.id", f"{ident!r} is used twice; give each entry its own id")
        seen.add(ident)
        target = Path(written).expanduser()
        out.append(WatchEntry(ident, target if target.is_absolute() else path.parent / target, written))
    return out


def _rules(path: Path, data: Any) -> list[Rule]:
    if not isinstance(data, dict):
        raise WatchlistError(path, "alerts", "must be a table of deal ids, e.g. [alerts.enn-energy]")
    out: list[Rule] = []
    for deal, table in data.items():
        if deal != ALL_DEALS and not _ID_RE.fullmatch(deal):
            raise WatchlistError(path, f"alerts.{deal}", 'is not a deal id; use the deal\'s id, or "*" for every deal')
        if not isinstance(table, dict):
            raise WatchlistError(path, f"alerts.{deal}", 'must be a table of rules, e.g. spread_pct_below = "10%"')
        seen: dict[str, str] = {}
        for written_kind, value in table.items():
            key = f"alerts.{deal}.{written_kind}"
            kind = rule_kind(written_kind)
            if kind is None:
                raise WatchlistError(path, key, f"unknown rule; {_suggest(written_kind, list(RULES))}")
            if kind in seen:  # annualised_above beside annualized_above: which one was meant?
                raise WatchlistError(path, key, f"is the same rule as {seen[kind]!r}; keep one of them")
            seen[kind] = written_kind
            out.append(Rule(deal, kind, _level(path, key, kind, value), str(value)))
    return out


def _targets(path: Path, data: Any) -> list[str]:
    """``[notify] targets``: webhook URLs and/or "desktop" (checked by :func:`arb.notify.check_target`)."""
    from arb.notify import check_target

    if not isinstance(data, dict):
        raise WatchlistError(path, "notify", 'must be a table, e.g. [notify] targets = ["https://ntfy.sh/my-topic"]')
    for key in data:
        if key != "targets":
            raise WatchlistError(path, f"notify.{key}", f"unknown key; {_suggest(key, ['targets'])}")
    targets = data.get("targets", [])
    if isinstance(targets, str):
        targets = [targets]
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise WatchlistError(path, "notify.targets", 'must be a list, e.g. ["https://ntfy.sh/my-topic", "desktop"]')
    out = []
    for i, t in enumerate(targets):
        try:
            out.append(check_target(t))
        except ValueError as exc:
            raise WatchlistError(path, f"notify.{item_key('targets', i)}", str(exc)) from None
    return out


def load_watchlist(path: Path | str | None = None) -> Watchlist:
    """Read a watchlist. ``None`` means the default file; when that does not exist, the seeds.

    An explicit ``path`` that does not exist is an error. Raises :class:`WatchlistError`.
    """
    if path is None:
        from arb.paths import watchlist_path

        path = watchlist_path()
        if not path.exists():
            return Watchlist(None)
    from arb.loader import read_toml

    path = Path(path)
    try:
        missing = not path.exists()
    except OSError:  # a path too long to look up: read_toml says so
        missing = False
    if missing:
        raise WatchlistError(path, "", "no such watchlist; create it with `arb watch add PATH`")
    data = read_toml(path, WatchlistError)
    for key in data:
        if key not in ("watch", "alerts", "notify"):
            raise WatchlistError(path, key, f"unknown key; {_suggest(key, ['alerts', 'notify', 'watch'])}")
    return Watchlist(
        path,
        _entries(path, data.get("watch", [])),
        _rules(path, data.get("alerts", {})),
        _targets(path, data.get("notify", {})),
    )


# -- editing -----------------------------------------------------------------------------------

_TABLE_RE = re.compile(r"^\s*\[")
_WATCH_RE = re.compile(r"^\s*\[\[\s*watch\s*\]\]\s*(#.*)?$")


#: TOML basic-string escapes; any other control character is written as ``\\uXXXX``.
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _quote(text: str) -> str:
    """``text`` as a TOML basic string that reads back as exactly ``text`` (control characters escaped)."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:  # a lone surrogate (an undecodable file name) cannot be written
            raise WatchlistError(None, "", f"{text!r} is not valid text; rename it")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _exists(path: Path, shown: Path | str | None = None) -> bool:
    """``path.exists()``; a path the system cannot look up (a name too long, say) is a WatchlistError."""
    try:
        return path.exists()
    except OSError as exc:
        raise WatchlistError(None, "", f"{shown or path}: cannot be looked up ({exc.strerror or exc})") from None


def _slug(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-") or "deals"


def add_entry(watchlist: Path | str, deal_path: Path | str, *, entry_id: str | None = None) -> WatchEntry:
    """Follow a deal file or folder: check that it loads, then append a ``[[watch]]`` entry.

    Creates the watchlist (and its folder) when needed. Comments and alerts already in the file
    are kept: the entry is appended as text. The id defaults to the deal's id for a file, the
    folder's name for a folder. Raises :class:`WatchlistError` (or the deal's own error).
    """
    from arb.loader import load_deals

    watchlist = Path(watchlist)
    target = Path(deal_path).expanduser().resolve()
    if not _exists(target, deal_path):
        raise WatchlistError(None, "", f"{deal_path}: no such deal file or folder")
    loaded = load_deals([target])
    if loaded.errors:
        raise loaded.errors[0]
    if not loaded.deals:
        raise WatchlistError(None, "", f"{deal_path}: holds no deal files (*.toml)")
    exists = _exists(watchlist)
    current = load_watchlist(watchlist) if exists else Watchlist(watchlist)
    for e in current.entries:
        if e.path.resolve() == target:
            raise WatchlistError(watchlist, "", f"{deal_path} is already watched as {e.id!r}")
    # Another file with a watched deal's id would clash at every refresh from now on (the same
    # file through a folder and itself is read once: see loader.deal_files).
    watched = load_deals(current.deal_paths()).paths if current.entries else {}
    for deal in loaded.deals:
        other = watched.get(deal.id)
        if other is not None and other.resolve() != loaded.paths[deal.id].resolve():
            entry = next((e.id for e in current.entries if e.path == other or e.path in other.parents), "?")
            raise WatchlistError(
                watchlist,
                "",
                f"{deal_path}: the deal id {deal.id!r} is already watched from {other} (entry {entry!r}); "
                "ids must be unique: rename one, or remove that entry first",
            )
    if entry_id is None:
        base = loaded.deals[0].id if target.is_file() else _slug(target.name)
        taken = {e.id for e in current.entries}
        entry_id, n = base, 2
        while entry_id in taken:
            entry_id, n = f"{base}-{n}", n + 1
    elif not _ID_RE.fullmatch(entry_id) or entry_id in {e.id for e in current.entries}:
        raise WatchlistError(watchlist, "", f"{entry_id!r} is taken or not an id (lower-case letters, digits, dashes)")
    text = watchlist.read_text(encoding="utf-8-sig") if exists else _HEADER
    if text and not text.endswith("\n"):
        text += "\n"
    text += f"\n[[watch]]\nid = {_quote(entry_id)}\npath = {_quote(str(target))}\n"
    _write(watchlist, text)
    return WatchEntry(entry_id, target, str(target))


def remove_entry(watchlist: Path | str, entry_id: str) -> WatchEntry:
    """Stop following an entry (by id): its ``[[watch]]`` block is cut from the file, the rest kept."""
    watchlist = Path(watchlist)
    current = load_watchlist(watchlist)
    match = [e for e in current.entries if e.id == entry_id]
    if not match:
        known = ", ".join(e.id for e in current.entries) or "none"
        raise WatchlistError(watchlist, "", f"no entry with id {entry_id!r} (entries: {known}); see `arb watch list`")
    lines = watchlist.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _WATCH_RE.match(line)]
    for start in starts:
        end = next((j for j in range(start + 1, len(lines)) if _TABLE_RE.match(lines[j])), len(lines))
        try:
            block = tomllib.loads("".join(lines[start:end]))
        except tomllib.TOMLDecodeError:
            continue
        if block.get("watch", [{}])[0].get("id") == entry_id:
            _write(watchlist, "".join(lines[:start] + lines[end:]))
            if any(e.id == entry_id for e in load_watchlist(watchlist).entries):  # pragma: no cover - odd layouts
                break
            return match[0]
    raise WatchlistError(
        watchlist, "", f"cannot find the [[watch]] block of {entry_id!r} to cut; edit the file by hand"
    )


_KEY_LINE = r"^\s*(?:{key}|\"{key}\"|'{key}')\s*="


def _alerts_header(deal: str) -> re.Pattern[str]:
    """The ``[alerts.DEAL]`` header line, bare or quoted, with spaces or a comment."""
    name = re.escape(deal)
    return re.compile(rf"""^\s*\[\s*alerts\s*\.\s*(?:{name}|"{name}"|'{name}')\s*\]\s*(#.*)?$""")


def _table_span(lines: list[str], deal: str) -> tuple[int, int] | None:
    """Lines ``[start, end)`` of the ``[alerts.DEAL]`` table, or None when it has no header line."""
    header = _alerts_header(deal)
    for i, line in enumerate(lines):
        if header.match(line):
            end = next((j for j in range(i + 1, len(lines)) if _TABLE_RE.match(lines[j])), len(lines))
            return i, end
    return None


def _rule_value(kind: str, level: str) -> str:
    """A level typed on the command line as the TOML the file keeps.

    For rules on spread % or the annualised return a bare number is a percent (percentage points
    for a widening), written ``"5%"``/``"5pp"``; any other rule's level (money, days) is written
    as the number typed.
    """
    text = level.strip().replace(" ", "")
    figure, direction, _ = RULES[kind]
    if figure not in ("spread_pct", "annualized"):
        try:
            float(text)
        except ValueError:
            return _quote(text)
        return text
    if text.endswith(("%", "pp")):
        return _quote(text)
    return _quote(text + ("pp" if direction == "widens" else "%"))


#: The id of the entry that keeps the bundled seeds followed when ``add_rule`` creates the file.
SEEDS_ENTRY = "seeds"


def add_rule(watchlist: Path | str, deal: str, kind: str, level: str) -> Rule:
    """Set one alert rule (``kind`` in either spelling) on ``deal`` (or ``"*"``); replaces the same rule.

    ``level`` is as typed on the command line: for percent rules a bare number is a percent
    (``"5"`` is 5%), for ``spread_pct_widens_by`` percentage points, for ``spread_widens_by``
    money. The file is edited as text (comments kept) through :func:`_write`. When there is no
    file yet (the seeds are followed), it is created with a ``[[watch]]`` entry for the seeds.
    """
    watchlist = Path(watchlist)
    canonical = rule_kind(kind)
    if canonical is None:
        raise WatchlistError(watchlist, "", f"{kind!r} is not an alert rule; {_suggest(kind, list(RULES))}")
    if deal != ALL_DEALS and not _ID_RE.fullmatch(deal):
        raise WatchlistError(watchlist, "", f'{deal!r} is not a deal id; use the deal\'s id, or "*" for every deal')
    value = _rule_value(canonical, level)
    key = f"alerts.{deal}.{canonical}"
    try:
        parsed = tomllib.loads(f"x = {value}")["x"]
    except tomllib.TOMLDecodeError:
        parsed = level
    try:
        number = _level(watchlist, key, canonical, parsed)
    except WatchlistError as exc:
        figure = RULES[canonical][0]
        unit = (
            "a number, e.g. 5 (for 5%)"
            if figure in ("spread_pct", "annualized")
            else "money per target share, e.g. 1.5"
            if figure == "spread"
            else "a whole number of days from 0 to 3660, e.g. 14"
            if canonical == "event_within_days"
            else "a number"
        )
        if "above zero" in exc.problem:
            raise
        raise WatchlistError(watchlist, key, f"{level!r} is not a level; write {unit}") from None
    exists = _exists(watchlist)
    current = load_watchlist(watchlist) if exists else Watchlist(watchlist)
    text = watchlist.read_text(encoding="utf-8-sig") if exists else _HEADER
    if not exists:
        # Without a file the seeds are followed; a file with no [[watch]] entry follows nothing.
        # A file made only to hold a rule keeps following them, as an entry the user can remove.
        from arb.resources import seeds_dir

        text += f"\n[[watch]]\nid = {_quote(SEEDS_ENTRY)}\npath = {_quote(str(seeds_dir()))}\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    header = f"[alerts.{_quote(deal) if deal == ALL_DEALS else deal}]\n"
    new_line = f"{canonical} = {value}\n"
    span = _table_span(lines, deal)
    had = any(r.deal == deal for r in current.rules)
    if span is None and had:
        raise WatchlistError(watchlist, "", f"the alerts of {deal!r} are not in an [alerts.{deal}] table; edit by hand")
    if span is None:
        lines += ["\n", header, new_line]
    else:
        start, end = span
        spellings = [k for k in (canonical, canonical.replace("annualized", "annualised")) if k]
        found = [
            j
            for j in range(start + 1, end)
            if any(re.match(_KEY_LINE.format(key=re.escape(k)), lines[j]) for k in spellings)
        ]
        if found:
            lines[found[0]] = new_line
            for j in reversed(found[1:]):
                del lines[j]
        else:
            last = max(j for j in range(start, end) if lines[j].strip() and not lines[j].lstrip().startswith("#"))
            lines.insert(last + 1, new_line)
    _write(watchlist, "".join(lines))
    rule = next((r for r in load_watchlist(watchlist).rules if r.deal == deal and r.kind == canonical), None)
    if rule is None or rule.level != number:  # pragma: no cover - a multi-line value we did not replace
        raise WatchlistError(watchlist, key, "was written but does not read back; edit the file by hand")
    return rule


def remove_rules(watchlist: Path | str, deal: str, kind: str | None = None) -> list[Rule]:
    """Remove one rule (``kind``) of ``deal``, or all its rules (its whole ``[alerts.DEAL]`` table)."""
    watchlist = Path(watchlist)
    current = load_watchlist(watchlist)
    canonical = None if kind is None else rule_kind(kind)
    if kind is not None and canonical is None:
        raise WatchlistError(watchlist, "", f"{kind!r} is not an alert rule; {_suggest(kind, list(RULES))}")
    gone = [r for r in current.rules if r.deal == deal and (canonical is None or r.kind == canonical)]
    if not gone:
        have = sorted({f"{r.deal} {r.kind}" for r in current.rules}) or ["none"]
        what = f"{deal!r}" if canonical is None else f"{deal!r} {canonical}"
        raise WatchlistError(
            watchlist, "", f"no alert rule {what} (rules: {', '.join(have)}); see `arb watch alert list`"
        )
    lines = watchlist.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    span = _table_span(lines, deal)
    if span is None:
        raise WatchlistError(watchlist, "", f"the alerts of {deal!r} are not in an [alerts.{deal}] table; edit by hand")
    start, end = span
    if canonical is None:
        del lines[start:end]
    else:
        spellings = {canonical, canonical.replace("annualized", "annualised")}
        for j in reversed(range(start + 1, end)):
            if any(re.match(_KEY_LINE.format(key=re.escape(k)), lines[j]) for k in spellings):
                del lines[j]
        end = next((j for j in range(start + 1, len(lines)) if _TABLE_RE.match(lines[j])), len(lines))
        if not any(x.strip() and not x.lstrip().startswith("#") for x in lines[start + 1 : end]):
            del lines[start:end]  # no rule left: the empty table goes too
    _write(watchlist, "".join(lines))
    left = {(r.deal, r.kind) for r in load_watchlist(watchlist).rules}
    if any((r.deal, r.kind) in left for r in gone):  # pragma: no cover - a layout the cut did not handle
        raise WatchlistError(watchlist, "", f"cannot cut the rules of {deal!r}; edit the file by hand")
    return gone


def _write(path: Path, text: str) -> None:
    """Replace the watchlist with ``text`` whole: written beside it, then renamed over it.

    A failure (a read-only folder, a full disk) leaves the file as it was and is one
    :class:`WatchlistError` saying so.
    """
    try:
        tomllib.loads(text)  # never leave a file that does not parse
    except (tomllib.TOMLDecodeError, RecursionError) as exc:  # pragma: no cover - _quote escapes every value
        problem = f"the edit would not be valid TOML ({exc}); the watchlist was not changed"
        raise WatchlistError(path, "", problem) from None
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise WatchlistError(path, "", _write_problem(path, exc)) from None


def _write_problem(path: Path, exc: OSError) -> str:
    unchanged = "the watchlist was not changed"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"the folder {path.parent} is read-only (or not writable by this user); {unchanged}. "
            "Make it writable, or pass --watchlist FILE in a writable folder"
        )
    if exc.errno == errno.ENOSPC:
        return f"the disk is full; {unchanged}"
    return f"cannot write it ({exc.strerror or exc}); {unchanged}"


# -- alerts ------------------------------------------------------------------------------------


def _fixed(x: float, decimals: int, sep: str = "") -> str:
    text = f"{x:{sep}.{decimals}f}"
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text  # no "-0.0"


def _fmt(x: float, kind: str, currency: str | None, decimals: int | None = None) -> str:
    """A level or figure as the alert prints it: money with 2 decimals, percents and points with 1."""
    if kind == "spread_widens_by":
        return f"{currency + ' ' if currency else ''}{_fixed(x, 2 if decimals is None else decimals, ',')}"
    d = 1 if decimals is None else decimals
    if kind == "spread_pct_widens_by":
        return f"{_fixed(x * 100, d)} points"
    return f"{_fixed(x * 100, d)}%"


def _fmt_pair(value: float, level: float, kind: str, currency: str | None) -> tuple[str, str]:
    """The figure and the level with the fewest decimals (at least the usual) that tell them apart.

    A rule fires when the figure is strictly past its level, so "10.0% is above 10.0%" would
    read as a bug: 10.004% is printed against 10.000%. Rounding is monotonic, so the printed
    figure never appears on the wrong side of the printed level.
    """
    base = 2 if kind == "spread_widens_by" else 1
    for d in range(base, base + 8):
        v, lv = _fmt(value, kind, currency, d), _fmt(level, kind, currency, d)
        if v != lv:
            break
    return v, lv


def evaluate_alerts(
    deal_id: str,
    rules: list[Rule],
    figures: Mapping[str, Any],
    change: Mapping[str, Any] | None,
    *,
    price: str | None = None,
) -> list[Alert]:
    """The rules that fire for one deal.

    ``figures`` holds ``spread_pct`` and ``annualized`` (fractions) and ``currency``; ``change``
    holds ``spread`` and ``spread_pct``: this refresh minus the previous one (None when there is
    no previous refresh, so widening rules cannot fire). A missing figure fires nothing.
    ``price`` (which price the figures used and how old it is) is added to each message. The
    caller decides whether the figures may be checked at all: a stale figure must not be
    (:func:`arb.refresh.run_refresh` lists such rules as not checked).
    """
    fired: list[Alert] = []
    currency = figures.get("currency")
    for rule in rules:
        name, direction, _ = RULES[rule.kind]
        if direction == "within":
            fired += _events_within(deal_id, rule, figures.get("events") or ())
            continue
        source = change if direction == "widens" else figures
        value = None if source is None else source.get(name)
        if value is None or not math.isfinite(value):
            continue
        value_text, level_text = _fmt_pair(value, rule.level, rule.kind, currency)
        label = "spread %" if name == "spread_pct" else "annualised return" if name == "annualized" else "spread"
        if direction == "below" and value < rule.level:
            message = f"{deal_id}: {label} {value_text} is below {level_text}"
        elif direction == "above" and value > rule.level:
            message = f"{deal_id}: {label} {value_text} is above {level_text}"
        elif direction == "widens" and value > rule.level:
            message = f"{deal_id}: {label} widened by {value_text} since the last refresh (more than {level_text})"
        else:
            continue
        if price:
            message += f" ({price})"
        fired.append(Alert(deal_id, rule.kind, rule.level, float(value), f"{message} [{rule.kind}]", price))
    return fired


def _events_within(deal_id: str, rule: Rule, events: Any) -> list[Alert]:
    """One alert per event dated from the as-of (0 days) to ``rule.level`` days after it.

    ``events`` holds mappings with ``kind``, ``date`` (ISO text), ``days`` (from the as-of) and
    ``confirmed``, as :func:`arb.refresh.run_refresh` passes them.
    """
    fired = []
    for e in events:
        days = e["days"]
        if not 0 <= days <= rule.level:
            continue
        when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
        state = "" if e.get("confirmed") else " (expected)"
        message = (
            f"{deal_id}: {e['kind']} on {e['date']}{state} is {when} (within {int(rule.level)} days) [{rule.kind}]"
        )
        fired.append(Alert(deal_id, rule.kind, rule.level, float(days), message))
    return fired


def status_alert(deal_id: str, before: str, after: str, since: str | None = None) -> Alert:
    """The alert of a deal whose status changed since the previous refresh (``since``: its as-of)."""
    when = f" (as of {since})" if since else ""
    message = f"{deal_id}: status changed from {before} to {after} since the last refresh{when} [{STATUS_CHANGED}]"
    return Alert(deal_id, STATUS_CHANGED, None, None, message)
