"""arb.frozen and arb.schema: deals are plain frozen records, checked by pydantic models only when read.

The records (arb.models, arb.costs) and the models that check them (arb.schema) are declared
apart; these tests hold them to the same fields, defaults and aliases, hold the records' dumps to
pydantic's own, and check that a report served by the deal cache never imports pydantic.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from conftest import probe
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

import arb.costs
import arb.dealcache
import arb.models
from arb.costs import DEFAULTS, Costs, StampDuty
from arb.dealcache import DealCache
from arb.frozen import FrozenRecordError, Record
from arb.loader import load_deal, load_deals
from arb.models import Deal, Leg, Target, Vote
from arb.resources import seeds_dir
from arb.schema import SCHEMAS, to_runtime, validate

SEEDS = sorted(seeds_dir().glob("*.toml"))


def _seed_data(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("record", list(SCHEMAS), ids=lambda c: c.__name__)
def test_each_record_has_its_models_fields_defaults_and_aliases(record: type[Record]) -> None:
    model = SCHEMAS[record]
    assert record._fields == tuple(model.model_fields), "fields, in the same order"
    aliases = {name: f.alias for name, f in model.model_fields.items() if f.alias}
    assert record._aliases == aliases
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            assert name not in vars(record), f"{record.__name__}.{name}: a factory default has no class value"
        elif info.default is PydanticUndefined:
            assert name not in vars(record), f"{record.__name__}.{name} is required, so has no default"
        else:
            assert vars(record)[name] == info.default, f"{record.__name__}.{name}"


def _plain_type(t: Any) -> Any:
    """A field's type without the checks pydantic reads (Annotated metadata), unions as sets, models as records."""
    origin = typing.get_origin(t)
    if origin is typing.Annotated:
        return _plain_type(typing.get_args(t)[0])
    if origin in (typing.Union, types.UnionType):
        return ("union", frozenset(_plain_type(a) for a in typing.get_args(t)))
    if origin is not None:
        return (origin, tuple(_plain_type(a) for a in typing.get_args(t)))
    return {model: record for record, model in SCHEMAS.items()}.get(t, t)


@pytest.mark.parametrize("record", list(SCHEMAS), ids=lambda c: c.__name__)
def test_each_records_field_types_are_its_models(record: type[Record]) -> None:
    names = {**vars(arb.models), **vars(arb.costs), "dt": dt}
    hints = typing.get_type_hints(record, globalns=names)
    for name, info in SCHEMAS[record].model_fields.items():
        assert _plain_type(hints[name]) == _plain_type(info.annotation), f"{record.__name__}.{name}"


def test_the_built_in_cost_table_passes_the_checks_a_file_does() -> None:
    assert Costs.model_validate(DEFAULTS.model_dump()) == DEFAULTS
    assert isinstance(DEFAULTS.stamp_duty["HK"], StampDuty)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_a_records_dumps_are_pydantics(path: Path) -> None:
    data = _seed_data(path)
    model = SCHEMAS[Deal].model_validate(data)
    record = validate(Deal, data)
    assert type(record) is Deal and not isinstance(record, BaseModel)
    for kwargs in (
        {},
        {"mode": "json"},
        {"mode": "json", "exclude_none": True},
        {"by_alias": True},
        {"mode": "json", "by_alias": True, "exclude_none": True},
        {"include": {"id", "consideration", "target"}},
        {"exclude": {"source", "events"}, "mode": "json"},
    ):
        assert record.model_dump(**kwargs) == model.model_dump(**kwargs), kwargs
    assert json.loads(record.model_dump_json()) == json.loads(model.model_dump_json())
    assert record.model_dump_json() == model.model_dump_json()
    assert repr(record) == repr(model)


def test_a_record_is_built_by_checking_its_data() -> None:
    data = _seed_data(SEEDS[0])
    assert Deal(**data) == Deal.model_validate(data) == load_deal(SEEDS[0])
    with pytest.raises(ValidationError, match="probability"):
        Leg(kind="cvr", amount=1.0, currency="USD", probability=2.0)
    with pytest.raises(ValidationError, match="did you mean 'ticker'"):
        Target.model_validate({"tickr": "X.HK"})
    # records inside the data are checked again as their fields
    deal = load_deal(SEEDS[0])
    assert Deal.model_validate({**deal.model_dump(), "name": "Renamed"}).name == "Renamed"
    assert Deal.model_validate(deal) is deal


