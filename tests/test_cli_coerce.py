"""arb.cli.coerce: option values converted without pydantic, exactly as typer converts them.

typer 0.29 converts values through pydantic, which costs ``arb history`` about 100 ms of
imports. arb converts the plain cases itself; these tests hold it to typer's answers (the same
value, or the same error from typer itself), check that a fresh ``arb history`` never imports
pydantic, and that arb still works when the typer internals it relies on are not there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import probe
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from arb.cli import app, coerce

#: The comparisons with typer's own conversion need the typer internals the door relies on.
door = pytest.mark.skipif(not coerce.AVAILABLE, reason="this typer's internals differ: typer converts")

REFRESH = Path(__file__).parent / "data" / "refresh"


def _walk(cmd: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    ctx = typer._click.Context(cmd, info_name=path or "arb")
    for param in [*cmd.params, cmd.get_help_option(ctx)]:
        if param is not None:
            yield f"{path} {param.name}".strip(), param, ctx
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _walk(sub, f"{path} {name}".strip())


PARAMS = list(_walk(typer.main.get_command(app))) if coerce.AVAILABLE else []


def _both(param: Any, ctx: Any, value: Any) -> tuple[tuple[str, Any], tuple[str, Any]]:
    """What arb's converter and typer's own make of ``value``: ("ok", value) or ("error", message)."""
    from typer._click.exceptions import BadParameter
    from typer._coercion import build_runtime_param

    answers = []
    for runtime in (coerce.runtime_param(param), build_runtime_param(param.type_descriptor)):
        assert runtime is not None
        try:
            answers.append(("ok", runtime.coerce(value, param=param, ctx=ctx)))
        except BadParameter as exc:
            answers.append(("error", exc.format_message()))
    return answers[0], answers[1]


@door
def test_every_option_of_arb_converts_without_pydantic() -> None:
    # A new option of a type this door does not know would bring pydantic back to its command.
    served = {name for name, param, _ in PARAMS if coerce.runtime_param(param) is not None}
    missing = sorted({name for name, _, _ in PARAMS} - served)
    assert not missing, f"typer converts these through pydantic (see arb/cli/coerce.py): {missing}"
    assert {"history rows", "report timeout", "report paths", "history help"} <= served


SAMPLES: dict[type, list[Any]] = {
    int: ["0", "30", "-1", "+5", "007", " 5", "1_0", "1.5", "5.0", "abc", "", "0x10", "٣", "9" * 40, 3, None],
    float: ["20", "0.1", "0.05", "-1", "1e3", ".5", "1.", "1e400", "nan", "inf", "1_0", "abc", "", " 2", 20.0, 2, None],
    str: ["", "alpha", " x ", "ü", "--rows", None],
    bool: [True, False, None],
}


@door
@pytest.mark.parametrize(("name", "param", "ctx"), PARAMS, ids=[name for name, _, _ in PARAMS])
def test_same_value_or_same_error_as_typer(name: str, param: Any, ctx: Any, tmp_path: Path) -> None:
    annotation = param.type_descriptor.annotation
    leaf = typer._typing.get_args(annotation)[0] if typer._typing.get_origin(annotation) is list else annotation
    if leaf is Path:
        (tmp_path / "file.toml").write_text("")
        samples: list[Any] = [str(tmp_path / "file.toml"), str(tmp_path), str(tmp_path / "missing"), "", "-", "a\0b"]
        samples += [tmp_path]
    else:
        samples = SAMPLES[leaf]
    for value in samples:
        if typer._typing.get_origin(annotation) is list and value is not None:
            value = (value,) if not isinstance(value, Path) else (value, value)
        try:
            ours, typers = _both(param, ctx, value)
        except ValueError:  # typer's own path gives way on this value too ("a\0b" for os.stat)
            continue
        assert ours == typers, f"{name}: {value!r}"
        if ours[0] == "ok" and ours[1] is not None:
            assert type(ours[1]) is type(typers[1])


@door
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789+-.eE_ x", max_size=12))
def test_numbers_as_typer_reads_them(text: str) -> None:
    params = {name: (param, ctx) for name, param, ctx in PARAMS}
    for name in ("history rows", "report timeout", "watch live cycles"):
        param, ctx = params[name]
        ours, typers = _both(param, ctx, text)
        assert ours == typers, f"{name}: {text!r}"


@door
def test_bad_values_are_typers_usage_errors() -> None:
    runner = CliRunner()
    for args, words in [
        (["history", "x", "--rows", "abc"], "Invalid value for '--rows': Input should be a valid integer"),
        (["history", "x", "--rows", "-1"], "Invalid value for '--rows': Input should be greater than or equal to 0"),
        (["report", "--timeout", "0", "--offline"], "Invalid value for '--timeout'"),
        (["calendar", "--days", "1.5"], "Invalid value for '--days'"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output
        assert "Traceback" not in result.output and not isinstance(result.exception, (TypeError, ValueError))


@door
def test_without_typers_internals_typer_converts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(coerce, "AVAILABLE", False)
    monkeypatch.setenv("ARB_HOME", str(tmp_path))
    assert all(coerce.runtime_param(param) is None for _, param, _ in PARAMS)
    runner = CliRunner()
    result = runner.invoke(app, ["history", "x", "--rows", "abc"])
    assert result.exit_code == 2 and "Invalid value for '--rows'" in result.output
    result = runner.invoke(app, ["history", "x", "--rows", "5"])
    assert "no history yet" in result.output  # the value was taken; the empty store is the complaint


def _probe(args: list[str], home: Path) -> tuple[Any, list[str], str]:
    return probe(args, ARB_HOME=str(home), ARB_OFFLINE="1", NO_COLOR="1", COLUMNS="100")


def test_arb_history_does_not_import_pydantic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ARB_HOME", str(home))
    monkeypatch.setenv("ARB_OFFLINE", "1")
    deal = tmp_path / "alpha.toml"
    deal.write_text((REFRESH / "deals" / "alpha.toml").read_text())
    watchlist = tmp_path / "wl.toml"
    watchlist.write_text(f'[[watch]]\nid = "alpha"\npath = "{deal}"\n')
    for day in ("prices-2025-06-02.csv", "prices-2025-06-03.csv"):
        result = CliRunner().invoke(app, ["refresh", "--watchlist", str(watchlist), "--prices", str(REFRESH / day)])
        assert result.exit_code == 0, result.output
    code, loaded, stdout = _probe(["history", "alpha", "--rows", "5", "--since", "2025-01-01"], home)
    assert code == 0 and "alpha" in stdout and "2025-06-03" in stdout
    assert loaded == []
    # the probe sees pydantic where a command does load it: a deal file with a problem is checked by it
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "bad"\nname = "Bad"\n[target]\nticker = "BAD"\nratio = 1\n', encoding="utf-8")
    code, loaded, stdout = _probe(["validate", str(bad)], home)
    assert code == 1 and "pydantic" in loaded
