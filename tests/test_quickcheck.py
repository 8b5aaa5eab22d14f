"""The fast path of the deal-file checks held to the slow one: :func:`arb.quickcheck.quick` against
:func:`arb.schema.validate` (pydantic).

``quick(cls, data)`` reads a file's data without pydantic and may decline (None) whenever it is
not sure; the loader then asks pydantic, which gives the full error messages. So the one thing it
must never do is answer differently: accept what pydantic refuses, or return a record that is not
field for field, type for type, what pydantic's would be (1.0 where pydantic has 1.0, not 1; a
tuple, not a list; -0.0 kept as -0.0; dict keys in pydantic's order). This file holds it to that:

- :func:`differ` compares two records that strictly, and its own tests show it can tell them apart;
- every seed, every valid test deal file and 60 synthetic benchmark files must be accepted by
  quick, with pydantic's record (so a quick that always declines fails here);
- a hypothesis test mutates those documents (an awkward value in place of any value or table, a
  key dropped, an unknown key, a key swapped to its alias, a table repeated) and checks that what
  quick accepts pydantic accepts, with the same record;
- hand-picked boundaries per record class (Costs, Leg, Vote, Condition, Deal), each stating
  pydantic's verdict, so a change of the schema shows here too;
- quick on a seed in a fresh process imports no pydantic (the point of having it).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import probe
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import arb.models
from arb import schema
from arb.costs import Costs, StampDuty
from arb.errors import DealFileError
from arb.frozen import Record
from arb.loader import read_toml
from arb.models import MAX_LEGS, MAX_RATIO, Condition, Deal, Leg, Vote
from arb.quickcheck import quick
from benchmarks.synthetic import write_deal_files

HERE = Path(__file__).parent
SEEDS = sorted((HERE.parent / "seeds").glob("*.toml"))
VALID_FILES = sorted((HERE / "data" / "deals" / "valid").glob("*.toml"))


# --- the comparison -------------------------------------------------------------------------------


def differ(a: Any, b: Any, where: str = "") -> str | None:
    """Where ``a`` and ``b`` first differ, or None when they are the same to the last type and bit.

    Records: the same class and every field of ``cls._fields`` set on both (a field missing from
    the record's ``__dict__`` breaks ``model_dump`` and pickling even if the class default hides it).
    Leaves: the same type (5.0 is not 5, a date is not a datetime); floats by ``repr``, so -0.0 is not
    0.0 and nan is nan. Tuples and lists item by item; dicts with the same keys in the same order.
    """
    here = where or "the value"
    if type(a) is not type(b):
        return f"{here}: {type(a).__name__} {a!r} vs {type(b).__name__} {b!r}"
    if isinstance(a, Record):
        for name in type(a)._fields:
            if name not in vars(a) or name not in vars(b):
                which = "first" if name not in vars(a) else "second"
                return f"{f'{where}.{name}' if where else name}: not set on the {which} record"
            found = differ(vars(a)[name], vars(b)[name], f"{where}.{name}" if where else name)
            if found:
                return found
        return None
    if isinstance(a, float):
        return None if repr(a) == repr(b) else f"{here}: {a!r} vs {b!r}"
    if isinstance(a, (tuple, list)):
        if len(a) != len(b):
            return f"{here}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = differ(x, y, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(a, dict):
        found = differ(list(a), list(b), f"{where} keys")
        if found:
            return found
        for key in a:
            found = differ(a[key], b[key], f"{where}[{key!r}]")
            if found:
                return found
        return None
    return None if a == b else f"{here}: {a!r} vs {b!r}"


def same(a: Any, b: Any) -> bool:
    """True when :func:`differ` finds no difference."""
    return differ(a, b) is None


def _containers(value: Any) -> Iterator[Any]:
    """Every dict and list in ``value``, at any depth."""
    if isinstance(value, (dict, list)):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from _containers(item)


def _shared(record: Any, data: Any) -> str | None:
    """A dict or list of ``data`` that ``record`` holds (so changing the data would change the record)."""
    mine = {id(c) for c in _containers(data)}

    def walk(value: Any, where: str) -> str | None:
        if id(value) in mine:
            return where
        if isinstance(value, Record):
            items: Any = ((name, vars(value).get(name)) for name in type(value)._fields)
        elif isinstance(value, dict):
            items = value.items()
        elif isinstance(value, (tuple, list)):
            items = enumerate(value)
        else:
            return None
        for key, item in items:
            found = walk(item, f"{where}.{key}")
            if found:
                return found
        return None

    return walk(record, type(record).__name__)


def verdict(cls: type[Record], data: Any) -> tuple[Any, Any]:
    """``(quick's answer, pydantic's record or its ValidationError)`` for ``data``.

    Also checks what quick must never do on the way: change the data it was given (the loader hands
    the same dict to pydantic when quick declines) or return a record holding the data's own dicts.
    """
    before = copy.deepcopy(data)
    fast = quick(cls, data)
    changed = differ(data, before)
    assert changed is None, f"quick changed its input: {changed}"
    if fast is not None:
        shared = _shared(fast, data)
        assert shared is None, f"quick's record holds the input's own dict or list at {shared}"
    try:
        slow: Any = schema.validate(cls, data, plain=True)
    except schema.ValidationError as exc:
        slow = exc
    return fast, slow


def agree(cls: type[Record], data: Any) -> tuple[Any, Any]:
    """:func:`verdict`, asserting the contract: quick declines, or pydantic accepts with the same record."""
    fast, slow = verdict(cls, data)
    if fast is not None:
        assert not isinstance(slow, Exception), f"quick accepted what pydantic refuses: {data!r}\n{slow}"
        found = differ(fast, slow)
        assert found is None, f"quick's record differs from pydantic's at {found}; input {data!r}"
    return fast, slow


class TestDiffer:
    """The comparison finds each kind of difference that matters (else the tests below prove nothing)."""

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            (5.0, 5),
            (1.0, True),
            (-0.0, 0.0),
            ((1.0, 2.0), [1.0, 2.0]),
            ((1.0, 2.0), (1.0, 2.0, 3.0)),
            (dt.date(2025, 1, 1), dt.datetime(2025, 1, 1)),
            ({"a": 1.0, "b": 2.0}, {"b": 2.0, "a": 1.0}),
            ({"a": 1.0}, {"a": 1}),
            ("HKD", "hkd"),
            (None, 0.0),
        ],
    )
    def test_leaves(self, a: Any, b: Any) -> None:
        assert not same(a, b)
        assert not same({"x": [a]}, {"x": [b]})

    def test_the_same_is_the_same(self) -> None:
        assert same(float("nan"), float("nan"))
        assert same({"a": (1.0, dt.date(2025, 1, 1))}, {"a": (1.0, dt.date(2025, 1, 1))})
        leg = Leg._trusted(kind="cash", amount=1.0, currency="HKD")
        assert same(leg, Leg._trusted(kind="cash", amount=1.0, currency="HKD"))

    def test_records(self) -> None:
        leg = Leg._trusted(kind="cash", amount=1.0, currency="HKD")
        assert differ(leg, leg.model_copy(update={"amount": 1})) == "amount: float 1.0 vs int 1"
        assert not same(leg, leg.model_copy(update={"weight": 0.5}))
        assert not same(StampDuty._trusted(), Costs._trusted())
        missing = object.__new__(Leg)
        vars(missing).update({k: v for k, v in vars(leg).items() if k != "note"})
        assert differ(missing, leg) == "note: not set on the first record"
        deal = schema.validate(Deal, read_toml(HERE.parent / "seeds" / "enn-energy.toml", DealFileError), plain=True)
        legs = deal.consideration
        moved = deal.model_copy(update={"consideration": (*legs[:-1], legs[-1].model_copy(update={"note": "x"}))})
        assert differ(deal, moved).startswith(f"consideration[{len(legs) - 1}].note")

    def test_shared_containers(self) -> None:
        data = {"hkd": 0.04}
        record = Costs._trusted(funding_rate=data)
        assert _shared(record, {"funding_rate": data}) == "Costs.funding_rate"
        assert _shared(Costs._trusted(funding_rate=dict(data)), {"funding_rate": data}) is None


# --- the corpus of valid files ------------------------------------------------------------------------


#: A [costs] table as a user writes one (no seed has one): lower-case keys, ints where floats belong.
COSTS_TABLE = {
    "funding_rate": {"hkd": 0.04, "USD": 0.045},
    "borrow_fee": {"hk": 0.01, "600803.ss": 0.05},
    "rebate": 0,
    "stamp_duty": {"hk": {"buy": 0.001, "sell": 0.001}, "uk": {"buy": 0.005}, "us": {}},
    "levies": {"HK": 0.000085},
    "commission_bps": 5,
    "probability": 0.9,
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, dict[str, Any]]]:
    """Every seed, every valid test deal file and 60 synthetic benchmark files, as read from TOML,
    and one seed with a [costs] table added.
    """
    synthetic = write_deal_files(tmp_path_factory.mktemp("synthetic"), 60)
    docs = [(path.name, read_toml(path, DealFileError)) for path in (*SEEDS, *VALID_FILES, *synthetic)]
    with_costs = {**read_toml(HERE.parent / "seeds" / "enn-energy.toml", DealFileError), "costs": COSTS_TABLE}
    return [*docs, ("enn-energy.toml with [costs]", with_costs)]


def test_corpus_is_what_it_should_be(corpus: list[tuple[str, dict[str, Any]]]) -> None:
    assert len(SEEDS) >= 8 and len(VALID_FILES) >= 10
    assert len(corpus) == len(SEEDS) + len(VALID_FILES) + 60 + 1
    for name, data in corpus:
        assert isinstance(schema.validate(Deal, data, plain=True), Deal), name


def test_quick_reads_every_valid_file_as_pydantic_does(corpus: list[tuple[str, dict[str, Any]]]) -> None:
    declined = []
    for name, data in corpus:
        fast, _ = agree(Deal, data)
        if fast is None:
            declined.append(name)
    assert not declined, f"quick declined valid files: {declined}"


# --- mutations ------------------------------------------------------------------------------------------

#: The values put in place of a value or a table: boundaries, wrong types, near misses of the words a
#: file uses, and a few valid tables (so some mutated documents stay valid and quick has to read them).
AWKWARD: list[Any] = [
    0,
    -1,
    1,
    2,
    250,
    251,
    10**15,
    10**15 + 1,
    10**400,
    0.0,
    -0.0,
    1.0,
    0.5,
    2.0,
    1e-10,
    1 - 1e-10,
    1e9,
    1e9 + 1,
    1e6,
    1e6 + 1,
    1e15,
    float("nan"),
    float("inf"),
    float("-inf"),
    True,
    False,
    "",
    "x",
    "TODO",
    "TODO: the price",
    "usd",
    "USD",
    "GBp",
    "gbx",
    "HKD",
    "cash",
    "stock",
    "cvr",
    "pending",
    "met",
    "completed",
    "long-stop",
    "hk-scheme",
    "tender",
    "0700.hk",
    " aapl ",
    "A\x1bB",
    "new-shares",
    dt.date(2025, 1, 1),
    dt.date(2030, 6, 30),
    dt.datetime(2025, 1, 1),
    dt.time(1, 2),
    [],
    [1.0, 2.0],
    [2.0, 1.0],
    [0.0, 1.0],
    [1, 2],
    {},
    {"x": 1},
    None,
    {"kind": "cash", "amount": 1.0, "currency": "HKD"},
    {"kind": "stock", "ratio": 1.0, "ticker": "0700.HK"},
    [{"kind": "cash", "amount": 1.0, "currency": "HKD"}],
    [{"kind": "cash", "amount": 1.0, "currency": "HKD"}] * (MAX_LEGS + 1),
    {"kind": "long-stop", "date": dt.date(2025, 1, 1)},
    {"name": "x", "kind": "other", "status": "pending"},
    {"title": "x"},
    {"currency": "HKD", "estimate": 1.0},
    {"hkd": 0.04},
    {"buy": 0.001, "sell": 0.0},
]

#: Each key a file may write by its field's name or by its alias, and the other spelling.
SPELLINGS = {
    "condition": "conditions",
    "conditions": "condition",
    "event": "events",
    "events": "event",
    "revision": "revisions",
    "revisions": "revision",
    "holder": "holders",
    "holders": "holder",
}

Path_ = tuple[Any, ...]


def _nodes(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every value in a document with its path of keys and indexes (the document itself first)."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nodes(item, (*path, i))


def _at(doc: Any, path: Path_) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _rename(table: dict[str, Any], old: str, new: str) -> None:
    """Rename a key of ``table`` in place, keeping its position."""
    items = [(new if k == old else k, v) for k, v in table.items()]
    table.clear()
    table.update(items)


def _near(value: Any) -> list[Any]:
    """Values close to ``value``, of its type or the type a file might mistake for it: most keep a file
    valid, so the records quick and pydantic build from them are compared, not only their verdicts.
    """
    kind = type(value)
    if kind is float:
        near = [-value, value * 2, value / 2, value + 1, math.nextafter(value, math.inf), math.nextafter(value, 0.0)]
        return near + ([int(value)] if value.is_integer() and abs(value) < 2**53 else [])
    if kind is int:
        return [value + 1, value - 1, value * 2, -value] + ([float(value)] if abs(value) < 2**53 else [])
    if kind is bool:
        return [not value, int(value)]
    if kind is dt.date:
        return [value + dt.timedelta(days=d) for d in (-365, -1, 1, 365)] + [dt.datetime.combine(value, dt.time())]
    if kind is str:
        return [value.upper(), value.lower(), f" {value} ", value + "x", value[:-1], value.title()]
    return []


def mutate(doc: dict[str, Any], draw: Any) -> str:
    """Change ``doc`` (a copy) in one drawn way; returns what was done, for the failure message."""
    nodes = list(_nodes(doc))
    tables = [p for p, v in nodes if isinstance(v, dict)]
    lists = [p for p, v in nodes if isinstance(v, list) and v]
    spelt = [(p, k) for p, v in nodes if isinstance(v, dict) for k in v if k in SPELLINGS]
    how = draw(
        st.sampled_from(["replace", "replace", "nudge", "nudge", "delete", "unknown", "spelling", "both", "repeat"])
    )
    if how == "spelling" and spelt:
        path, key = draw(st.sampled_from(spelt))
        _rename(_at(doc, path), key, SPELLINGS[key])
        return f"{path}: {key} -> {SPELLINGS[key]}"
    if how == "both" and spelt:
        path, key = draw(st.sampled_from(spelt))
        table = _at(doc, path)
        table[SPELLINGS[key]] = copy.deepcopy(table[key])
        return f"{path}: {key} also as {SPELLINGS[key]}"
    if how == "repeat" and lists:
        path = draw(st.sampled_from(lists))
        items = _at(doc, path)
        i = draw(st.integers(0, len(items) - 1))
        items.insert(draw(st.integers(0, len(items))), copy.deepcopy(items[i]))
        return f"{path}: item {i} repeated"
    if how == "unknown":
        path = draw(st.sampled_from(tables))
        _at(doc, path)["rato"] = copy.deepcopy(draw(st.sampled_from(AWKWARD)))
        return f"{path}: unknown key rato"
    path = draw(st.sampled_from([p for p, _ in nodes[1:]]))
    parent = _at(doc, path[:-1])
    if how == "delete":
        del parent[path[-1]]
        return f"{path}: deleted"
    if how == "nudge":
        near = _near(parent[path[-1]])
        if near:
            value = draw(st.sampled_from(near))
            parent[path[-1]] = value
            return f"{path} = {value!r} (nudged)"
    value = draw(st.sampled_from(AWKWARD))
    parent[path[-1]] = copy.deepcopy(value)
    return f"{path} = {value!r}"


def test_mutated_files(corpus: list[tuple[str, dict[str, Any]]]) -> None:
    """Quick accepts a mutated file only when pydantic does, and then with pydantic's record."""
    tally: Counter[str] = Counter()
    # The synthetic files are alike: ten of them, with every seed and test file, to start from.
    mutable = [(name, doc) for name, doc in corpus if not name.startswith("synthetic-") or name < "synthetic-0010"]

    @settings(
        max_examples=500,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        name, original = data.draw(st.sampled_from(mutable), label="file")
        doc = copy.deepcopy(original)
        done = [mutate(doc, data.draw) for _ in range(data.draw(st.integers(1, 2), label="mutations"))]
        note(f"{name}: {'; '.join(done)}")
        fast, slow = agree(Deal, doc)
        accepted = not isinstance(slow, Exception)
        tally["pydantic accepted" if accepted else "pydantic refused"] += 1
        if accepted:
            tally["quick accepted too" if fast is not None else "quick declined"] += 1

    check()
    # The figures of a run (pytest -s shows them): how much of what pydantic accepts quick reads itself.
    print(dict(tally))
    assert tally["pydantic accepted"] + tally["pydantic refused"] >= 100
    # Dropping a note or repeating a source leaves a valid file: some must take the fast path.
    assert tally["quick accepted too"] > 0, dict(tally)


# --- boundaries, class by class ----------------------------------------------------------------------------

#: The verdicts a case states. ACCEPT: pydantic accepts, and so must quick (a valid file as TOML writes
#: it, which should never be left to the slow path); LAX: pydantic accepts, quick may decline (input
#: TOML never gives, or pydantic's lax reading of it); REFUSE: pydantic refuses, so quick must decline.
ACCEPT, LAX, REFUSE = "accept", "lax", "refuse"


def _check_case(cls: type[Record], data: Any, expected: str) -> None:
    fast, slow = agree(cls, data)
    refused = isinstance(slow, Exception)
    assert refused is (expected == REFUSE), f"pydantic's verdict changed: {slow!r}"
    if expected == ACCEPT:
        assert fast is not None, f"quick declined a valid {cls.__name__} as TOML writes it: {data!r}"


def _cash(amount: Any = 10.0, **more: Any) -> dict[str, Any]:
    return {"kind": "cash", "amount": amount, "currency": "HKD", **more}


def _stock(**more: Any) -> dict[str, Any]:
    return {"kind": "stock", "ticker": "0001.HK", **more}


COSTS_CASES = [
    ({}, ACCEPT),
    ({"funding_rate": {"hkd": 0.04, "usd": 0.05}}, ACCEPT),
    ({"funding_rate": 0.04, "rebate": 0.01}, ACCEPT),
    ({"funding_rate": 0, "rebate": {"hkd": 1}}, ACCEPT),  # ints read as floats
    ({"rebate": {" hkd ": 0.01}}, ACCEPT),
    ({"funding_rate": {"hkd": 0.04, "HKD": 0.05}}, REFUSE),  # one key after upper-casing: refused, not merged
    ({"funding_rate": {}}, ACCEPT),
    ({"funding_rate": {"": 0.04}}, ACCEPT),
    ({"funding_rate": 10.0, "commission_bps": 1000, "probability": 1}, ACCEPT),
    ({"funding_rate": -0.0, "probability": -0.0}, ACCEPT),
    ({"funding_rate": 10.000001}, REFUSE),
    ({"funding_rate": -0.01}, REFUSE),
    ({"funding_rate": float("inf")}, REFUSE),
    ({"levies": {"hk": float("nan")}}, REFUSE),
    ({"funding_rate": True}, REFUSE),
    ({"funding_rate": "0.04"}, REFUSE),
    ({"funding_rate": [0.04]}, REFUSE),
    ({"borrow_fee": 0.01}, REFUSE),  # per market or listing only
    ({"borrow_fee": {"hk": 0.01, "600803.ss": 0.05}}, ACCEPT),
    ({"stamp_duty": {"hk": {"buy": 0.001, "sell": 0.001}, "us": {}}}, ACCEPT),
    ({"stamp_duty": {"uk": {"buy": 0}}}, ACCEPT),
    ({"stamp_duty": {"hk": {"buy": 11}}}, REFUSE),
    ({"stamp_duty": {"hk": {"buy": 0.1, "rato": 1}}}, REFUSE),
    ({"stamp_duty": {"hk": 0.001}}, REFUSE),
    ({"stamp_duty": 0.001}, REFUSE),
    ({"commission_bps": 5}, ACCEPT),
    ({"commission_bps": 1000.5}, REFUSE),
    ({"probability": 1.0000001}, REFUSE),
    ({"probability": None}, ACCEPT),
    ({"probabilty": 0.9}, REFUSE),
    ({"funding_rate": {1: 0.04}}, LAX),  # not from TOML, whose keys are text
]


@pytest.mark.parametrize(("data", "expected"), COSTS_CASES, ids=[repr(c[0])[:60] for c in COSTS_CASES])
def test_costs(data: dict[str, Any], expected: str) -> None:
    _check_case(Costs, data, expected)


LEG_CASES = [
    (_cash(), ACCEPT),
    (_cash(10), ACCEPT),
    (_cash(weight=1), ACCEPT),  # an int weight is 1.0
    (_cash(weight=0.5), ACCEPT),
    (_cash(weight=0), REFUSE),
    (_cash(weight=1.0000001), REFUSE),
    (_cash(0), ACCEPT),
    (_cash(-0.0), ACCEPT),
    (_cash(1e9), ACCEPT),
    (_cash(1e9 + 1), REFUSE),
    (_cash(10**400), REFUSE),
    (_cash(True), REFUSE),
    (_cash(float("nan")), REFUSE),
    (_cash(currency="hkd"), ACCEPT),
    (_cash(currency=" USD "), ACCEPT),
    (_cash(currency="GBp"), REFUSE),
    (_cash(currency="gbx"), REFUSE),
    (_cash(currency="XYZ"), REFUSE),
    (_cash(payment_date=dt.date(2026, 1, 1)), ACCEPT),
    (_cash(payment_date=dt.datetime(2026, 1, 1)), REFUSE),
    (_cash(probability=0.5), REFUSE),
    (_cash(dividend_equalisation=True), REFUSE),
    (_cash(dividend_equalisation=False), ACCEPT),
    ({"kind": "cvr", "amount": 1.0, "currency": "USD", "probability": 1.0}, ACCEPT),
    ({"kind": "cvr", "amount": 1.0, "currency": "USD", "probability": 1}, ACCEPT),
    ({"kind": "cvr", "amount": 1.0, "currency": "USD", "probability": 1.0000001}, REFUSE),
    ({"kind": "cvr", "amount": 1.0, "currency": "USD"}, REFUSE),
    (_stock(ratio=0.0), REFUSE),
    (_stock(ratio=2), ACCEPT),
    (_stock(ratio=MAX_RATIO), ACCEPT),
    (_stock(ratio=MAX_RATIO + 1), REFUSE),
    (_stock(ratio=1.0, ticker=" aapl "), ACCEPT),
    (_stock(ratio=1.0, ticker="0700.hk"), ACCEPT),
    (_stock(ratio=1.0, ticker="A\x1bB"), REFUSE),
    (_stock(ratio=1.0, ticker=""), REFUSE),
    (_stock(ratio=1.0, collar=[1, 2]), ACCEPT),  # ints read as floats, a list as a tuple
    (_stock(ratio=1.0, collar=[1.0, 2.0]), ACCEPT),
    (_stock(ratio=1.0, collar=[2.0, 1.0]), REFUSE),
    (_stock(ratio=1.0, collar=[1.0, 1.0]), REFUSE),
    (_stock(ratio=1.0, collar=[0.0, 1.0]), REFUSE),
    (_stock(ratio=1.0, collar=[1.0, 2.0, 3.0]), REFUSE),
    (_stock(ratio=1.0, collar=(1.0, 2.0)), LAX),  # a tuple: not from TOML
    (_stock(ratio=1.0, ratio_bounds=[1.0, 2.0]), REFUSE),
    (_stock(value=10.0, ratio_bounds=[1, 2], value_currency="usd", collar=[9.0, 11.0]), ACCEPT),
    (_stock(value=10.0, ratio_bounds=[2.0, 1.0]), REFUSE),
    (_stock(value=10.0, ratio_bounds=[1.0, MAX_RATIO + 1]), REFUSE),
    (_stock(value=10.0, pricing_period={"days": 10, "ends_before_close": 2}), ACCEPT),
    (_stock(value=10.0, pricing_period={"days": 251}), REFUSE),
    (_stock(value=10.0, pricing_period={"days": 10.0}), REFUSE),
    (_stock(ratio=1.0, pricing_period={"days": 10}), REFUSE),
    (_stock(ratio=1.0, share_cap={"max_shares": 100, "target_shares": 1e3}, dividend_equalisation=True), ACCEPT),
    (_stock(value=10.0, share_cap={"max_shares": 100.0, "target_shares": 1e3}), REFUSE),
    (_stock(ratio=1.0, value=10.0), REFUSE),
    (_stock(), REFUSE),
    (_stock(ratio=1.0, security="NewCo"), REFUSE),  # a ticker and a security
    ({"kind": "stock", "ratio": 1.0, "security": "NewCo"}, ACCEPT),  # the name is keyed in lower case
    ({"kind": "stock", "ratio": 1.0, "security": "new co"}, REFUSE),
    ({"kind": "bond", "amount": 1.0}, REFUSE),
    ({"kind": "CASH", "amount": 1.0}, REFUSE),
    (_cash(note="A\x1bB"), ACCEPT),
    (_cash(note=1), REFUSE),
    (_stock(ratio=1.0, share_cap={"max_shares": math.inf, "target_shares": 1.0}), REFUSE),
    (_stock(ratio=1.0, share_cap={"max_shares": 1e300, "target_shares": 2**64}), ACCEPT),
    (_cash(rato=1.0), REFUSE),
]


@pytest.mark.parametrize(("data", "expected"), LEG_CASES, ids=[repr(c[0])[:80] for c in LEG_CASES])
def test_legs(data: dict[str, Any], expected: str) -> None:
    _check_case(Leg, data, expected)


def _vote(**more: Any) -> dict[str, Any]:
    return {"rule": "hk-scheme", "shares_outstanding": 1000, "disinterested_shares": 800, **more}


_HOLDERS = [{"name": "A", "shares": 100, "stance": "for"}, {"name": "B", "shares": 50}]
_RESULT = {"date": dt.date(2025, 5, 1), "shares_for": 500, "shares_against": 10, "holders_for": 30}

VOTE_CASES = [
    (_vote(holder=_HOLDERS, result=_RESULT), ACCEPT),
    (_vote(holders=_HOLDERS, result=_RESULT), ACCEPT),
    (_vote(holder=_HOLDERS, holders=_HOLDERS), REFUSE),  # both spellings: pydantic calls one unknown
    (_vote(holder=[{"name": "A", "shares": 100.0}]), REFUSE),
    (_vote(holder=[{"name": "A", "shares": True}]), REFUSE),
    (_vote(holder=[{"name": "A", "shares": 801}]), REFUSE),
    (_vote(irrevocables=700, holder=_HOLDERS), REFUSE),
    (_vote(irrevocables=650, holder=_HOLDERS), ACCEPT),
    (_vote(result={"shares_for": 800, "shares_against": 1}), REFUSE),
    (_vote(result={"shares_for": 800}), ACCEPT),
    (_vote(headcount=True), ACCEPT),
    (_vote(disinterested_shares=1001), REFUSE),
    ({"rule": "hk-scheme", "shares_outstanding": 1000}, REFUSE),
    ({"rule": "uk-scheme", "shares_outstanding": 1000, "headcount": True}, REFUSE),
    ({"rule": "uk-scheme", "shares_outstanding": 1000, "disinterested_shares": 900}, ACCEPT),
    ({"rule": "majority-outstanding", "shares_outstanding": 10**15}, ACCEPT),
    ({"rule": "majority-outstanding", "shares_outstanding": 10**15 + 1}, REFUSE),
    ({"rule": "majority-outstanding", "shares_outstanding": 0}, REFUSE),
    ({"rule": "majority-outstanding", "shares_outstanding": 1000, "disinterested_shares": 900}, REFUSE),
    ({"rule": "tender", "shares_outstanding": 1000, "minimum_shares": 1000}, ACCEPT),
    ({"rule": "tender", "shares_outstanding": 1000, "minimum_shares": 1001}, REFUSE),
    ({"rule": "tender", "shares_outstanding": 1000, "minimum_acceptance": 0.9}, ACCEPT),
    ({"rule": "tender", "shares_outstanding": 1000, "minimum_acceptance": 1}, ACCEPT),
    ({"rule": "tender", "shares_outstanding": 1000, "minimum_acceptance": 0.9, "minimum_shares": 900}, REFUSE),
    ({"rule": "tender", "shares_outstanding": 1000}, REFUSE),
    ({"rule": "tender", "shares_outstanding": 1000, "minimum_acceptance": 0.0}, REFUSE),
    ({"rule": "tender", "shares_outstanding": 1000, "minimum_acceptance": 1e-12}, ACCEPT),
    (_vote(headcount=1), LAX),  # pydantic reads 1 as true
    (_vote(headcount="x"), REFUSE),
    ({"rule": "majority-outstanding", "shares_outstanding": 1000, "minimum_acceptance": 0.5}, REFUSE),
]


@pytest.mark.parametrize(("data", "expected"), VOTE_CASES, ids=[repr(c[0])[:80] for c in VOTE_CASES])
def test_votes(data: dict[str, Any], expected: str) -> None:
    _check_case(Vote, data, expected)


_DAY = dt.date(2025, 6, 1)
CONDITION_CASES = [
    ({"name": "SAMR", "kind": "regulatory", "status": "pending"}, ACCEPT),
    ({"name": "SAMR", "kind": "regulatory", "status": "pending", "expected": _DAY}, ACCEPT),
    ({"name": "SAMR", "kind": "regulatory", "status": "pending", "date": _DAY}, REFUSE),
    ({"name": "SAMR", "kind": "regulatory", "status": "met", "date": _DAY}, ACCEPT),
    ({"name": "SAMR", "kind": "regulatory", "status": "met"}, REFUSE),
    ({"name": "SAMR", "kind": "regulatory", "status": "waived", "date": dt.datetime(2025, 6, 1)}, REFUSE),
    ({"name": "SAMR", "kind": "antitrust", "status": "pending"}, REFUSE),
    ({"name": "SAMR", "kind": "other", "status": "met", "date": _DAY, "source": {"title": "x", "date": _DAY}}, ACCEPT),
    ({"name": "SAMR", "kind": "other", "status": "pending", "source": {"title": "x", "rato": 1}}, REFUSE),
]


@pytest.mark.parametrize(("data", "expected"), CONDITION_CASES, ids=[repr(c[0])[:80] for c in CONDITION_CASES])
def test_conditions(data: dict[str, Any], expected: str) -> None:
    _check_case(Condition, data, expected)


def _deal(**more: Any) -> dict[str, Any]:
    deal: dict[str, Any] = {
        "id": "t",
        "name": "T",
        "announced": dt.date(2025, 1, 10),
        "expected_close": dt.date(2025, 12, 31),
        "currency": "HKD",
        "target": {"ticker": "0001.HK", "name": "Target"},
        "consideration": [_cash()],
    }
    deal.update(more)
    return {k: v for k, v in deal.items() if v is not None}


_NEWCO = {"currency": "HKD", "estimate": 5.0}
_NEW_LEG = {"kind": "stock", "ratio": 1.0, "security": "newco"}
_STOP = {"kind": "long-stop", "date": dt.date(2026, 3, 31)}


def _revision(day: dt.date, amount: float = 9.0) -> dict[str, Any]:
    return {"superseded": day, "consideration": [_cash(amount)]}


def _election(*weights: float) -> list[dict[str, Any]]:
    return [_cash(10.0 + i, weight=w) for i, w in enumerate(weights)]


DEAL_CASES = [
    ("plain", _deal(), ACCEPT),
    ("no legs", _deal(consideration=None), ACCEPT),
    ("empty legs", _deal(consideration=[]), ACCEPT),
    ("50 legs", _deal(consideration=[_cash(0.1)] * MAX_LEGS), ACCEPT),
    ("51 legs", _deal(consideration=[_cash(0.1)] * (MAX_LEGS + 1)), REFUSE),
    ("id capitalised", _deal(id="Cash-Deal"), REFUSE),
    ("id with newline", _deal(id="cash-deal\n"), REFUSE),
    ("id 64", _deal(id="a" * 64), ACCEPT),
    ("id 65", _deal(id="a" * 65), REFUSE),
    ("status met", _deal(status="met"), REFUSE),
    ("target empty", _deal(target={}), REFUSE),
    ("target name only", _deal(target={"name": "Unlisted"}), ACCEPT),
    ("target ticker normalised", _deal(target={"ticker": " 0700.hk "}), ACCEPT),
    ("currency lower", _deal(currency="hkd"), ACCEPT),
    ("close before announced", _deal(expected_close=dt.date(2025, 1, 9)), REFUSE),
    ("downside int", _deal(downside=5), ACCEPT),
    ("downside negative", _deal(downside=-1.0), REFUSE),
    ("paid, not completed", _deal(paid={"amount": 10.0}), REFUSE),
    ("paid, completed", _deal(status="completed", paid={"amount": 10, "date": dt.date(2025, 12, 1)}), ACCEPT),
    ("NewCo", _deal(securities={"NewCo": _NEWCO}, consideration=[_NEW_LEG]), ACCEPT),
    ("NewCo and newco", _deal(securities={"NewCo": _NEWCO, "newco": _NEWCO}, consideration=[_NEW_LEG]), REFUSE),
    ("undefined security", _deal(consideration=[_NEW_LEG]), REFUSE),
    ("security unpriced", _deal(securities={"newco": {"currency": "HKD"}}, consideration=[_NEW_LEG]), REFUSE),
    (
        "security proxy normalised",
        _deal(securities={"newco": {"currency": "usd", "proxy": " aapl ", "discount": 0}}, consideration=[_NEW_LEG]),
        ACCEPT,
    ),
    ("security discount 1", _deal(securities={"newco": {**_NEWCO, "discount": 1.0}}, consideration=[_NEW_LEG]), REFUSE),
    ("security named like the target", _deal(target={"ticker": "tgt"}, securities={"tgt": _NEWCO}), REFUSE),
    (
        "security named like a leg ticker",
        _deal(securities={"bigco": _NEWCO}, consideration=[_stock(ratio=1.0, ticker="BIGCO")]),
        REFUSE,
    ),
    (
        "security named like a dividend ticker",
        _deal(
            securities={"divco": _NEWCO},
            dividend=[{"ticker": "DIVCO", "amount": 0.1, "currency": "USD", "ex_date": _DAY}],
        ),
        REFUSE,
    ),
    ("securities, none used", _deal(securities={}), ACCEPT),
    ("revisions in order", _deal(revision=[_revision(dt.date(2025, 3, 1), 8), _revision(dt.date(2025, 4, 1))]), ACCEPT),
    ("revisions by name", _deal(revisions=[_revision(dt.date(2025, 3, 1))]), ACCEPT),
    (
        "revisions out of order",
        _deal(revision=[_revision(dt.date(2025, 4, 1)), _revision(dt.date(2025, 3, 1))]),
        REFUSE,
    ),
    ("revisions on one day", _deal(revision=[_revision(dt.date(2025, 4, 1)), _revision(dt.date(2025, 4, 1))]), REFUSE),
    ("revision without legs", _deal(revision=[{"superseded": _DAY, "consideration": []}]), REFUSE),
    (
        "revision announced after superseded",
        _deal(revision=[{**_revision(_DAY), "announced": dt.date(2025, 7, 1)}]),
        REFUSE,
    ),
    ("revision election off", _deal(revision=[{"superseded": _DAY, "consideration": _election(0.5, 0.4)}]), REFUSE),
    ("events by name", _deal(events=[_STOP, {"kind": "meeting", "date": _DAY, "confirmed": True}]), ACCEPT),
    ("event after long-stop", _deal(event=[_STOP, {"kind": "meeting", "date": dt.date(2026, 4, 1)}]), REFUSE),
    ("other event after long-stop", _deal(event=[_STOP, {"kind": "other", "date": dt.date(2026, 4, 1)}]), ACCEPT),
    (
        "two long-stops",
        _deal(
            event=[
                _STOP,
                {"kind": "long-stop", "date": dt.date(2026, 9, 30)},
                {"kind": "payment", "date": dt.date(2026, 6, 1)},
            ]
        ),
        ACCEPT,
    ),
    ("close after long-stop", _deal(expected_close=dt.date(2026, 4, 1), event=[_STOP]), REFUSE),
    ("event and events", _deal(event=[_STOP], events=[_STOP]), REFUSE),
    ("condition and conditions", _deal(condition=[], conditions=[]), REFUSE),
    ("election sums to 1", _deal(consideration=_election(0.5, 0.5)), ACCEPT),
    ("election of thirds", _deal(consideration=_election(1 / 3, 1 / 3, 1 / 3)), ACCEPT),
    ("election 0.3 + 0.7", _deal(consideration=_election(0.3, 0.7)), ACCEPT),
    ("election within tolerance", _deal(consideration=_election(0.5, 0.5 + 5e-10)), ACCEPT),
    ("election beyond tolerance", _deal(consideration=_election(0.5, 0.5 - 2e-9)), REFUSE),
    ("election sums to 0.9", _deal(consideration=_election(0.5, 0.4)), REFUSE),
    ("election with a full leg", _deal(consideration=[*_election(0.6, 0.4), _cash(1.0)]), ACCEPT),
    ("costs", _deal(costs={"funding_rate": {"hkd": 0.04}, "stamp_duty": {"hk": {"buy": 0.001}}}), ACCEPT),
    ("costs refused", _deal(costs={"funding_rate": 11}), REFUSE),
    ("vote", _deal(vote=_vote(holder=_HOLDERS, result=_RESULT)), ACCEPT),
    (
        "tender minimum above shares",
        _deal(vote={"rule": "tender", "shares_outstanding": 10, "minimum_shares": 11}),
        REFUSE,
    ),
    ("unknown key", _deal(rato=1.0), REFUSE),
    ("dates as datetimes", _deal(announced=dt.datetime(2025, 1, 10)), REFUSE),
]


@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in DEAL_CASES], ids=[c[0] for c in DEAL_CASES])
def test_deals(data: dict[str, Any], expected: str) -> None:
    _check_case(Deal, data, expected)


