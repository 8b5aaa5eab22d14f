"""The deal model and the TOML loader: valid files of every leg kind, and one test per bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DEALS, REPO, deal_toml

from arb.errors import DealFileError, DuplicateDealError
from arb.loader import deal_files, load_deal, load_deals
from arb.models import Deal

VALID = DEALS / "valid"
INVALID = DEALS / "invalid"


# ------------------------------------------------------------------------------------------------
# Valid files
# ------------------------------------------------------------------------------------------------


def test_every_valid_file_loads() -> None:
    result = load_deals([VALID])
    assert result.errors == []
    assert sorted(d.id for d in result.deals) == [
        "cash-deal", "cash-plus-cvr", "collar-ratio", "collar-value", "dividends", "election", "estimate-only",
        "fixed-value", "fx-leg", "lifecycle", "minor-units", "proxy-h-share", "ratio-ticker", "undisclosed",
    ]


def test_tickers_are_normalised_and_defaults_filled() -> None:
    proxy = load_deal(VALID / "proxy.toml")
    assert proxy.target.ticker == "2688.HK"  # written 02688.HK
    assert proxy.securities["parent-h"].proxy == "600803.SS"  # written 600803.SH
    assert proxy.status == "announced"  # the default
    assert [leg.weight for leg in proxy.consideration] == [1.0, 1.0]
    ratio = load_deal(VALID / "ratio-ticker.toml")
    assert ratio.consideration[0].ticker == "BIGCO"  # written BIGCO.US
    assert load_deal(VALID / "cash.toml").target.ticker == "ACME"
    assert load_deal(VALID / "estimate.toml").securities["newco"].discount == 0.0


def test_leg_fields_as_written() -> None:
    collar = load_deal(VALID / "collar-value.toml").consideration[0]
    assert (collar.kind, collar.value, collar.ratio, collar.collar) == ("stock", 20.0, None, (40.0, 50.0))
    cvr = load_deal(VALID / "cvr.toml").consideration[1]
    assert (cvr.kind, cvr.amount, cvr.currency, cvr.probability) == ("cvr", 4.0, "USD", 0.25)
    election = load_deal(VALID / "election.toml")
    assert [leg.weight for leg in election.consideration] == [0.5, 0.5]
    divs = load_deal(VALID / "dividends.toml").dividend
    assert [(d.ticker, d.amount, d.ex_date.isoformat()) for d in divs] == [
        ("DIVT", 0.40, "2025-09-15"), ("DIVT", 0.40, "2026-03-15"), ("BIGCO", 0.30, "2025-08-01"),
    ]


def test_undisclosed_terms_are_valid() -> None:
    deal = load_deal(VALID / "undisclosed.toml")
    assert deal.consideration == ()
    assert not deal.has_terms


def test_seeds_load() -> None:
    result = load_deals([REPO / "seeds"])
    assert result.errors == []
    enn = next(d for d in result.deals if d.id == "enn-energy")
    assert enn.consideration[0].ratio == 2.9427
    assert enn.consideration[1].amount == 24.50
    assert enn.securities["enn-ng-h"].estimate == 18.86


def test_lower_case_currency_is_upper_cased() -> None:
    deal = Deal.model_validate(_toml('[[consideration]]\nkind = "cash"\namount = 1.0\ncurrency = "usd"\n'))
    assert deal.consideration[0].currency == "USD"


def test_terms_hash_follows_terms_not_names() -> None:
    body = '[[consideration]]\nkind = "cash"\namount = {amount}\ncurrency = "USD"\n'
    a = Deal.model_validate(_toml(body.format(amount="10.0")))
    renamed = a.model_copy(update={"name": "Another name"})
    bumped = Deal.model_validate(_toml(body.format(amount="10.5")))
    assert a.terms_hash() == renamed.terms_hash()
    assert a.terms_hash() != bumped.terms_hash()


def test_deal_files_skips_hidden_and_underscored(tmp_path: Path) -> None:
    for name in ("b.toml", "a.toml", ".hidden.toml", "_draft.toml", "notes.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.toml").write_text("")
    assert [p.relative_to(tmp_path).as_posix() for p in deal_files([tmp_path])] == ["a.toml", "b.toml", "sub/c.toml"]


def test_deal_files_finds_what_rglob_finds_in_the_same_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """arb walks folders itself (a third of rglob's time); what it finds is what rglob("*.toml") does:
    hidden and underscored folders gone into, linked folders not, a folder named *.toml found."""
    import os

    for rel in (
        "b.toml", "a.toml", "a-b.toml", "a/z.toml", "a/b.toml", "a/.hidden/c.toml", "a/_private/d.toml",
        ".git/e.toml", "deep/er/still/f.toml", "x.TOML", "y.toml.bak", "_u.toml", ".v.toml",
    ):  # fmt: skip
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "folder.toml").mkdir()  # a folder named like a deal file: found (loading it says what is wrong)
    (tmp_path / "folder.toml" / "g.toml").write_text("")
    (tmp_path / "linked").symlink_to(tmp_path / "a", target_is_directory=True)  # not gone into
    (tmp_path / "dangling.toml").symlink_to(tmp_path / "nowhere.toml")  # found: reading it says it is missing
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "h.toml").write_text("")
    locked.chmod(0)
    try:

        def rglob(folder: Path) -> list[Path]:
            found = (f for f in folder.rglob("*.toml") if not f.name.startswith((".", "_")))
            return sorted(found, key=lambda f: f.parts)

        found = deal_files([tmp_path])
        assert found == rglob(tmp_path)
        # by parts, as Path orders them: a folder's files before a name that starts with it
        assert [p.relative_to(tmp_path).as_posix() for p in found] == [
            ".git/e.toml", "a/.hidden/c.toml", "a/_private/d.toml", "a/b.toml", "a/z.toml", "a-b.toml", "a.toml",
            "b.toml", "dangling.toml", "deep/er/still/f.toml", "folder.toml", "folder.toml/g.toml", "locked/h.toml",
        ][: None if os.access(locked, os.R_OK) else -1]  # fmt: skip
        monkeypatch.chdir(tmp_path)
        assert deal_files([Path("a")]) == rglob(Path("a"))  # relative paths stay relative
        assert deal_files([Path("a")])[-2:] == [Path("a/b.toml"), Path("a/z.toml")]
        assert deal_files([Path(".")]) == rglob(Path("."))
    finally:
        locked.chmod(0o755)


def test_deal_files_skips_a_link_it_may_not_follow_and_keeps_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link into a folder this user may not look in is not gone into; the folder's own files stay.

    (rglob stopped the whole walk there; as root the case cannot be made with file modes, so the
    link's type check is made to fail as it does for another user.)"""
    import errno
    import os

    for rel in ("a.toml", "sub/b.toml", "zsub/c.toml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "sub", target_is_directory=True)
    real_scandir = os.scandir

    class Entry:
        def __init__(self, entry: os.DirEntry[str]) -> None:
            self.entry, self.name, self.path = entry, entry.name, entry.path

        def is_dir(self) -> bool:
            if self.name == "link":
                raise PermissionError(errno.EACCES, "Permission denied", self.path)
            return self.entry.is_dir()

        def is_symlink(self) -> bool:
            return self.entry.is_symlink()

    class Listing:
        def __init__(self, folder: str) -> None:
            self.inner = real_scandir(folder)

        def __enter__(self) -> list[Entry]:
            return [Entry(e) for e in self.inner.__enter__()]

        def __exit__(self, *exc: object) -> None:
            self.inner.__exit__(*exc)

    monkeypatch.setattr(os, "scandir", Listing)
    found = [p.relative_to(tmp_path).as_posix() for p in deal_files([tmp_path])]
    assert found == ["a.toml", "sub/b.toml", "zsub/c.toml"]


def test_a_name_with_a_nul_is_no_such_file_not_a_crash(tmp_path: Path) -> None:
    from arb.dealcache import DealCache

    for cache in (None, DealCache(tmp_path / "cache")):
        result = load_deals([tmp_path / "x\0y.toml"], cache)
        lines = [line for e in result.errors for line in e.lines()]
        assert lines == [f"{tmp_path}/x\\x00y.toml: no such file or folder"]


# ------------------------------------------------------------------------------------------------
# Bad input: one message naming the file, the key path and the problem
# ------------------------------------------------------------------------------------------------

BAD_FILES = [
    # file, key path, fragments the message must hold
    ("syntax.toml", "", ["TOML syntax error", "line 2"]),
    ("misspelt-key.toml", "consideration #1.ration", ["unknown key", "did you mean 'ratio'?"]),
    ("wrong-type.toml", "consideration #1.ratio", ["valid number", "'two'"]),
    ("ratio-zero.toml", "consideration #1.ratio", ["greater than 0", "got 0"]),
    ("ratio-negative.toml", "consideration #1.ratio", ["greater than 0", "got -0.5"]),
    ("weight-above-one.toml", "consideration #1.weight", ["less than or equal to 1", "got 1.5"]),
    ("weight-zero.toml", "consideration #1.weight", ["greater than 0", "got 0"]),
    ("negative-amount.toml", "consideration #1.amount", ["greater than or equal to 0", "got -10.0"]),
    ("unknown-currency.toml", "consideration #1.currency", ["unknown currency code 'USX'", "did you mean 'USD'?"]),
    ("close-before-announced.toml", "expected_close", ["2025-03-01", "before announced 2025-04-01"]),
    ("undefined-security.toml", "consideration #1.security", ["'newco-h'", "not defined", "newco-a"]),
    ("collar-inverted.toml", "consideration #1.collar", ["low 50.0 must be below high 40.0"]),
    ("ratio-and-value.toml", "consideration #1", ["'ratio'", "'value'", "not both"]),
    # not a number, or not one a deal can hold
    ("ratio-inf.toml", "consideration #1.ratio", ["finite number", "got inf"]),
    ("amount-nan.toml", "consideration #1.amount", ["finite number", "got nan"]),
    ("amount-huge.toml", "consideration #1.amount", ["less than or equal to 1000000000", "got 1e+307"]),
    # not something any source can price
    ("ticker-dot.toml", "consideration #1.ticker", ["'.' is not a ticker"]),
    ("ticker-path.toml", "target.ticker", ["'../../etc/passwd' is not a ticker"]),
    ("security-is-ticker.toml", "securities.bigco", ["ticker BIGCO", "rename the security"]),
    # "$" matches before a final newline: the id check is a full match
    ("id-newline.toml", "id", ["'id-newline\\n'", "not lower-case words"]),
    ("election-sum.toml", "consideration", ["sum to 1.1", "consideration #1.weight 0.5 + consideration #2.weight 0.6"]),
    ("too-many-legs.toml", "consideration", ["51 legs", "at most 50"]),
    # the lifecycle keys (issue 12)
    ("condition-kind.toml", "condition #1.kind", ["'regulatory'", "'financing' or 'other'", "got 'antitrust'"]),
    ("condition-met-no-date.toml", "condition #1", ["a met condition needs 'date'"]),
    ("event-after-long-stop.toml", "event #2.date", ["meeting event on 2026-07-15", "long-stop date 2026-06-30"]),
    ("vote-disinterested.toml", "vote", ["disinterested_shares 1143456241 is more than shares_outstanding"]),
]


@pytest.mark.parametrize(("name", "key", "fragments"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_gives_one_clear_message(name: str, key: str, fragments: list[str]) -> None:
    path = INVALID / name
    with pytest.raises(DealFileError) as info:
        load_deal(path)
    err = info.value
    assert err.path == path
    assert err.key == key
    for fragment in fragments:
        assert fragment in err.problem
    text = str(err)
    assert text.startswith(f"{path}: ")
    if key:
        assert text.startswith(f"{path}: {key}: ")
    assert "\n" not in text  # one line
    assert "Traceback" not in text and "pydantic" not in text.lower()


def test_every_invalid_file_has_a_case() -> None:
    covered = {b[0] for b in BAD_FILES}
    assert {p.name for p in INVALID.glob("*.toml")} == covered


def test_duplicate_id_is_one_error_and_the_first_file_loads() -> None:
    result = load_deals([INVALID / "duplicate"])
    assert [d.id for d in result.deals] == ["same-id"]
    assert result.paths["same-id"] == INVALID / "duplicate" / "a.toml"
    [err] = result.errors
    assert isinstance(err, DuplicateDealError)
    assert err.path == INVALID / "duplicate" / "b.toml"
    assert err.key == "id"
    assert "'same-id' is already used by" in err.problem and "a.toml" in err.problem


def test_bad_files_do_not_stop_the_good_ones() -> None:
    result = load_deals([VALID, INVALID])
    assert not result.ok
    # every bad file once (the duplicate folder holds one good and one bad file)
    assert sorted(e.path.name for e in result.errors) == sorted([b[0] for b in BAD_FILES] + ["b.toml"])
    assert len(result.deals) == len(list(VALID.glob("*.toml"))) + 1
    assert {"cash-deal", "proxy-h-share", "same-id"} <= {d.id for d in result.deals}


def test_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = load_deals([tmp_path / "nope.toml"])
    [err] = result.errors
    assert "no such file" in err.problem


def _toml(body: str, **head: str) -> dict:
    import tomllib

    return tomllib.loads(deal_toml(body, **head))


def _load_text(tmp_path: Path, text: str) -> DealFileError:
    path = tmp_path / "deal.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DealFileError) as info:
        load_deal(path)
    assert str(info.value).startswith(f"{path}: ")
    return info.value


@pytest.mark.parametrize(
    ("body", "head_extra", "key", "fragment"),
    [
        # misspelt keys at each level, each with the key meant
        ("", "expected_closing = 2026-01-01", "expected_closing", "did you mean 'expected_close'?"),
        ('[[consideration]]\nkind = "cash"\namont = 1.0\ncurrency = "USD"\n', "", "consideration #1.amont",
         "did you mean 'amount'?"),
        ('[[consideration]]\nkind = "stock"\nratio = 1.0\nsecurity = "s"\n[securities.s]\ncurrency = "USD"\n'
         "estimate = 5.0\ndiscont = 0.1\n", "", "securities.s.discont", "did you mean 'discount'?"),
        ('[[dividend]]\nticker = "T.HK"\namount = 1.0\ncurrency = "HKD"\nexdate = 2025-09-01\n', "",
         "dividend #1.exdate", "did you mean 'ex_date'?"),
        # wrong types
        ('[[consideration]]\nkind = "cash"\namount = "ten"\ncurrency = "USD"\n', "",
         "consideration #1.amount", "'ten'"),
        ('[[consideration]]\nkind = "stok"\nratio = 1.0\nticker = "A"\n', "", "consideration #1.kind", "'stok'"),
        ('[[consideration]]\nkind = "stock"\nratio = 1.0\nticker = "A"\ncollar = 40\n', "",
         "consideration #1.collar", "40"),
        # other range checks
        ('[[consideration]]\nkind = "cvr"\namount = 1.0\ncurrency = "USD"\nprobability = 1.5\n', "",
         "consideration #1.probability", "less than or equal to 1"),
        ('[[consideration]]\nkind = "stock"\nratio = 1.0\nsecurity = "s"\n[securities.s]\ncurrency = "USD"\n'
         "estimate = 5.0\ndiscount = 1.0\n", "", "securities.s.discount", "less than 1"),
        ('[[consideration]]\nkind = "stock"\nratio = 1.0\nsecurity = "s"\n[securities.s]\ncurrency = "USD"\n',
         "", "securities.s", "'proxy'"),
        ('[[consideration]]\nkind = "stock"\nratio = 1.0\n', "", "consideration #1", "exactly one of 'ticker'"),
        ('[[consideration]]\nkind = "cvr"\namount = 1.0\ncurrency = "USD"\n', "", "consideration #1",
         "needs 'probability'"),
        ('[[consideration]]\nkind = "stock"\nratio = 1.0\nticker = "A"\ncollar = [0.0, 5.0]\n', "",
         "consideration #1.collar", "above zero"),
        ("", "downside = -1.0", "downside", "greater than or equal to 0"),
    ],
)
def test_more_bad_input(tmp_path: Path, body: str, head_extra: str, key: str, fragment: str) -> None:
    err = _load_text(tmp_path, deal_toml(body, extra=head_extra))
    assert err.key == key
    assert fragment in err.problem


@pytest.mark.parametrize(
    ("line", "replacement", "key", "fragment"),
    [
        ("announced = 2025-01-02", 'announced = "soon"', "announced", "'soon'"),
        ('status = "pending"', 'status = "pendng"', "status", "'pendng'"),
        ("expected_close = 2025-12-31", "expected_close = 20251231", "expected_close", "20251231"),
    ],
)
def test_wrong_type_of_a_top_level_key(tmp_path: Path, line: str, replacement: str, key: str, fragment: str) -> None:
    text = deal_toml("")
    assert line in text
    err = _load_text(tmp_path, text.replace(line, replacement))
    assert err.key == key
    assert fragment in err.problem


def test_bad_id(tmp_path: Path) -> None:
    err = _load_text(tmp_path, deal_toml("", id="ENN Energy"))
    assert err.key == "id"
    assert "lower-case words and hyphens" in err.problem


def test_quoted_number_is_a_wrong_type(tmp_path: Path) -> None:
    # TOML has numbers: a number in quotes is a mistake the file's author should hear about.
    err = _load_text(tmp_path, deal_toml('[[consideration]]\nkind = "stock"\nratio = "0.5"\nticker = "A"\n'))
    assert err.key == "consideration #1.ratio"
    assert "valid number" in err.problem


def test_boolean_amount_is_a_wrong_type(tmp_path: Path) -> None:
    err = _load_text(tmp_path, deal_toml('[[consideration]]\nkind = "cash"\namount = true\ncurrency = "USD"\n'))
    assert err.key == "consideration #1.amount"
    assert "valid number" in err.problem


@pytest.mark.parametrize("unit", ["GBp", "GBX", "ZAc", "ILA"])
def test_minor_unit_in_a_deal_file_is_refused_with_a_hint(tmp_path: Path, unit: str) -> None:
    # 150 pence written as currency "GBp" must not become 150 pounds.
    err = _load_text(tmp_path, deal_toml(f'[[consideration]]\nkind = "cash"\namount = 150\ncurrency = "{unit}"\n'))
    assert err.key == "consideration #1.currency"
    assert "major unit" in err.problem


def test_many_problems_still_one_message(tmp_path: Path) -> None:
    body = '[[consideration]]\nkind = "cash"\namount = -1.0\ncurrency = "USD"\nweight = 2.0\n'
    err = _load_text(tmp_path, deal_toml(body))
    assert err.key == "consideration #1.amount"
    assert "greater than or equal to 0" in err.problem
    # the second problem is summarised or named, in the same one-line message
    assert "1 more problem" in err.problem or "consideration #1.weight" in err.problem
    assert "\n" not in str(err)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Société"\n'.encode("latin-1"))
    with pytest.raises(DealFileError, match="UTF-8"):
        load_deal(path)


def test_nothing_in_a_deal_file_is_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = deal_toml("", extra=f'notes = "__import__(\'pathlib\').Path(r\'{marker}\').touch()"')
    path = tmp_path / "deal.toml"
    path.write_text(text)
    deal = load_deal(path)
    assert deal.notes is not None and "__import__" in deal.notes
    assert not marker.exists()


# ------------------------------------------------------------------------------------------------
# docs/deal-format.md: every ```toml block is a valid deal file
# ------------------------------------------------------------------------------------------------

DOC = REPO / "docs" / "deal-format.md"
_BLOCK = re.compile(r"^```toml\n(.*?)^```", re.S | re.M)


def _doc_blocks() -> list[str]:
    return _BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_doc_has_an_example_of_every_leg_kind() -> None:
    blocks = _doc_blocks()
    assert len(blocks) >= 10
    text = "\n".join(blocks)
    for needle in ('kind = "cash"', 'kind = "stock"', 'kind = "cvr"', "value = ", "collar = ", "weight = ",
                   "[securities.", "proxy = ", "estimate = ", "[[dividend]]"):
        assert needle in text, needle


@pytest.mark.parametrize("index", range(len(_BLOCK.findall(DOC.read_text(encoding="utf-8"))) if DOC.exists() else 0))
def test_doc_example_validates(tmp_path: Path, index: int) -> None:
    block = _doc_blocks()[index]
    path = tmp_path / f"example-{index}.toml"
    path.write_text(block, encoding="utf-8")
    deal = load_deal(path)  # raises DealFileError naming the key if the doc is wrong
    assert deal.id


def test_terms_hash_keeps_its_definition(tmp_path: Path) -> None:
    """A history store compares hashes worked out by different versions of arb: the hash is, and stays,
    the first 16 hex digits of SHA-256 over the terms as sorted, compact JSON (ASCII-escaped)."""
    import hashlib
    import json

    from benchmarks.synthetic import write_deal_files

    deals = load_deals([REPO / "seeds", *write_deal_files(tmp_path, 200)]).deals
    assert len(deals) >= 208
    fields = {"currency", "downside", "expected_close", "target", "consideration", "securities", "dividend"}
    for deal in deals:
        terms = deal.model_dump(mode="json", include=fields, exclude_none=True)
        terms["target"].pop("name", None)
        blob = json.dumps(terms, sort_keys=True, separators=(",", ":")).encode()
        assert deal.terms_hash() == hashlib.sha256(blob).hexdigest()[:16], deal.id
    # worked out by arb before the JSON encoder was made once and SHA-256 taken from CPython's own code
    pinned = {"enn-energy": "8161bce2f8d2a111", "norfolk-southern": "c3ee7ce201f17bc2", "spectris": "c272c89e05cdf08a"}
    for name, value in pinned.items():
        assert load_deal(REPO / "seeds" / f"{name}.toml").terms_hash() == value
