"""CLI conventions: every command's --help (no Python types, whole summaries, an example), --version, completion."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

import arb
import arb.cli as cli
from arb.cli import app

runner = CliRunner()


def _paths(cmd: Any, path: list[str]) -> list[list[str]]:
    found = [path]
    for name in getattr(cmd, "commands", {}):
        found += _paths(cmd.commands[name], [*path, name])
    return found


COMMANDS = _paths(get_command(app), [])
#: Python type spellings typer prints by default, which a user should never see.
PYTHON_TYPES = re.compile(r"<[^>]*>|\{[a-z_]+\}|list\[|\brange\b|\bstr\b|\bint\b")


def _sections(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
            out[current] = []
        elif current:
            out[current].append(line)
    return out


def test_the_walk_found_every_command() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {"", "report", "watch live", "watch alert add", "config show", "store stats", "history"} <= names
    assert len(names) >= 25


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "arb")
def test_help(path: list[str]) -> None:
    res = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    text = res.stdout
    usage = next(line for line in text.splitlines() if line.startswith("Usage:"))
    assert not PYTHON_TYPES.search(usage), usage
    sections = _sections(text)
    for name in ("Arguments", "Options"):
        for line in sections.get(name, []):
            if line.startswith("  ") and not line.startswith("   "):  # a new entry: its name column
                column = re.split(r"\s{2,}", line.strip())[0]
                assert not PYTHON_TYPES.search(column), f"{' '.join(path)}: {line}"
    for line in sections.get("Commands", []):
        assert not line.rstrip().endswith("..."), f"summary cut: {line}"
    assert re.search(r"Example: (\S+=\S+ )?arb ", text), f"{' '.join(path) or 'arb'} --help has no example"


def test_command_summaries_are_whole_at_80_columns() -> None:
    res = runner.invoke(app, ["--help"], env={"COLUMNS": "80"})
    text = " ".join(res.stdout.split())
    assert "implied probability, flags." in text  # the end of report's summary, cut at 45 characters before
    assert "..." not in " ".join(_sections(res.stdout)["Commands"])


def test_version() -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.stdout.strip() == f"arb {arb.__version__}"
    from importlib.metadata import version

    assert arb.__version__ == version("arb")
    assert "__version__" in arb.__all__ and arb.__all__ == sorted(arb.__all__)


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _arb_completion arb"),
        ("zsh", "#compdef arb"),
        ("fish", "complete --command arb"),
    ],
)
def test_show_completion_prints_the_script(shell: str, marker: str) -> None:
    res = runner.invoke(app, ["--show-completion", shell])
    assert res.exit_code == 0, res.output
    assert marker in res.stdout and "_ARB_COMPLETE" in res.stdout


def test_show_completion_refuses_an_unknown_shell() -> None:
    res = runner.invoke(app, ["--show-completion", "tcsh"])
    assert res.exit_code == 2 and "not a shell arb completes" in res.output


def test_install_completion_writes_the_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    res = runner.invoke(app, ["--install-completion", "bash"])
    assert res.exit_code == 0, res.output
    script = tmp_path / ".bash_completions" / "arb.sh"
    assert "_arb_completion" in script.read_text(encoding="utf-8")
    assert str(script) in (tmp_path / ".bashrc").read_text(encoding="utf-8")


def test_bare_completion_option_gets_the_detected_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_detected_shell", lambda: "zsh")
    assert cli._argv(["--show-completion"]) == ["--show-completion", "zsh"]
    assert cli._argv(["--show-completion", "fish"]) == ["--show-completion", "fish"]
    assert cli._argv(["--install-completion", "--help"]) == ["--install-completion", "zsh", "--help"]
    monkeypatch.setattr(cli, "_detected_shell", lambda: None)
    assert cli._argv(["--show-completion"]) == ["--show-completion"]  # click then says it needs a value


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "arb", *args], capture_output=True, text=True, env=full, timeout=60)


@pytest.mark.parametrize("request_", ["bash_source", "source_bash"])
def test_the_shell_asks_for_the_script_in_either_spelling(request_: str) -> None:
    res = _run({"_ARB_COMPLETE": request_})
    assert res.returncode == 0, res.stderr
    assert "_arb_completion" in res.stdout and "not supported" not in res.stderr


def test_completion_answers_the_shell() -> None:
    res = _run({"_ARB_COMPLETE": "complete_bash", "COMP_WORDS": "arb watch al", "COMP_CWORD": "2"})
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["alert"]