#: A valid table of each record class, to read on its own (quick takes any of them, not only Deal).
_SOURCE = {"title": "Announcement", "publisher": "HKEX", "date": _DAY, "url": "https://example.com/a", "quote": "x"}
EXAMPLES: dict[type[Record], dict[str, Any]] = {
    arb.models.Target: {"ticker": "0700.hk", "name": "Tencent"},
    arb.models.Acquirer: {"ticker": " aapl "},
    arb.models.Security: {
        "name": "New H shares",
        "currency": "hkd",
        "proxy": "600803.SH",
        "discount": 0,
        "estimate": 5,
    },
    arb.models.PricingPeriod: {"days": 10},
    arb.models.ShareCap: {"max_shares": 100, "target_shares": 1000.5},
    Leg: _stock(value=10, collar=[9, 11], ratio_bounds=[0.9, 1.1], pricing_period={"days": 5}),
    arb.models.Dividend: {"ticker": "0001.hk", "amount": 0, "currency": "HKD", "ex_date": _DAY},
    arb.models.Source: _SOURCE,
    arb.models.Paid: {"amount": 10, "currency": "usd", "date": _DAY},
    Condition: {"name": "SAMR", "kind": "regulatory", "status": "met", "date": _DAY, "source": _SOURCE},
    arb.models.Event: {"kind": "meeting", "date": _DAY, "confirmed": True, "source": _SOURCE},
    arb.models.Holder: {"name": "A", "shares": 10**15, "stance": "against"},
    arb.models.VoteResult: {"shares_for": 0, "holders_for": 3, "source": _SOURCE},
    Vote: _vote(holder=_HOLDERS, result=_RESULT, headcount=False),
    arb.models.Revision: {**_revision(_DAY), "announced": _DAY, "currency": "usd", "bidder": "B"},
    Deal: _deal(),
    StampDuty: {"buy": 0, "sell": 0.5},
    Costs: COSTS_TABLE,
}


