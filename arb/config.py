"""arb's settings: ``config.toml`` in the data folder, each key overridden by an ``ARB_*`` variable.

The file (``arb config init`` writes a commented one; the keys are in ``docs/config.md``)::

    deals = ["~/deals"]          # deal folders used when a command gets none (default: the seeds)
    timeout = 20                 # seconds the live price fetch may take in all
    price_source = "live"        # live | offline | file
    prices_file = ""             # the CSV read when price_source = "file"
    columns = []                 # report columns to show (default: all)

    [watch]
    interval = "5m"              # how often `arb watch live` re-prices (at least 60 s)
    targets = []                 # where alerts go by default: webhook URLs, "desktop"

    [costs]                      # any other table is kept whole for the code that reads it

Precedence, lowest first: the built-in default, the file, the environment. Every value is
checked here; a bad one is one :class:`ConfigError` naming the file (or variable) and the key.
``Config.origin(key)`` says where each value came from. Nothing here imports rich or typer.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arb.errors import ConfigError

__all__ = [
    "COLUMNS",
    "CONFIG_NAME",
    "ENV",
    "MIN_INTERVAL",
    "PRICE_SOURCES",
    "Config",
    "config_path",
    "load_config",
    "parse_columns",
    "parse_interval",
]

CONFIG_NAME = "config.toml"
#: The fewest seconds between two live refreshes: Yahoo rate-limits clients that ask more often.
MIN_INTERVAL = 60.0
PRICE_SOURCES = ("live", "offline", "file")
#: Report columns a user may choose (the names `arb report` prints, lower case), in the default order.
#: Net %, Net ann. %, Cond. and Next show only when some deal has costs set, or events or conditions.
COLUMNS = (
    "deal", "ccy", "target", "value", "div", "spread", "spread %", "days", "ann. %", "net %", "net ann. %", "prob.",
    "cond.", "next", "flags",
)  # fmt: skip

#: Setting -> the environment variable that overrides it. ``ARB_DEALS`` holds paths separated by
#: ``os.pathsep`` (``:`` on Linux and macOS); ``ARB_COLUMNS`` and ``ARB_WATCH_TARGETS`` are
#: comma-separated. ``ARB_OFFLINE=1`` (older than this file) means ``price_source = "offline"``.
ENV: dict[str, str] = {
    "deals": "ARB_DEALS",
    "timeout": "ARB_TIMEOUT",
    "price_source": "ARB_PRICE_SOURCE",
    "prices_file": "ARB_PRICES_FILE",
    "columns": "ARB_COLUMNS",
    "watch.interval": "ARB_WATCH_INTERVAL",
    "watch.targets": "ARB_WATCH_TARGETS",
}

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?", re.IGNORECASE)
_UNIT_SECONDS = {"": 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_interval(value: Any) -> float:
    """Seconds in ``value``: a number of seconds, or text such as ``"90s"``, ``"5m"``, ``"1h"``.

    Raises ValueError with the fix when it is not a duration; the minimum is the caller's check.
    """
    if isinstance(value, bool):
        raise ValueError(f'{value!r} is not a duration; write seconds (300) or text such as "5m"')
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION_RE.fullmatch(value.strip())):
        seconds = float(m.group(1)) * _UNIT_SECONDS[(m.group(2) or "").lower()]
    else:
        raise ValueError(f'{value!r} is not a duration; write seconds (300) or text such as "5m" or "90s"')
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{value!r} is not a duration above zero")
    return seconds


# -- the settings --------------------------------------------------------------------------------


def _paths(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError('must be a list of folder or file paths, e.g. deals = ["~/deals"]')
    return tuple(value)


def _timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a number of seconds; write e.g. timeout = 20")
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number of seconds; write e.g. timeout = 20") from None
    if not math.isfinite(seconds) or seconds < 0.1:
        raise ValueError(f"{value!r} must be at least 0.1 (seconds)")
    return seconds


def _price_source(value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in PRICE_SOURCES:
        raise ValueError(f"{value!r} is not a price source; use one of {', '.join(PRICE_SOURCES)}")
    return value.strip().lower()


def _prices_file(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError('must be the path of a CSV of prices, e.g. prices_file = "~/prices.csv"')
    return value.strip()


def parse_columns(value: Any) -> tuple[str, ...]:
    """Report column names from a list or comma-separated text, lower case, each checked against
    :data:`COLUMNS`. The ``columns`` setting, ``ARB_COLUMNS`` and ``arb report --columns`` all
    come through here. Raises ValueError naming the unknown name and the nearest known one."""
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError('must be a list of column names, e.g. columns = ["deal", "spread %", "ann. %"]')
    names = tuple(v.strip().lower() for v in value)
    for name in names:
        if name not in COLUMNS:
            close = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"columns: {', '.join(COLUMNS)}"
            raise ValueError(f"{name!r} is not a report column; {hint}")
    return names


def _interval(value: Any) -> float:
    seconds = parse_interval(value)
    if seconds < MIN_INTERVAL:
        raise ValueError(f"{value!r} is under the minimum of {MIN_INTERVAL:g} seconds (Yahoo limits how often we ask)")
    return seconds


def _targets(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError('must be a list of targets, e.g. targets = ["https://ntfy.sh/my-topic", "desktop"]')
    from arb.notify import check_target

    return tuple(check_target(v.strip()) for v in value)


@dataclass(frozen=True)
class _Setting:
    default: Any
    check: Callable[[Any], Any]
    help: str


SETTINGS: dict[str, _Setting] = {
    "deals": _Setting((), _paths, "deal files or folders used when a command is given none (default: the seeds)"),
    "timeout": _Setting(20.0, _timeout, "seconds the live price fetch may take in all"),
    "price_source": _Setting("live", _price_source, "live (Yahoo, then the store, then the snapshot), offline, file"),
    "prices_file": _Setting("", _prices_file, 'the CSV of prices read when price_source = "file"'),
    "columns": _Setting((), parse_columns, "report columns to show, in order (default: all)"),
    "watch.interval": _Setting(300.0, _interval, "seconds between refreshes of `arb watch live` (at least 60)"),
    "watch.targets": _Setting((), _targets, 'where alerts are sent by default: webhook URLs and/or "desktop"'),
}


@dataclass(frozen=True)
class Config:
    """The effective settings, where each came from, and the file's other tables.

    ``origins`` maps each setting to ``"default"``, ``"file"`` or ``"env"`` (the variable's name
    is in :data:`ENV`). ``path`` is the file read, or would-be file when it does not exist.
    """

    path: Path
    values: Mapping[str, Any]
    origins: Mapping[str, str]
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def deals(self) -> tuple[str, ...]:
        return tuple(self.values["deals"])

    @property
    def deal_paths(self) -> list[Path]:
        """The ``deals`` setting as paths: ``~`` expanded, relative ones against the config's folder."""
        out = []
        for text in self.values["deals"]:
            p = Path(text).expanduser()
            out.append(p if p.is_absolute() else self.path.parent / p)
        return out

    @property
    def timeout(self) -> float:
        return float(self.values["timeout"])

    @property
    def price_source(self) -> str:
        return str(self.values["price_source"])

    @property
    def prices_file(self) -> Path | None:
        text = self.values["prices_file"]
        if not text:
            return None
        p = Path(text).expanduser()
        return p if p.is_absolute() else self.path.parent / p

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.values["columns"])

    @property
    def watch_interval(self) -> float:
        return float(self.values["watch.interval"])

    @property
    def watch_targets(self) -> tuple[str, ...]:
        return tuple(self.values["watch.targets"])

    def origin(self, key: str) -> str:
        """``default``, ``file`` or ``env`` (the variable's name, e.g. ``env ARB_TIMEOUT``)."""
        where = self.origins[key]
        return f"env {ENV[key]}" if where == "env" else where

    def section(self, name: str) -> dict[str, Any]:
        """A table of the file as written (``{}`` when absent), e.g. ``section("costs")``.

        Settings of the known tables (``[watch]``) are left out: read them as ``config[key]``.
        The caller checks its own keys, raising :class:`ConfigError` with ``self.path``.
        """
        return dict(self.sections.get(name, {}))


