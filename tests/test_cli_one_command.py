"""arb.cli._app_for: a run that names a command builds only that command (typer builds every
command's options before running one); everything else, and every output, is as with the whole app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from arb.cli import _app_for, app


def _names(typer_app: typer.Typer) -> list[str]:
    group = typer.main.get_command(typer_app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_a_command_gets_the_root_with_that_command_alone() -> None:
    assert _names(_app_for(["report", "--offline"])) == ["report"]
    assert _names(_app_for(["watch", "add", "x.toml"])) == ["watch"]
    assert _names(_app_for(["store"])) == ["store"]
    assert len(_names(app)) > 10  # the whole app is left as it was
    assert _app_for(["report"]).registered_callback is app.registered_callback  # ARB_HOME's check, --version


@pytest.mark.parametrize("args", [[], ["--help"], ["-h"], ["--version"], ["reprot"], ["--show-completion", "bash"]])
def test_anything_but_a_command_name_first_gets_the_whole_app(args: list[str]) -> None:
    assert _app_for(args) is app


def test_shell_completion_gets_the_whole_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_ARB_COMPLETE", "complete_bash")
    assert _app_for(["report"]) is app


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--help"],
        ["report", "--offline"],
        ["report", "--offline", "--json"],
        ["report", "--bogus"],
        ["report", "--sort", "nope", "--offline"],
        ["show"],
        ["show", "enn-energy", "--offline"],
        ["validate", "/nonexistent/deals"],
        ["watch"],
        ["watch", "nope"],
        ["watch", "alert", "--help"],
        ["store", "--help"],
        ["config", "show"],
    ],
)
def test_the_output_is_the_whole_apps(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ARB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "100")
    runner = CliRunner()
    whole = runner.invoke(app, args, prog_name="arb")
    one = runner.invoke(_app_for(args), args, prog_name="arb")
    assert (one.exit_code, one.output) == (whole.exit_code, whole.output)
    assert not isinstance(one.exception, Exception) or isinstance(one.exception, SystemExit)


def test_the_console_script_runs_a_command_and_names_a_wrong_one(tmp_path: Path) -> None:
    env = {"ARB_HOME": str(tmp_path / "home"), "ARB_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    code = "import sys, arb.cli; sys.argv = ['arb', *sys.argv[1:]]; arb.cli.run()"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        import os

        return subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, env=dict(os.environ, **env), timeout=60
        )

    shown = run("report", "--offline", "--json")
    assert shown.returncode == 0, shown.stderr
    assert '"enn-energy"' in shown.stdout
    typo = run("reprot")
    assert typo.returncode == 2
    assert "No such command 'reprot'" in typo.stderr