def test_records_are_frozen_and_copied_with_changes() -> None:
    deal = load_deal(SEEDS[0])
    with pytest.raises(FrozenRecordError, match="model_copy"):
        deal.name = "x"  # type: ignore[misc]
    with pytest.raises(FrozenRecordError):
        del deal.name
    renamed = deal.model_copy(update={"name": "Another"})
    assert renamed.name == "Another" and deal.name != "Another" and renamed.id == deal.id
    assert renamed != deal and renamed.model_copy(update={"name": deal.name}) == deal
    with pytest.raises(ValueError, match="has no field 'nmae'"):
        deal.model_copy(update={"nmae": "typo"})
    deep = deal.model_copy(deep=True)
    assert deep == deal and deep.target is not deal.target


def test_records_hash_compare_and_pickle_as_their_fields() -> None:
    a = Target(ticker="0001.HK", name="A")
    assert a == Target(ticker="0001.HK", name="A") and hash(a) == hash(Target(ticker="0001.HK", name="A"))
    assert a != Target(ticker="0001.HK", name="B") and a != "Target"
    deals = [load_deal(p) for p in SEEDS]
    back = pickle.loads(pickle.dumps(deals, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == deals and copy.deepcopy(deals) == deals and copy.copy(deals[0]) == deals[0]
    assert pickle.loads(pickle.dumps(deals[0], protocol=2)) == deals[0]  # the oldest protocol a cache could hold
    with pytest.raises(FrozenRecordError):  # unpickled, still frozen
        back[0].name = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):  # a deal holds a dict (securities): unhashable, as pydantic's was
        hash(deals[0])


def test_to_runtime_keeps_nested_records_tuples_and_dicts() -> None:
    data = {"rule": "hk-scheme", "shares_outstanding": 100, "disinterested_shares": 80, "holder": [
        {"name": "H", "shares": 10, "stance": "for"}]}  # fmt: skip
    vote = to_runtime(SCHEMAS[Vote].model_validate(data))
    assert type(vote) is Vote and type(vote.holders) is tuple and vote.holders[0].name == "H"
    assert vote.voting_pool == 80 and vote.applies_headcount is False
    assert vote.model_dump(by_alias=True)["holder"][0]["shares"] == 10


def _report(folder: Path, env: dict[str, str]) -> tuple[str, bool]:
    code, loaded, stdout = probe(["report", str(folder), "--offline"], **env)
    assert code == 0
    return stdout, bool(loaded)


def test_a_report_of_valid_files_never_imports_pydantic_and_a_bad_file_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "deals"
    folder.mkdir()
    for src in SEEDS:
        (folder / src.name).write_bytes(src.read_bytes())
    env = {"ARB_HOME": str(tmp_path / "home"), "ARB_CACHE_DIR": str(tmp_path / "cache")}
    env.update(ARB_OFFLINE="1", NO_COLOR="1", COLUMNS="120")
    cold, imported = _report(folder, env)
    assert not imported  # every file read and checked, by arb.quickcheck
    # the files are seconds old, too fresh for the cache to keep: keep them here, as a later run would
    monkeypatch.setattr(arb.dealcache, "SETTLE_SECONDS", 0.0)
    cache = DealCache(tmp_path / "cache" / "deals")
    assert load_deals([folder], cache=cache).ok
    cache.save()
    warm, imported = _report(folder, env)
    assert not imported
    assert warm == cold and "enn" in warm.lower()
    # A file with a problem is left to pydantic, which names it (and the good deals are still shown).
    (folder / "bad.toml").write_text('id = "bad"\nname = "Bad"\n[target]\nticker = "BAD"\n[[consideration]]\n'
                                     'kind = "cash"\namount = "10"\ncurrency = "USD"\n', encoding="utf-8")  # fmt: skip
    code, loaded, stdout = probe(["report", str(folder), "--offline"], **env)
    assert loaded and code == 1 and "enn" in stdout.lower()


def test_the_terms_hash_is_kept_with_the_record_and_left_behind_by_a_copy() -> None:
    deal = load_deal(SEEDS[0])
    assert "_terms_hash" not in deal.__dict__  # worked out when first asked for (or the deal cache is saved)
    assert deal.terms_hash() == deal._hash_terms() == deal.__dict__["_terms_hash"]
    fresh = validate(Deal, _seed_data(SEEDS[0]), plain=True)
    assert "_terms_hash" not in fresh.__dict__ and fresh == deal  # a kept hash is not a field: still equal
    assert fresh.terms_hash() == deal.terms_hash() and fresh == deal
    kept = pickle.loads(pickle.dumps(deal))
    assert kept.__dict__["_terms_hash"] == deal.terms_hash() and kept == deal
    bumped = deal.model_copy(update={"downside": 1.0 if deal.downside != 1.0 else 2.0})
    assert "_terms_hash" not in bumped.__dict__
    assert bumped.terms_hash() != deal.terms_hash() and bumped.terms_hash() == bumped._hash_terms()
    assert "_terms_hash" not in deal.model_dump() and "_terms_hash" not in repr(deal)