def test_examples_cover_every_record_class() -> None:
    assert set(EXAMPLES) == set(schema.SCHEMAS)


@pytest.mark.parametrize("cls", list(EXAMPLES), ids=lambda cls: cls.__name__)
def test_every_record_class(cls: type[Record]) -> None:
    data = EXAMPLES[cls]
    fast, slow = agree(cls, data)
    assert isinstance(slow, cls)
    assert fast is not None, f"quick declined a valid {cls.__name__}: {data!r}"
    _check_case(cls, {**data, "rato": 1.0}, REFUSE)
    field_of = {alias: name for name, alias in cls._aliases.items()}
    for key in [k for k in data if not hasattr(cls, field_of.get(k, k))]:  # a field with no default, left out
        _check_case(cls, {k: v for k, v in data.items() if k != key}, REFUSE)


#: The values :func:`test_every_field_takes_every_value` puts in each field of each record class.
SWEEP: list[Any] = [
    None,
    0,
    1,
    -1,
    2**64,
    0.0,
    -0.0,
    1.0,
    0.5,
    1e6 + 1,
    1e9 + 1,
    10**15 + 1,
    math.inf,
    -math.inf,
    math.nan,
    True,
    False,
    "x",
    "",
    " usd ",
    "hk-scheme",
    dt.date(2025, 1, 1),
    dt.datetime(2025, 1, 1),
    [],
    [1.0, 2.0],
    [2, 1],
    {},
    {"x": 1},
]


