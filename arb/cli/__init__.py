"""The ``arb`` command line: a thin layer over the library.

Library errors become one line on stderr and an exit status: 0 when every deal was valued,
1 when a deal could not be valued or an input was bad, 2 for usage errors.
"""

from __future__ import annotations

import gc
import inspect
import os
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from arb.cli import calendar as _calendar
from arb.cli import config as _config
from arb.cli import extract as _extract
from arb.cli import history as _history
from arb.cli import new as _new
from arb.cli import refresh as _refresh
from arb.cli import report as _report
from arb.cli import store as _store
from arb.cli import watch as _watch
from arb.cli.coerce import runtime_param
from arb.text import safe_lines

#: The example shown under each command's help, where its own module gives none.
EXAMPLES = {
    "report": "arb report my-deals/ --offline",
    "show": "arb show enn-energy",
    "validate": "arb validate my-deals/",
    "extract": "arb extract article.txt -o drafts/ --prices-out drafts/prices.csv",
    "refresh": "arb refresh --fail-on-alert",
    "history": "arb history enn-energy --since 2026-01-01   (or `arb history` for every watched deal)",
    "calendar": "arb calendar --days 60 --ics ~/deals.ics   (subscribe to the file in a calendar app)",
    "watch": "arb watch add my-deals/enn-energy.toml",
    "watch add": "arb watch add my-deals/enn-energy.toml",
    "watch list": "arb watch list",
    "watch remove": "arb watch remove enn-energy",
    "watch alert": "arb watch alert add enn-energy spread_pct_below 5",
    "store": "arb store stats",
    "store check": "arb store check --json",
    "store stats": "arb store stats",
    "store vacuum": "arb store vacuum",
    "config": "arb config show",
    "new": "arb new acme-widgets --template cash-stock",
}

#: Words for value types in help (typer's labels are Python types: ``<int range>``, ``<list[Path]>``).
_TYPE_WORDS = {
    "str": "TEXT",
    "int": "INTEGER",
    "float": "NUMBER",
    "path": "PATH",
    "bool": "BOOLEAN",
    "datetime": "DATE",
}


def _word(param: Any, ctx: Any) -> str:
    """The metavar a parameter shows: its own, else an upper-case word for its type."""
    if param.metavar is not None:
        return str(param.metavar)
    label = str(param.display_type(ctx)).strip("<>").replace(" range", "")
    while label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    if "|" in label:  # choices
        return "[" + label + "]"
    return _TYPE_WORDS.get(label.lower(), label.upper())


class _Argument(TyperArgument):
    """An argument shown as click shows it: ``DEAL``, ``[DEAL]``, ``PATH...``; no ``{deal} <str>``."""

    def _name(self) -> str:
        return str(self.metavar) if self.metavar is not None else str(self.name).upper()

    def _rich_display_name(self) -> str:
        name = self._name()
        return name + "..." if self.nargs != 1 and not name.endswith("...") else name

    def _usage_display_name(self) -> str:
        name = self._rich_display_name()
        return name if self.required else f"[{name}]"

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def get_runtime_param(self) -> Any:
        if self._runtime_param is None:  # plain values converted without pydantic
            self._runtime_param = runtime_param(self)
        return super().get_runtime_param()


class _Option(TyperOption):
    """An option whose value shows as ``--since DATE`` or ``--rows INTEGER``, never ``<int range>``.

    Both kinds of parameter convert plain values without pydantic (``arb.cli.coerce``).
    """

    def display_type_rich(self, ctx: Any) -> str | None:
        return _word(self, ctx)

    def get_runtime_param(self) -> Any:
        if self._runtime_param is None:  # plain values converted without pydantic
            self._runtime_param = runtime_param(self)
        return super().get_runtime_param()


def _summary(cmd: Any) -> str:
    """A command's whole first paragraph, never cut with "...": the formatter wraps it."""
    if cmd.short_help:
        return str(cmd.short_help)
    text = inspect.cleandoc(cmd.help or "").split("\n\n")[0]
    return " ".join(text.replace("\b", "").split())


def _help_option(opt: Any) -> Any:
    """typer makes each command's ``--help`` on first use: an arb option too (no pydantic to convert it)."""
    if type(opt) is TyperOption:
        opt.__class__ = _Option
    return opt


class _Command(TyperCommand):
    """A command whose ``--help`` option is one of arb's (see ``_help_option``)."""

    def get_help_option(self, ctx: Any) -> Any:
        return _help_option(super().get_help_option(ctx))


