"""config.toml and the ARB_* variables: precedence, origins, one-line errors, `arb config init|show`."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arb.cli import app
from arb.config import ENV, SETTINGS, TEMPLATE, load_config, parse_interval
from arb.errors import ArbError, ConfigError

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ARB_HOME", str(tmp_path))
    for var in ENV.values():
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def test_defaults_without_a_file(home: Path) -> None:
    cfg = load_config()
    assert cfg.path == home / "config.toml"
    assert cfg.timeout == 20.0 and cfg.price_source == "live" and cfg.deals == ()
    assert cfg.watch_interval == 300.0 and cfg.watch_targets == ()
    assert set(cfg.origins.values()) == {"default"}


def test_file_then_env_precedence(home: Path) -> None:
    (home / "config.toml").write_text(
        'deals = ["deals", "~/more"]\ntimeout = 7\nprice_source = "offline"\n'
        'columns = ["Deal", "spread %"]\n[watch]\ninterval = "2m"\ntargets = ["desktop"]\n'
        "[costs]\nborrow_bps = 50\n",
        encoding="utf-8",
    )
    env = {"ARB_TIMEOUT": "3.5", "ARB_WATCH_TARGETS": "https://example.org/hook, desktop"}
    cfg = load_config(environ=env)
    assert cfg.timeout == 3.5 and cfg.origin("timeout") == "env ARB_TIMEOUT"
    assert cfg.price_source == "offline" and cfg.origin("price_source") == "file"
    assert cfg.deal_paths == [home / "deals", Path("~/more").expanduser()]
    assert cfg.columns == ("deal", "spread %")
    assert cfg.watch_interval == 120.0
    assert cfg.watch_targets == ("https://example.org/hook", "desktop")
    assert cfg.origins["watch.targets"] == "env"
    assert cfg.section("costs") == {"borrow_bps": 50}
    assert cfg.section("nothing") == {}
    assert cfg.origins["prices_file"] == "default"


def test_deals_env_is_split_on_pathsep(home: Path) -> None:
    cfg = load_config(environ={"ARB_DEALS": f"/a{os.pathsep}/b"})
    assert cfg.deals == ("/a", "/b")


def test_arb_offline_means_offline_source(home: Path) -> None:
    cfg = load_config(environ={"ARB_OFFLINE": "1"})
    assert cfg.price_source == "offline" and cfg.origins["price_source"] == "env"
    assert load_config(environ={"ARB_OFFLINE": "0"}).price_source == "live"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("timeout = -1\n", "timeout", "at least 0.1"),
        ('timeout = "soon"\n', "timeout", "not a number"),
        ('price_source = "yahoo"\n', "price_source", "live, offline, file"),
        ('columns = ["sprad"]\n', "columns", "did you mean 'spread'"),
        ("timout = 5\n", "timout", "did you mean 'timeout'"),
        ('[watch]\ninterval = "30s"\n', "watch.interval", "minimum of 60"),
        ('[watch]\nintervall = "5m"\n', "watch.intervall", "did you mean 'interval'"),
        ('[watch]\ntargets = ["ftp://x"]\n', "watch.targets", "not a target"),
        ('price_source = "file"\n', "prices_file", "is needed"),
        ("deals = 3\n", "deals", "list of folder"),
    ],
)
def test_bad_value_is_one_error_naming_file_and_key(home: Path, text: str, key: str, words: str) -> None:
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: ") and words in message and "\n" not in message
    assert isinstance(info.value, ArbError)


def test_bad_env_names_the_variable(home: Path) -> None:
    with pytest.raises(ConfigError, match=r"^ARB_TIMEOUT: 'x' is not a number"):
        load_config(environ={"ARB_TIMEOUT": "x"})


def test_toml_syntax_error_is_one_line(home: Path) -> None:
    (home / "config.toml").write_text("timeout = = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML syntax error"):
        load_config()


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "seconds"), [(90, 90.0), ("90s", 90.0), ("5m", 300.0), ("1h", 3600.0), ("2.5 min", 150.0)]
)
def test_parse_interval(text: object, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("bad", ["5 minutes", "", True, -3, "0"])
def test_parse_interval_refuses(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_interval(bad)


def test_template_parses_to_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(TEMPLATE, encoding="utf-8")
    tomllib.loads(TEMPLATE)
    cfg = load_config(path, environ={})
    for key, setting in SETTINGS.items():
        assert cfg[key] == setting.default, key
    # every setting and its variable are documented in the template and in docs/config.md
    docs = (Path(__file__).parents[1] / "docs" / "config.md").read_text(encoding="utf-8")
    for key, var in ENV.items():
        assert var in TEMPLATE and var in docs and key.split(".")[-1] in docs


def test_cli_init_refuses_to_overwrite(home: Path) -> None:
    r = runner.invoke(app, ["config", "init"])
    assert r.exit_code == 0, r.output
    path = home / "config.toml"
    assert path.read_text(encoding="utf-8") == TEMPLATE
    path.write_text("timeout = 9\n", encoding="utf-8")
    r = runner.invoke(app, ["config", "init"])
    assert r.exit_code == 1 and "already exists" in r.output and "--force" in r.output
    assert path.read_text(encoding="utf-8") == "timeout = 9\n"
    r = runner.invoke(app, ["config", "init", "--force"])
    assert r.exit_code == 0 and path.read_text(encoding="utf-8") == TEMPLATE


def test_cli_show_origins(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "config.toml").write_text("timeout = 9\n", encoding="utf-8")
    monkeypatch.setenv("ARB_PRICE_SOURCE", "offline")
    r = runner.invoke(app, ["config", "show", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["settings"]["timeout"] == {"value": 9.0, "origin": "file", "env": "ARB_TIMEOUT"}
    assert data["settings"]["price_source"]["origin"] == "env"
    assert data["settings"]["columns"]["origin"] == "default"
    r = runner.invoke(app, ["config", "show"])
    assert r.exit_code == 0
    line = next(x for x in r.stdout.splitlines() if "ARB_TIMEOUT" in x)
    assert "9" in line and "file" in line and "ARB_TIMEOUT" in line


def test_cli_show_bad_file_is_one_line(home: Path) -> None:
    (home / "config.toml").write_text('price_source = "nope"\n', encoding="utf-8")
    r = runner.invoke(app, ["config", "show"])
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "price_source" in r.stderr and "Traceback" not in r.output


# -- the settings at work in the commands ----------------------------------------------------------

REFRESH = Path(__file__).parent / "data" / "refresh"


def test_report_uses_the_configured_deals_and_price_file(home: Path) -> None:
    (home / "config.toml").write_text(
        f'deals = ["{REFRESH / "deals"}"]\nprice_source = "file"\n'
        f'prices_file = "{REFRESH / "prices-2025-06-02.csv"}"\n',
        encoding="utf-8",
    )
    r = runner.invoke(app, ["report", "--json", "--as-of", "2025-06-02"])
    assert r.exit_code == 0, r.output
    records = json.loads(r.stdout)
    records = records["deals"] if isinstance(records, dict) else records
    assert sorted(x["id"] for x in records) == ["alpha", "beta"]
    assert {x["target_price"] for x in records} == {9.0, 6.0}  # from the configured file


def test_a_bad_config_stops_a_command_with_one_line(home: Path) -> None:
    (home / "config.toml").write_text('price_source = "yahoo"\n', encoding="utf-8")
    r = runner.invoke(app, ["report", "--offline"])
    assert r.exit_code == 1
    assert (
        r.stderr.strip()
        == f"error: {home / 'config.toml'}: price_source: 'yahoo' is not a price source; use one of live, offline, file"
    )
