"""Decide whether a news item is a deal, and if not, say in plain words what it is."""

from __future__ import annotations

import re
from types import ModuleType

from arb.extract import patterns_en, patterns_zh

__all__ = ["skip_reason"]

_KINDS = (
    ("IPO_RE", "an IPO or share offering, not an acquisition"),
    ("PARTNER_RE", "a partnership, not an acquisition"),
    ("RESULTS_RE", "a results report, not an acquisition"),
)


def _match(regex_name: str, text: str, modules: tuple[ModuleType, ...]) -> str | None:
    for module in modules:
        regex: re.Pattern[str] = getattr(module, regex_name)
        if (m := regex.search(text)) is not None:
            return m.group(0)
    return None


def skip_reason(headline: str, lead: str, body: str, language: str, has_terms: bool) -> str | None:
    """None for a deal item; otherwise why the item is skipped.

    Terms per share (a ratio or cash per share next to acquisition words) make a deal whatever
    else the item says, unless it is an opinion piece; otherwise the headline decides, then the
    first sentences.
    """
    own = patterns_zh if language == "zh" else patterns_en
    both = (patterns_zh, patterns_en)
    if (word := _match("OPINION_RE", body, (own,))) is not None:
        return f"an opinion piece (it says: {word!r}), no deal announced"
    deal_anywhere = _match("DEAL_RE", body, (own,)) is not None
    if has_terms and deal_anywhere:
        return None
    for regex_name, reason in _KINDS:
        if (word := _match(regex_name, headline, both)) is not None and _match("DEAL_RE", headline, both) is None:
            return f"{reason} (headline says {word!r})"
    if _match("DEAL_RE", headline + "\n" + lead, both) is not None:
        return None
    for regex_name, reason in _KINDS:
        if (word := _match(regex_name, lead, (own,))) is not None:
            return f"{reason} (it says {word!r})"
    return "no acquisition wording or deal terms found"