class _Group(TyperGroup):
    """The root group: on building, every command below it gets arb's help conventions."""

    def get_help_option(self, ctx: Any) -> Any:
        return _help_option(super().get_help_option(ctx))

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._conventions(self, "")

    @staticmethod
    def _conventions(cmd: Any, path: str) -> None:
        for param in cmd.params:
            if type(param) is TyperArgument:
                param.__class__ = _Argument
            elif type(param) is TyperOption:
                param.__class__ = _Option
        if path and not cmd.epilog and path in EXAMPLES:
            cmd.epilog = f"Example: {EXAMPLES[path]}"
        for name, sub in getattr(cmd, "commands", {}).items():
            if type(sub) is TyperGroup:
                sub.__class__ = _Group
            elif type(sub) is TyperCommand:
                sub.__class__ = _Command
            _Group._conventions(sub, f"{path} {name}".strip())

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, _summary(cmd)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    name="arb",
    cls=_Group,
    help="Merger arbitrage spreads: deal terms in TOML, prices from a snapshot, a file or Yahoo.",
    epilog="Example: arb report --offline   (the bundled seed deals at the snapshot's prices)",
    no_args_is_help=True,
    # Completion options are arb's own (below): typer's take no shell name when it can detect one,
    # so `--show-completion zsh` printed the script of the shell it ran in.
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich-formatted help costs ~60 ms of imports on every `arb --help`.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def _shell(value: str) -> str:
    shell = value.strip().lower()
    if shell not in SHELLS:
        raise typer.BadParameter(f"{value!r} is not a shell arb completes; use one of {', '.join(SHELLS)}")
    return shell