@pytest.mark.parametrize("cls", list(EXAMPLES), ids=lambda cls: cls.__name__)
def test_every_field_takes_every_value(cls: type[Record]) -> None:
    """Each field of each record class, set to each value of SWEEP in turn (by name and by alias)."""
    for name in cls._fields:
        for key in dict.fromkeys([cls._aliases.get(name, name), name]):
            for value in SWEEP:
                data = {k: v for k, v in EXAMPLES[cls].items() if k not in (name, cls._aliases.get(name))}
                agree(cls, {**data, key: copy.deepcopy(value)})


class _Text(str):
    pass


class _Table(dict):  # type: ignore[type-arg]
    pass


#: Input no TOML reader gives but a caller might: pydantic's verdict, and quick declines or agrees.
UNUSUAL_CASES = [
    ("numpy float", Leg, _cash(np.float64(1.5)), LAX),
    ("numpy int", Leg, _cash(np.int64(2)), LAX),
    ("float subclass", Leg, _cash(type("F", (float,), {})(1.5)), LAX),
    ("str subclass", Leg, _cash(currency=_Text("HKD"), note=_Text("x")), LAX),
    ("dict subclass", Leg, _Table(_cash()), LAX),
    ("dict subclass inside", Deal, _deal(target=_Table(ticker="1.HK")), LAX),
    ("dict subclass as a costs table", Costs, {"funding_rate": _Table(hkd=0.1)}, LAX),
    ("numpy float as a rate", Costs, {"funding_rate": np.float64(0.1)}, LAX),
    ("tuple of legs", Deal, _deal(consideration=(_cash(),)), LAX),
    ("a record where a table belongs", Deal, _deal(target=arb.models.Target._trusted(ticker="1.HK")), REFUSE),
    ("a timestamp for a date", Deal, _deal(announced=pd.Timestamp("2025-01-10")), REFUSE),
    ("bool from an int", arb.models.Event, {"kind": "meeting", "date": _DAY, "confirmed": 1}, LAX),
    ("bool from a float", arb.models.Event, {"kind": "meeting", "date": _DAY, "confirmed": -0.0}, LAX),
    ("bool from text", arb.models.Event, {"kind": "meeting", "date": _DAY, "confirmed": "yes"}, LAX),
    ("not a mapping", Leg, [("kind", "cash"), ("amount", 1.0)], REFUSE),
    ("None", Deal, None, REFUSE),
]


