"""arb.tomlread: whichever parser reads a text, the document and the message are tomli's.

rtoml reads TOML 1.1 and orders some tables its own way; tomli (pinned to TOML 1.0) is the
reference. These tests compare the two outcomes exactly: value types, key order, float spelling,
tzinfo class, and the error message word for word.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import rtoml
import tomli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arb import tomlread
from arb.errors import DealFileError
from arb.loader import load_deal
from benchmarks.synthetic import write_deal_files

ROOT = Path(__file__).resolve().parents[1]


def canon(x: Any) -> Any:
    """``x`` spelled out so that == compares types, key order, float spelling and tzinfo class."""
    if isinstance(x, dict):
        return ("table", tuple((k, canon(v)) for k, v in x.items()))
    if isinstance(x, list):
        return ("array", tuple(canon(v) for v in x))
    if isinstance(x, float):
        return ("float", repr(x))
    if isinstance(x, (dt.datetime, dt.time)):
        return (type(x).__name__, repr(x), type(x.tzinfo).__name__)
    return (type(x).__name__, repr(x))


def outcome(parse: Any, text: str) -> tuple[Any, ...]:
    try:
        return ("document", canon(parse(text)))
    except tomli.TOMLDecodeError as exc:
        return ("error", str(exc))
    except RecursionError:
        return ("too deep",)
    except Exception as exc:  # rtoml's own error, when rtoml is called alone
        return ("other error", type(exc).__name__)


def project_texts() -> dict[str, str]:
    """Every TOML text the project ships: seeds, test files, and the TOML blocks of the docs."""
    texts = {}
    for path in sorted([*ROOT.glob("seeds/*.toml"), *ROOT.glob("tests/**/*.toml")]):
        texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    for doc in sorted([ROOT / "README.md", *ROOT.glob("docs/*.md")]):
        for i, block in enumerate(re.findall(r"```toml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)):
            texts[f"{doc.name} block {i}"] = block
    return texts


TEXTS = project_texts()
#: A seed the guards give to rtoml.
FAST_TEXT = next(t for name, t in sorted(TEXTS.items()) if name.startswith("seeds/") and tomlread.same_in_both(t))


def test_the_project_has_texts_to_compare() -> None:
    assert sum(name.startswith("seeds/") for name in TEXTS) >= 8
    assert sum("block" in name for name in TEXTS) >= 15


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_every_project_text_reads_as_tomli_reads_it(name: str) -> None:
    text = TEXTS[name]
    assert outcome(tomlread.loads, text) == outcome(tomli.loads, text)


def test_synthetic_and_seed_files_take_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The usual deal file is read by rtoml (else the speed-up silently goes), with tomli's document."""
    texts = [p.read_text(encoding="utf-8") for p in write_deal_files(tmp_path, 40)]
    texts += [t for name, t in TEXTS.items() if name.startswith("seeds/") and "\\" not in t]
    assert len(texts) >= 44
    calls = []
    fast = tomlread._fast()

    class Spy:
        @staticmethod
        def deserialize(text: str, **kwargs: Any) -> Any:
            calls.append(text)
            return fast.deserialize(text, **kwargs)

    monkeypatch.setattr(tomlread, "_rtoml", Spy)
    for text in texts:
        assert tomlread.same_in_both(text)
        assert outcome(tomlread.loads, text) == outcome(tomli.loads, text)
    assert calls == texts


#: Texts on which rtoml alone reads something other than tomli: a document tomli refuses (TOML 1.1),
#: another tzinfo, another key order, or an error where tomli reads a document.
DIFFERING = {
    "trailing comma in an inline table": 'source = { title = "x", }\n',
    "newline in an inline table": 'source = {\n  title = "x" }\n',
    "comment in an inline table": 'source = { title = "x" # why\n}\n',
    "escape \\e": 'name = "a\\eb"\n',
    "escape \\xHH": 'name = "\\x41"\n',
    "time without seconds": "at = 10:30\n",
    "date-time without seconds": "at = 2026-01-13T10:30\n",
    "offset date-time": "at = 2026-01-13T10:30:00+08:00\n",
    "UTC date-time": "at = 2026-01-13T10:30:00Z\n",
    "byte-order mark": "\ufeffid = 'x'\n",
    "CRLF in a multi-line string": 'note = """\r\nfirst\r\nsecond"""\r\n',  # found by a review's fuzzing
    "table after its sub-table": "[vote.result]\nfor = 1\n[target]\nticker = 'A'\n[vote]\ndate = 2026-01-13\n",
    "quoted and bare name of one table": '["vote".result]\nfor = 1\n[target]\n[vote]\n',
    "table after its array of sub-tables": "[[revision.consideration]]\n[target]\n[revision]\n",
    "float past the largest": "downside = 1e400\n",
}


@pytest.mark.parametrize("name", sorted(DIFFERING))
def test_rtoml_alone_reads_these_otherwise(name: str) -> None:
    """Why each guard exists: were rtoml asked, the outcome would differ (rtoml 0.14)."""
    text = DIFFERING[name]
    assert outcome(rtoml.loads, text) != outcome(tomli.loads, text)


@pytest.mark.parametrize("name", sorted(DIFFERING))
def test_texts_that_would_differ_read_as_tomli_reads_them(name: str) -> None:
    text = DIFFERING[name]
    assert outcome(tomlread.loads, text) == outcome(tomli.loads, text)


@pytest.mark.parametrize("name", sorted(set(DIFFERING) - {"float past the largest"}))
def test_texts_that_would_differ_are_never_given_to_rtoml(name: str) -> None:
    assert not tomlread.same_in_both(DIFFERING[name])


