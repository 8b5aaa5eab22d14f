"""Alert delivery (webhook against a local server, desktop, never blocking) and editing alerts from the CLI."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arb.cli import app
from arb.notify import DESKTOP, Notifier, check_target, notify_desktop, post_webhook
from arb.watchlist import WatchlistError, add_rule, load_watchlist, remove_rules, rule_kind

runner = CliRunner()


class _Hook(BaseHTTPRequestHandler):
    """Answers each POST with the next status in ``server.statuses`` (200 when they run out)."""

    def do_POST(self) -> None:
        server = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        server.bodies.append((self.headers.get("Content-Type"), body))  # type: ignore[attr-defined]
        status = server.statuses.pop(0) if server.statuses else 200  # type: ignore[attr-defined]
        if server.delay:  # type: ignore[attr-defined]
            time.sleep(server.delay)  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:  # keep pytest's output clean
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (the timeout test) leaves a broken pipe: expected


@pytest.fixture
def hook() -> Iterator[ThreadingHTTPServer]:
    server = _Server(("127.0.0.1", 0), _Hook)
    server.bodies = []  # type: ignore[attr-defined]
    server.statuses = []  # type: ignore[attr-defined]
    server.delay = 0.0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/hook"


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_webhook_posts_json_text_and_retries_a_503(hook: ThreadingHTTPServer) -> None:
    hook.statuses[:] = [503, 429]  # type: ignore[attr-defined]
    pauses: list[float] = []
    d = post_webhook(_url(hook), "enn-energy: spread % 4.9% is below 5.0%", backoff=0.5, sleep=pauses.append)
    assert d.ok and d.tries == 3
    assert pauses == [0.5, 1.0]  # doubling between tries
    assert len(hook.bodies) == 3  # type: ignore[attr-defined]
    ctype, body = hook.bodies[-1]  # type: ignore[attr-defined]
    assert ctype == "application/json"
    assert json.loads(body) == {"text": "enn-energy: spread % 4.9% is below 5.0%"}


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_webhook_gives_up_after_bounded_retries_and_not_on_a_404(hook: ThreadingHTTPServer) -> None:
    hook.statuses[:] = [500] * 10  # type: ignore[attr-defined]
    d = post_webhook(_url(hook), "x", retries=3, sleep=lambda s: None)
    assert not d.ok and d.tries == 3 and d.problem == "HTTP 500"
    assert len(hook.bodies) == 3  # type: ignore[attr-defined]
    hook.statuses[:] = [404]  # type: ignore[attr-defined]
    d = post_webhook(_url(hook), "x", retries=3, sleep=lambda s: None)
    assert not d.ok and d.tries == 1 and d.problem == "HTTP 404"


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_notifier_never_blocks_the_caller(hook: ThreadingHTTPServer) -> None:
    hook.delay = 0.5  # type: ignore[attr-defined]
    notifier = Notifier([_url(hook)], timeout=5.0)
    started = time.monotonic()
    assert notifier.send(["one \x1b[2J", "two"]) == 2
    assert time.monotonic() - started < 0.2  # the POSTs (0.5 s each) run on the background thread
    assert notifier.close(wait=10)
    texts = [json.loads(b)["text"] for _, b in hook.bodies]  # type: ignore[attr-defined]
    assert texts == ["one \\x1b[2J", "two"]  # escaped through arb.text.safe
    assert notifier.summary() == {"sent": 2, "failed": 0, "skipped": 0}


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_webhook_timeout_and_unreachable_are_failures_not_exceptions(hook: ThreadingHTTPServer) -> None:
    hook.delay = 1.0  # type: ignore[attr-defined]
    started = time.monotonic()
    d = post_webhook(_url(hook), "x", retries=2, sleep=lambda s: None, timeout=0.2)
    assert not d.ok and d.tries == 2 and "timed out" in (d.problem or "")
    assert time.monotonic() - started < 1.5  # two tries of 0.2 s, not two of the server's 1 s
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    d = post_webhook(f"http://127.0.0.1:{port}/", "x", retries=2, sleep=lambda s: None, timeout=0.5)
    assert not d.ok and d.tries == 2 and "cannot reach" in (d.problem or "")


def test_desktop_without_notify_send_is_skipped_quietly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="arb.notify")
    d = notify_desktop("arb alert", "text", which=lambda name: None)
    assert d.ok and d.tries == 0
    assert "notify-send is not on PATH" in caplog.text


def test_desktop_with_notify_send_runs_it(tmp_path: Path) -> None:
    log = tmp_path / "args"
    exe = tmp_path / "notify-send"
    exe.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\n', encoding="utf-8")
    exe.chmod(0o755)
    d = notify_desktop("arb alert", "enn-energy fired", which=lambda name: str(exe))
    assert d.ok and d.tries == 1
    assert log.read_text(encoding="utf-8").splitlines() == ["--app-name=arb", "arb alert", "enn-energy fired"]


@pytest.mark.parametrize(
    ("text", "ok"),
    [("https://ntfy.sh/x", True), ("http://127.0.0.1:8/h", True), ("Desktop", True), ("ftp://x", False), ("", False)],
)
def test_check_target(text: str, ok: bool) -> None:
    if ok:
        assert check_target(text) in (text, DESKTOP)
    else:
        with pytest.raises(ValueError, match="not a target"):
            check_target(text)


def test_watchlist_notify_targets(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    path.write_text('[notify]\ntargets = ["https://example.org/h", "desktop"]\n', encoding="utf-8")
    assert load_watchlist(path).targets == ["https://example.org/h", "desktop"]
    r = runner.invoke(app, ["watch", "list", "--watchlist", str(path)])
    assert "Alerts are also sent to: https://example.org/h, desktop" in r.stdout
    path.write_text('[notify]\ntargets = ["mailto:me"]\n', encoding="utf-8")
    with pytest.raises(WatchlistError, match=r"notify.targets #1: 'mailto:me' is not a target"):
        load_watchlist(path)


# -- editing alerts ------------------------------------------------------------------------------


def test_rule_names_in_both_spellings(tmp_path: Path) -> None:
    assert rule_kind("annualised_above") == rule_kind("Annualized_Above") == "annualized_above"
    assert rule_kind("annualised") is None
    path = tmp_path / "w.toml"
    path.write_text('[alerts.alpha]\nannualised_above = "30%"\n', encoding="utf-8")
    [rule] = load_watchlist(path).rules
    assert (rule.kind, rule.level) == ("annualized_above", 0.3)
    path.write_text('[alerts.alpha]\nannualised_above = "30%"\nannualized_above = "20%"\n', encoding="utf-8")
    with pytest.raises(WatchlistError, match="same rule as 'annualised_above'"):
        load_watchlist(path)


def test_add_and_remove_rules_keep_comments(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text("# mine\n[alerts.alpha]  # the big one\nspread_pct_above = 0.3  # doubt\n", encoding="utf-8")
    add_rule(path, "alpha", "spread_pct_below", "5")
    add_rule(path, "alpha", "annualised_above", "40%")
    add_rule(path, "*", "spread_pct_widens_by", "2")
    add_rule(path, "beta", "spread_widens_by", "1.5")
    rules = {(r.deal, r.kind): r.level for r in load_watchlist(path).rules}
    assert rules == {
        ("alpha", "spread_pct_above"): 0.3,
        ("alpha", "spread_pct_below"): 0.05,
        ("alpha", "annualized_above"): 0.4,
        ("*", "spread_pct_widens_by"): 0.02,
        ("beta", "spread_widens_by"): 1.5,
    }
    add_rule(path, "alpha", "spread_pct_below", "6")  # replaces, never duplicates
    assert [r.level for r in load_watchlist(path).rules if r.kind == "spread_pct_below"] == [0.06]
    text = path.read_text(encoding="utf-8")
    assert "# mine" in text and "# the big one" in text and "# doubt" in text
    gone = remove_rules(path, "alpha", "annualized_above")
    assert [r.kind for r in gone] == ["annualized_above"]
    remove_rules(path, "beta")
    remove_rules(path, "*")
    left = {(r.deal, r.kind) for r in load_watchlist(path).rules}
    assert left == {("alpha", "spread_pct_above"), ("alpha", "spread_pct_below")}
    assert "[alerts.beta]" not in path.read_text(encoding="utf-8")
    with pytest.raises(WatchlistError, match="no alert rule 'beta'"):
        remove_rules(path, "beta")


def test_cli_alert_add_list_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARB_HOME", str(tmp_path))
    r = runner.invoke(app, ["watch", "alert", "add", "enn-energy", "spread_pct_below", "5"])
    assert r.exit_code == 0, r.output
    assert "spread_pct_below = 5%" in r.stderr
    r = runner.invoke(app, ["watch", "alert", "add", "enn-energy", "annualised_above", "40"])
    assert r.exit_code == 0
    r = runner.invoke(app, ["watch", "alert", "list", "--json"])
    data = json.loads(r.stdout)
    assert [(x["rule"], x["level"]) for x in data["rules"]] == [("spread_pct_below", 0.05), ("annualized_above", 0.4)]
    r = runner.invoke(app, ["watch", "alert", "add", "enn-energy", "spread_pct_belo", "5"])
    assert r.exit_code == 1 and "did you mean 'spread_pct_below'" in r.stderr and r.stderr.count("\n") == 1
    r = runner.invoke(app, ["watch", "alert", "add", "enn-energy", "spread_pct_below", "five"])
    assert r.exit_code == 1 and "'five' is not a level" in r.stderr
    r = runner.invoke(app, ["watch", "alert", "remove", "enn-energy", "spread_pct_below"])
    assert r.exit_code == 0
    r = runner.invoke(app, ["watch", "alert", "list"])
    assert "annualized_above" in r.stdout and "spread_pct_below" not in r.stdout
    # the file was written whole through the watchlist writer: no temporary file left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["watchlist.toml"]


def test_add_rule_writes_a_level_in_the_rule_s_own_unit(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    add_rule(path, "alpha", "spread_pct_widens_by", "2")
    add_rule(path, "alpha", "spread_widens_by", "1.5")
    text = path.read_text(encoding="utf-8")
    assert 'spread_pct_widens_by = "2pp"' in text and "spread_widens_by = 1.5\n" in text
    if rule_kind("event_within_days"):  # a rule in days: a bare number stays a number, not "14%"
        add_rule(path, "alpha", "event_within_days", "14")
        assert "event_within_days = 14\n" in path.read_text(encoding="utf-8")


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_arb_refresh_sends_fired_alerts_to_the_watchlist_targets(
    hook: ThreadingHTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    deals = Path(__file__).parent / "data" / "refresh" / "deals"
    wl = tmp_path / "watchlist.toml"
    wl.write_text(
        f'[[watch]]\nid = "deals"\npath = "{deals}"\n\n[alerts.alpha]\nspread_pct_above = "1%"\n\n'
        f'[notify]\ntargets = ["{_url(hook)}"]\n',
        encoding="utf-8",
    )
    prices = Path(__file__).parent / "data" / "refresh" / "prices-2025-06-02.csv"
    r = runner.invoke(app, ["refresh", "--watchlist", str(wl), "--prices", str(prices), "--as-of", "2025-06-02"])
    assert r.exit_code == 0, r.output
    [(_, body)] = hook.bodies  # type: ignore[attr-defined]
    text = json.loads(body)["text"]
    assert text.startswith("alpha: spread % 11.1% is above 1.0%") and "[spread_pct_above]" in text