@pytest.mark.parametrize(("cls", "data", "expected"), [c[1:] for c in UNUSUAL_CASES], ids=[c[0] for c in UNUSUAL_CASES])
def test_unusual_input(cls: type[Record], data: Any, expected: str) -> None:
    _check_case(cls, data, expected)


def test_no_two_records_share_a_table() -> None:
    # pydantic makes a new {} for each deal without securities; a shared one would let a change to
    # one deal's table show in every other.
    first, second = quick(Deal, _deal()), quick(Deal, _deal())
    assert first is not None and second is not None
    assert first.securities == {} and first.securities is not second.securities


# --- no pydantic on the fast path ------------------------------------------------------------------------


def test_quick_imports_no_pydantic() -> None:
    # Every seed (and one with a [costs] table) in one fresh process: no branch of quick reaches pydantic.
    setup = f"""
import tomllib
from arb.costs import Costs
from arb.models import Deal
from arb.quickcheck import quick
for path in {[str(p) for p in SEEDS]!r}:
    with open(path, "rb") as f:
        deal = quick(Deal, {{**tomllib.load(f), "costs": {COSTS_TABLE!r}}})
    assert isinstance(deal, Deal) and isinstance(deal.costs, Costs), "quick declined " + path
"""
    _, loaded, _ = probe(None, setup=setup)
    assert loaded == [], f"quick on the seeds imported {loaded}"