@pytest.mark.parametrize(
    "text",
    [
        'note = "from 10:30, { a = 1, } [a.b] \\\\"\nid = "x"\n',  # all in a string: tomli reads it
        "[vote]\n[vote.result]\n[target]\n",  # a table before its sub-table: the same in both
        '[a."b.c"]\n[a.b]\n',  # a quoted dot is part of a name, not a step
        "x = [\n  { a = 1 },\n  { b = 2 },\n]\n",  # one-line inline tables in a multi-line array
    ],
)
def test_texts_near_the_guards_read_as_tomli_reads_them(text: str) -> None:
    assert outcome(tomlread.loads, text) == outcome(tomli.loads, text)


def test_a_guard_is_not_asked_more_than_it_must() -> None:
    assert tomlread.same_in_both("[vote]\n[vote.result]\n[target]\n")
    assert tomlread.same_in_both('x = [\n  { a = 1 },\n  { b = { c = "}" } },\n]\n')
    assert tomlread.same_in_both('url = "https://a.b/c?d=1:2"\n')


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5_000 + "]" * 5_000,
        "a = " + "{b = " * 5_000 + "1" + "}" * 5_000,
        "a" + ".a" * 5_000 + " = 1",
        "[" + "a." * 5_000 + "a]\n",
        "a = " + "{" * 5_000,
    ],
    ids=["arrays", "inline tables", "dotted key", "dotted header", "unclosed"],
)
def test_hostile_nesting_never_crashes_and_reads_as_tomli_reads_it(text: str) -> None:
    assert outcome(tomlread.loads, text) == outcome(tomli.loads, text)


def test_without_rtoml_tomli_reads_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []

    class Reference:
        TOMLDecodeError = tomli.TOMLDecodeError

        @staticmethod
        def loads(text: str) -> Any:
            read.append(text)
            return tomli.loads(text)

    monkeypatch.setattr(tomlread, "_rtoml", False)
    monkeypatch.setattr(tomlread, "reference", lambda: Reference)
    text = FAST_TEXT
    assert tomlread.same_in_both(text)  # rtoml would have read it
    assert outcome(tomlread.loads, text) == outcome(tomli.loads, text)
    assert read == [text]


def test_a_panic_in_rtoml_is_left_to_tomli(monkeypatch: pytest.MonkeyPatch) -> None:
    class Panic(BaseException):  # as pyo3 raises a Rust panic
        pass

    class Panicking:
        @staticmethod
        def deserialize(text: str, **kwargs: Any) -> Any:
            raise Panic("rtoml panicked")

    monkeypatch.setattr(tomlread, "_rtoml", Panicking)
    text = FAST_TEXT
    assert outcome(tomlread.loads, text) == outcome(tomli.loads, text)

    class Interrupted:
        @staticmethod
        def deserialize(text: str, **kwargs: Any) -> Any:
            raise KeyboardInterrupt

    monkeypatch.setattr(tomlread, "_rtoml", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        tomlread.loads(text)


def test_a_deal_file_in_toml_1_1_gets_tomlis_message(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text('id = "d"\nsource = { title = "x", }\n', encoding="utf-8")
    with pytest.raises(DealFileError) as info:
        load_deal(path)
    with pytest.raises(tomli.TOMLDecodeError) as expected:
        tomli.loads(path.read_text(encoding="utf-8"))
    assert f"TOML syntax error: {expected.value}" in str(info.value)


# Documents built from the pieces that tell TOML 1.0 and 1.1 (and the two parsers) apart: names
# quoted and bare, dotted headers in any order, inline tables on one line or more, trailing
# commas, times with and without seconds, strings holding what looks like structure, CRLF.
_KEYS = st.sampled_from(["a", "b", "vote", '"a"', "'b'", '"a.b"', " a ", "01", '"{"', "'1:2'"])
_STRING = st.sampled_from(
    ['"x"', '"10:30"', "'{a = 1, }'", '"""\n[a]\n"""', "'''x''''", '"#"', '""', "'''\r\nx\r\n'''"]
)
_SCALAR = st.sampled_from(
    ["1", "-0.0", "1e3", "inf", "true", "0xff", "2026-01-13", "10:30:00", "10:30", "2026-01-13T10:30:00Z", "1e400"]
)


@st.composite
def _values(draw: Any, depth: int = 0) -> str:
    kind = draw(st.integers(0, 3 if depth < 3 else 1))
    if kind == 0:
        return draw(_SCALAR)
    if kind == 1:
        return draw(_STRING)
    items = draw(st.lists(_values(depth + 1), max_size=3))
    if kind == 2:
        sep = draw(st.sampled_from([", ", ",\n"]))
        return "[" + sep.join(items) + draw(st.sampled_from(["", ",", "\n"])) + "]"
    keys = draw(st.lists(_KEYS, min_size=len(items), max_size=len(items)))
    sep = draw(st.sampled_from([", ", ",\n"]))
    inner = sep.join(f"{k} = {v}" for k, v in zip(keys, items, strict=True))
    return "{" + draw(st.sampled_from([" ", "\n"])) + inner + draw(st.sampled_from([" ", ", ", "\n"])) + "}"


@st.composite
def _documents(draw: Any) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 7))):
        path = ".".join(draw(st.lists(_KEYS, min_size=1, max_size=3)))
        kind = draw(st.integers(0, 3))
        if kind == 0:
            lines.append(f"[{path}]")
        elif kind == 1:
            lines.append(f"[[{path}]]")
        else:
            lines.append(f"{path} = {draw(_values())}" + draw(st.sampled_from(["", " # c {"])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_built_documents_read_as_tomli_reads_them(text: str) -> None:
    assert outcome(tomlread.loads, text) == outcome(tomli.loads, text)
