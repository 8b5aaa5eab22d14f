"""Read deal files (TOML) into :class:`~arb.models.Deal` objects, one clear error per bad file."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from arb.errors import DealFileError, DuplicateDealError
from arb.models import Deal

__all__ = ["LoadResult", "deal_files", "load_deal", "load_deals"]


@dataclass
class LoadResult:
    """Deals that loaded, and one error per file that did not."""

    deals: list[Deal] = field(default_factory=list)
    errors: list[DealFileError] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _key_path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _friendly(err: Any) -> tuple[str, str]:
    """Turn one pydantic error into (key path, problem)."""
    # pydantic puts validator names such as 'function-after[...]' or 'tuple[...]' into loc; drop them.
    loc = [p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))]
    etype = err["type"]
    ctx = err.get("ctx") or {}
    if etype == "unknown_key":
        loc = [*loc, ctx["key"]]
        return _key_path(loc), err["msg"]
    if "key" in ctx and not loc:
        return str(ctx["key"]), err["msg"]
    if etype == "missing":
        return _key_path(loc), "is required but missing"
    if etype == "extra_forbidden":
        return _key_path(loc), "unknown key"
    given = err.get("input")
    msg = err["msg"]
    if etype in {
        "float_parsing",
        "float_type",
        "int_parsing",
        "int_type",
        "string_type",
        "date_parsing",
        "date_type",
        "date_from_datetime_parsing",
        "bool_type",
        "list_type",
        "tuple_type",
        "dict_type",
        "model_type",
        "literal_error",
    } or etype.startswith(("greater_than", "less_than")):
        msg = f"{msg[0].lower()}{msg[1:]}, got {given!r}"
    return _key_path(loc), msg


def load_deal(path: Path | str) -> Deal:
    """Load and check one deal file. Raises :class:`DealFileError` naming the file and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DealFileError(path, "", f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DealFileError(path, "", "is not UTF-8 text; save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DealFileError(path, "", f"TOML syntax error: {exc}") from None
    try:
        return Deal.model_validate(data)
    except ValidationError as exc:
        errors = [_friendly(e) for e in exc.errors()]
        key, problem = errors[0]
        # One line per file: the first problem in full, the others after it, each with its key.
        rest = [f"{k}: {p}" if k else p for k, p in errors[1:4]]
        if rest:
            problem += "; also " + "; ".join(rest)
        if len(errors) > 4:
            problem += f" (and {len(errors) - 4} more)"
        raise DealFileError(path, key, problem) from None


def deal_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand files and folders into the deal files they hold (``*.toml``, sorted, recursive)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*.toml") if not f.name.startswith((".", "_"))))
        else:
            out.append(p)
    return out


def load_deals(paths: Iterable[Path | str]) -> LoadResult:
    """Load every deal file under ``paths``. A bad file is an error in the result, never a stop."""
    result = LoadResult()
    for path in deal_files(paths):
        if not path.exists():
            result.errors.append(DealFileError(path, "", "no such file or folder"))
            continue
        try:
            deal = load_deal(path)
        except DealFileError as exc:
            result.errors.append(exc)
            continue
        if deal.id in result.paths:
            result.errors.append(
                DuplicateDealError(
                    path, "id", f"{deal.id!r} is already used by {result.paths[deal.id]}; ids must be unique"
                )
            )
            continue
        result.paths[deal.id] = path
        result.deals.append(deal)
    return result