def _show_completion(ctx: typer.Context, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from typer._completion_shared import get_completion_script

    script = get_completion_script(prog_name="arb", complete_var="_ARB_COMPLETE", shell=_shell(value))
    sys.stdout.write(safe_lines(script) + "\n")  # the scripts hold no control character: unchanged
    raise typer.Exit()


def _install_completion(ctx: typer.Context, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from typer._completion_shared import install

    from arb.cli.common import note

    shell, path = install(shell=_shell(value), prog_name="arb", complete_var="_ARB_COMPLETE")
    note(f"{shell} completion installed in {path}; it takes effect in a new shell")
    raise typer.Exit()


def _version(value: bool) -> None:
    if value:
        from arb import __version__

        sys.stdout.write(safe_lines(f"arb {__version__}") + "\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, callback=_version, help="Print arb's version and exit.")
    ] = False,
    install_completion: Annotated[
        str | None,
        typer.Option(
            "--install-completion",
            metavar="SHELL",
            is_eager=True,
            expose_value=False,
            callback=_install_completion,
            help="Install tab completion for SHELL: bash, zsh, fish (bare: the shell you are in).",
        ),
    ] = None,
    show_completion: Annotated[
        str | None,
        typer.Option(
            "--show-completion",
            metavar="SHELL",
            is_eager=True,
            expose_value=False,
            callback=_show_completion,
            help="Print the completion script for SHELL, to install it by hand.",
        ),
    ] = None,
) -> None:
    """Merger arbitrage spreads: deal terms in TOML, prices from a snapshot, a file or Yahoo."""

    if os.environ.get("ARB_HOME", "").strip():
        # Each command would fail its own way ('history.sqlite3: File exists', or a traceback
        # for a name too long); say it once.
        from arb.paths import data_dir

        home = data_dir()
        try:
            problem = "is a file, not a folder" if home.exists() and not home.is_dir() else None
        except OSError as exc:
            problem = f"cannot be looked up ({exc.strerror or exc})"
        if problem:
            from arb.cli.common import error

            error(f"ARB_HOME={home}: {problem}; point ARB_HOME at the folder for the store and watchlist")
            raise typer.Exit(2)


app.command("report")(_report.report)
app.command("show")(_report.show)
app.command("validate")(_report.validate)
app.command("extract")(_extract.extract)
app.command("refresh")(_refresh.refresh)
app.command("history")(_history.history)
app.command("calendar")(_calendar.calendar)
app.command("new")(_new.new)
app.add_typer(_watch.app, name="watch")
app.add_typer(_store.app, name="store")
app.add_typer(_config.app, name="config")


def _detected_shell() -> str | None:
    """The shell arb was started from (shellingham), else ``$SHELL``'s name; None when unknown."""
    try:
        import shellingham

        name = str(shellingham.detect_shell()[0])
    except Exception:  # shellingham missing, or no shell to be found (cron, a container)
        name = os.path.basename(os.environ.get("SHELL", ""))
    return name.lower() if name.lower() in SHELLS else None


def _argv(args: list[str]) -> list[str]:
    """A bare ``--show-completion``/``--install-completion`` gets the detected shell as its value."""
    out = list(args)
    for i, arg in enumerate(out):
        if arg in ("--show-completion", "--install-completion"):
            nxt = out[i + 1] if i + 1 < len(out) else None
            if nxt is None or nxt.startswith("-"):
                shell = _detected_shell()
                if shell is not None:
                    out.insert(i + 1, shell)
            break
    return out


#: Set by :func:`main`: this process runs one command of the console script, so it may fork
#: helpers (arb.helperload); a command invoked in process (tests, an embedding program) never does.
ONE_SHOT = False


def main() -> None:
    """Console-script entry point."""
    global ONE_SHOT
    ONE_SHOT = True
    # A command is one short process, and reference counting frees what it makes: the cyclic
    # collector only costs time here (30-50 ms of a report over 1,000 deals, scanning the deals
    # again as the run goes on). The long-running loop (`watch live`, `refresh --every`) turns it
    # back on (arb.cli.live.run_live); the Python API never has it turned off.
    gc.disable()
    # arb does no linear algebra: numpy's OpenBLAS need not start a thread pool on import (about
    # 10 ms of every command that values deals). A value the user set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from typer.completion import completion_init

    completion_init()  # typer's completion classes, which answer the shell's _ARB_COMPLETE requests
    # Click 8 spells the request "bash_source" (its docs, and many guides); typer reads
    # "source_bash" and answered the first with "Shell source not supported".
    request = os.environ.get("_ARB_COMPLETE", "")
    head, _, tail = request.partition("_")
    if head in SHELLS and tail in ("source", "complete"):
        os.environ["_ARB_COMPLETE"] = f"{tail}_{head}"
    args = _argv(sys.argv[1:])
    _app_for(args)(args=args, prog_name="arb")


def _app_for(args: list[str]) -> typer.Typer:
    """The app that runs ``args``: for ``arb COMMAND ...``, the root with only that command.

    typer builds every command's options from its signature before running one (about 25 ms of
    every run for arb's 21 commands); a run names one command, and needs only that one built.
    The root's options, its own help, a name that is no command and shell completion get the
    whole app.
    """
    if not args or os.environ.get("_ARB_COMPLETE"):
        return app
    commands = [c for c in app.registered_commands if c.name == args[0]]
    groups = [g for g in app.registered_groups if g.name == args[0]]
    if not commands and not groups:
        return app
    import copy

    one = copy.copy(app)  # the same settings and root callback (ARB_HOME's check, --version)
    one.registered_commands = commands
    one.registered_groups = groups
    return one


def run() -> NoReturn:
    """The ``arb`` console script (and ``python -m arb``): :func:`main`, then a quick exit.

    Once a command has finished and its output is flushed, the process ends without freeing its
    objects one by one, which after a report over 1,000 deals is 10-20 ms of a fresh process. The
    exit handlers still run (``atexit``). While another thread is still running, or when the
    command ends with any exception other than its exit, the process ends the usual way.

    What the command still holds is never finalized (no ``__del__`` runs): what must be closed
    is closed by an exit handler, as the history store's connections are (arb.store.db).
    """
    try:
        main()
    except SystemExit as exc:
        # Ended inside the handler: leaving it drops the exception, and with its traceback the
        # command's frames and all they hold (after a report over 1,000 deals, 8-11 ms of freeing).
        try:
            _quick_exit(exc.code)
        except BaseException as late:  # an interrupt while flushing: shown alone, not as during the exit
            late.__suppress_context__ = True
            raise
    _quick_exit(0)


def _quick_exit(code: object) -> NoReturn:
    """End the process with ``code`` as ``sys.exit`` would (see :func:`run`), skipping the teardown."""
    import atexit
    import contextlib
    import threading

    if threading.active_count() > 1 or not (code is None or isinstance(code, int)):
        # a thread still at work (Python waits for it), or an exit with a message (Python prints
        # it): the usual exit
        sys.exit(code)  # type: ignore[arg-type]
    status = code or 0
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that went away (arb report | head)
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(status)
