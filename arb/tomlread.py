"""Deal files' TOML: tomli's document and messages, read about four times faster where that is safe.

tomli (pinned below 2.4: TOML 1.0, as the standard tomllib of Python 3.11-3.14) is the reference: the
document it gives, and the message it gives for a text it refuses, are what arb reads and says.
rtoml (Rust) reads a deal file in about a quarter of tomli's time, but it reads TOML 1.1, which
accepts more than 1.0, and it gives an offset date-time a tzinfo of its own. So :func:`loads`
takes rtoml's document only for a text on which the two cannot differ:

- no backslash (1.1's ``\\e`` and ``\\xHH`` escapes) and no byte-order mark; no carriage return
  beside a multi-line string (rtoml keeps a CRLF inside one, tomli makes it LF);
- outside strings and comments, no time of day (1.1's optional seconds, and rtoml's tzinfo);
- every inline table on one line, with no comma just before its closing brace (1.1's newlines and
  trailing commas in inline tables);
- no ``[table]`` header for a table that an earlier header made implicitly (``[a.b]``, then ``[a]``:
  rtoml puts the table where its header is, tomli where it began);
- and rtoml reads it without an error.

Anything else, a text with a syntax error included, is read by tomli, as before (so its message
is tomli's). ``tests/test_tomlread.py`` checks the two against each other on every deal file in
the project and on texts built to differ. Without rtoml installed, tomli reads everything.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["TOMLDecodeError", "loads", "reference", "same_in_both", "warm"]

# Strings and comments, in a text with no backslash. In valid TOML a basic string holds no quote and
# no newline, a literal one no apostrophe, a multi-line one no three quotes in a row (but may end
# with one or two more), a comment runs to the end of its line; scanning left to right, a quote or
# a hash outside them always starts one of them. In a text that is not valid TOML the scan may go
# wrong, but rtoml then refuses the text and tomli reads it.
_STRINGS = re.compile(r'"""[\s\S]*?"""(?:"{1,2})?|\'\'\'[\s\S]*?\'\'\'(?:\'{1,2})?|"[^"\n]*"|\'[^\'\n]*\'|#[^\n]*')
# A comma just before a closing brace: once strings and comments are gone, a brace is an inline table's.
_TRAILING_COMMA = re.compile(r",\s*\}")
# An inline table on one line holding no other: removed, innermost first, until none is left.
_ONE_LINE_TABLE = re.compile(r"\{[^{}\n]*\}")
#: Inline tables nested, or a header's key dotted, deeper than this are left to tomli (the checks
#: would take time in the square of the depth; a deal file needs three or four).
_DEPTH = 16
# A table's header, or an array of tables' (group 1 is its second bracket), after a newline; its
# key (group 2) may quote brackets. No backslash is left to escape a quote.
_HEADER = re.compile(r"""\n[ \t]*\[(\[)?((?:[^\[\]\n"']|"[^"\n]*"|'[^'\n]*')*)\]""")
# A line that may be a dotted header: a bracket first, a dot later on the line (in its key, or
# in a quoted part or a comment after it: only ever more cautious).
_DOTTED_HEADER = re.compile(r"\n[ \t]*\[[^\n]*\.")
# One part of a dotted key: quoted (group 1, quotes and all), else bare (group 2). A quoted part and
# a bare one of the same name are the same key.
_KEY_PART = re.compile(r"""("[^"\n]*"|'[^'\n]*')|([A-Za-z0-9_-]+)""")


def reference() -> Any:
    """The reference parser: tomli where installed (its compiled wheels are about 3x faster), else the
    standard tomllib.

    tomllib is tomli 2.0, in Python since 3.11; tomli up to 2.3 reads the same TOML 1.0 with the same
    messages (pyproject.toml pins it there: 2.4 reads TOML 1.1, which tomllib up to Python 3.14, and
    so the watchlist's editing, would refuse). How deep a document may nest is arb's own limit
    (:data:`arb.loader.MAX_NESTING`), not a parser's.
    """
    try:
        import tomli

        return tomli
    except ImportError:  # pragma: no cover - tomli is a dependency; a bare install still reads files
        import tomllib

        return tomllib


TOMLDecodeError: type[ValueError] = reference().TOMLDecodeError


_rtoml: Any = None  # rtoml's extension once imported; False without rtoml


def _fast() -> Any:
    global _rtoml
    if _rtoml is None:
        module: Any
        try:
            from rtoml import _rtoml as module  # the extension itself: its wrapper only checks the type
        except ImportError:  # pragma: no cover - rtoml is a dependency; without it tomli reads everything
            module = False
        _rtoml = module
    return _rtoml


def warm() -> None:
    """Import both parsers now (a helper process's first step, made while the command goes on)."""
    _fast()


def same_in_both(text: str) -> bool:
    """Whether TOML 1.0 (tomli) and 1.1 (rtoml) must read ``text`` the same, if rtoml reads it at all.

    Conservative: a text this says no to is read by tomli, only more slowly.
    """
    if "\\" in text or "\ufeff" in text or ("\r" in text and ('"""' in text or "'''" in text)):
        return False
    # A time, or an inline table, unless only in strings and comments (removing them joins no digit
    # to a colon in a text rtoml reads: a string is never next to a time's colon).
    timed = _has_time(text)
    if timed or "{" in text:
        bare = _STRINGS.sub("0", text) if ('"' in text or "'" in text or "#" in text) else text
        if timed and _has_time(bare):
            return False
        if "{" in bare and not _tables_on_one_line(bare):
            return False
    return _headers_in_order(text)


def _has_time(text: str) -> bool:
    """Whether a digit, a colon and a digit come in a row, as in every time of day (with or without
    seconds). The colons are looked at one by one: a regular expression takes ten times as long."""
    at = text.find(":")
    while at != -1:
        if text[at - 1 : at].isdigit() and text[at + 1 : at + 2].isdigit():
            return True
        at = text.find(":", at + 1)
    return False


def _tables_on_one_line(bare: str) -> bool:
    if _TRAILING_COMMA.search(bare):
        return False
    for _ in range(_DEPTH):  # one pass a level (a hostile file's thousands of levels go to tomli)
        bare, n = _ONE_LINE_TABLE.subn("0", bare)
        if not n:
            return "{" not in bare
    return False


def _headers_in_order(text: str) -> bool:
    """False when a ``[table]`` header names a table an earlier header made implicitly (``[a.b]``,
    then ``[a]``): rtoml moves such a table to where its header is, tomli keeps it where it began.

    Headers of arrays of tables (``[[a]]``) add an element, never define a table made earlier. A
    line inside a multi-line string or array that looks like a header is taken for one: only ever
    more cautious.
    """
    lines = "\n" + text  # each line, the first too, after a newline (faster to find than ^ in MULTILINE)
    if not _DOTTED_HEADER.search(lines):  # no header makes a table implicitly
        return True
    implied: set[tuple[str, ...]] = set()
    for m in _HEADER.finditer(lines):
        path = tuple(q[1:-1] if q else bare for q, bare in _KEY_PART.findall(m.group(2)))
        if (not m.group(1) and path in implied) or len(path) > _DEPTH:
            return False
        implied.update(path[:i] for i in range(1, len(path)))
    return True


def loads(text: str) -> dict[str, Any]:
    """The document in ``text``, exactly as :func:`reference` reads it; raises what it raises.

    That is its ``TOMLDecodeError``, a ``RecursionError`` (a document nested past what it can
    follow) or a ``ValueError`` (an integer of more digits than Python converts, over 4,300).
    """
    fast = _fast()
    if fast and same_in_both(text):
        try:
            doc: dict[str, Any] = fast.deserialize(text, none_value=None)
            return doc
        except Exception:  # refused, or too deep, for rtoml: tomli decides, and words the error
            pass
        except BaseException as exc:  # a panic in rtoml's Rust (pyo3 raises it as a BaseException): the same
            if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
    return reference().loads(text)