def config_path() -> Path:
    """``<data folder>/config.toml`` (see :mod:`arb.paths`)."""
    from arb.paths import data_dir

    return data_dir() / CONFIG_NAME


def _flatten(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The known settings as ``section.key`` -> value, and every other table whole."""
    known_sections = {k.split(".")[0] for k in SETTINGS if "." in k}
    flat: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    top_keys = [k for k in SETTINGS if "." not in k]
    for key, value in data.items():
        if isinstance(value, dict):
            if key in known_sections:
                allowed = [k.split(".", 1)[1] for k in SETTINGS if k.startswith(key + ".")]
                for sub, v in value.items():
                    if sub not in allowed:
                        raise ConfigError(path, f"{key}.{sub}", f"unknown key; {_suggest(sub, allowed)}")
                    flat[f"{key}.{sub}"] = v
            else:
                sections[key] = value
        elif key in top_keys:
            flat[key] = value
        else:
            raise ConfigError(path, key, f"unknown key; {_suggest(key, top_keys + sorted(known_sections))}")
    return flat, sections


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(known)}"


def load_config(path: Path | None = None, *, environ: Mapping[str, str] | None = None) -> Config:
    """The effective settings: defaults, then ``path`` (default ``<data>/config.toml``), then ``ARB_*``.

    A missing file is no error (the defaults apply); an explicit ``path`` that is missing is.
    ``environ`` defaults to ``os.environ``. Raises :class:`ConfigError`, naming the file or the
    variable and the key.
    """
    explicit = path is not None
    path = Path(path) if path is not None else config_path()
    env = os.environ if environ is None else environ
    try:
        exists = path.exists()
    except OSError:
        exists = True  # read_toml says what is wrong with it
    data: dict[str, Any] = {}
    if exists:
        from arb.loader import read_toml

        data = read_toml(path, ConfigError)
    elif explicit:
        raise ConfigError(path, "", "no such config file; write one with `arb config init`")
    flat, sections = _flatten(path, data)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, setting in SETTINGS.items():
        raw, where, origin = setting.default, None, "default"
        if key in flat:
            raw, where, origin = flat[key], path, "file"
        var = ENV[key]
        if env.get(var, "").strip():
            raw, where, origin = env[var].strip(), None, "env"
            if key == "deals":
                raw = [p for p in raw.split(os.pathsep) if p.strip()]
        elif key == "price_source" and env.get("ARB_OFFLINE", "") not in ("", "0"):
            raw, where, origin = "offline", None, "env"
        if origin == "default":
            values[key] = raw
        else:
            try:
                values[key] = setting.check(raw)
            except ValueError as exc:
                if where is None:
                    name = var if key != "price_source" or var in env else "ARB_OFFLINE"
                    raise ConfigError(None, name, f"{exc} (from the environment; for the setting {key})") from None
                raise ConfigError(where, key, str(exc)) from None
        origins[key] = origin
    if values["price_source"] == "file" and not values["prices_file"]:
        bad = path if origins["price_source"] == "file" else None
        raise ConfigError(bad, "prices_file", 'is needed when price_source = "file"; name the CSV of prices')
    return Config(path, values, origins, sections)


TEMPLATE = """\
# arb settings (see docs/config.md). Every key is optional: delete one to get its default.
# An ARB_* environment variable overrides the key beside it; `arb config show` says which won.

# Deal files or folders used when a command is given none (default: the bundled seed deals).
# Relative paths are relative to this file; ~ is expanded.                      ARB_DEALS (":"-separated)
# deals = ["~/deals"]

# Seconds the live price fetch may take in all.                                 ARB_TIMEOUT
timeout = 20

# Where prices come from: "live" (Yahoo, then the history store, then the bundled snapshot),
# "offline" (no network: the store, then the snapshot), or "file" (prices_file only).  ARB_PRICE_SOURCE
price_source = "live"

# The CSV of prices read when price_source = "file".                             ARB_PRICES_FILE
# prices_file = "~/prices.csv"

# Report columns to show, in order (default: all of them).                       ARB_COLUMNS (comma-separated)
# columns = ["deal", "ccy", "spread", "spread %", "ann. %", "flags"]

[watch]
# How often `arb watch live` re-prices: seconds, or "90s", "5m", "1h"; at least 60 s.  ARB_WATCH_INTERVAL
interval = "5m"

# Where alerts are sent when the watchlist names no targets: webhook URLs (a JSON POST with
# "text", which Slack, Teams and ntfy accept) and/or "desktop" (notify-send).  ARB_WATCH_TARGETS (comma-separated)
# targets = ["https://ntfy.sh/my-arb-alerts", "desktop"]
"""
