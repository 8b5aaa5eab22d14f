"""Alert delivery beyond the terminal: webhooks and desktop notifications, off the refresh's thread.

A target is a webhook URL (``https://...``: a JSON POST ``{"text": "..."}``, the shape Slack's
incoming webhooks, Teams' workflows and ntfy accept) or ``"desktop"`` (``notify-send``, where it
is on PATH; elsewhere skipped with a debug log line). :class:`Notifier` sends from one daemon
thread, each webhook with a timeout and a bounded number of retries, so a slow or dead endpoint
never holds up a refresh. Nothing here imports rich or typer.
"""

from __future__ import annotations

import http.client
import json
import logging
import queue
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from arb.text import safe

__all__ = ["DESKTOP", "Delivery", "Notifier", "check_target", "post_webhook"]

log = logging.getLogger(__name__)

DESKTOP = "desktop"
#: Seconds one webhook POST may take, tries per alert, and the first pause between tries (doubled each time).
TIMEOUT = 5.0
RETRIES = 3
BACKOFF = 1.0
#: HTTP statuses worth another try: the receiver is busy or briefly broken, not refusing the message.
_RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def check_target(text: str) -> str:
    """``text`` as a delivery target (``"desktop"`` or an http(s) URL); ValueError with the fix otherwise."""
    t = text.strip()
    if t.lower() == DESKTOP:
        return DESKTOP
    if t.lower().startswith(("https://", "http://")) and len(t) > len("https://") and not any(c.isspace() for c in t):
        return t
    raise ValueError(f'{text!r} is not a target; write a webhook URL ("https://...") or "desktop"')


@dataclass
class Delivery:
    """What happened to one message for one target: ``ok``, the tries made, and the last problem."""

    target: str
    text: str
    ok: bool
    tries: int
    problem: str | None = None


def post_webhook(
    url: str,
    text: str,
    *,
    timeout: float = TIMEOUT,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """POST ``{"text": text}`` as JSON to ``url``; retry timeouts, connection errors and 408/429/5xx.

    At most ``retries`` tries, ``backoff`` seconds before the second, doubling after (a
    ``Retry-After`` header in seconds is honoured, capped at 60). Never raises: the result says
    how it went.
    """
    body = json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")
    problem = None
    pause = backoff
    for attempt in range(1, max(1, retries) + 1):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "arb"}
        )
        retry_after: float | None = None
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read(1024)
            return Delivery(url, text, True, attempt)
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
            if exc.code not in _RETRY_STATUSES:
                return Delivery(url, text, False, attempt, problem)
            header = exc.headers.get("Retry-After") if exc.headers else None
            if header and header.strip().isdigit():
                retry_after = min(60.0, float(header.strip()))
        except TimeoutError:
            problem = f"timed out after {timeout:g} s"
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            timed_out = isinstance(reason, TimeoutError)
            problem = f"timed out after {timeout:g} s" if timed_out else f"cannot reach it ({reason})"
        if attempt < retries:
            sleep(retry_after if retry_after is not None else pause)
            pause *= 2
    return Delivery(url, text, False, max(1, retries), problem)


def notify_desktop(title: str, text: str, *, which: Callable[[str], str | None] = shutil.which) -> Delivery:
    """A desktop notification through ``notify-send``; skipped (ok, 0 tries) where it is not on PATH."""
    exe = which("notify-send")
    if exe is None:
        log.debug("notify-send is not on PATH: desktop notification skipped")
        return Delivery(DESKTOP, text, True, 0, "notify-send is not on PATH")
    try:
        subprocess.run([exe, "--app-name=arb", title, text], check=True, timeout=10, capture_output=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return Delivery(DESKTOP, text, False, 1, f"notify-send failed ({exc})")
    return Delivery(DESKTOP, text, True, 1)


@dataclass
class Notifier:
    """Sends alert messages to targets from one background thread; ``send`` never blocks.

    ``deliveries`` records each outcome (for a status line and for tests); ``close(wait)`` lets the
    queue drain for at most ``wait`` seconds. Failures are logged as warnings, never raised.
    """

    targets: Sequence[str]
    timeout: float = TIMEOUT
    retries: int = RETRIES
    backoff: float = BACKOFF
    sleep: Callable[[float], None] = time.sleep
    which: Callable[[str], str | None] = shutil.which
    deliveries: list[Delivery] = field(default_factory=list)
    _queue: queue.Queue[tuple[str, str] | None] = field(default_factory=queue.Queue, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def send(self, messages: Iterable[str]) -> int:
        """Queue each message for every target; returns how many deliveries were queued."""
        n = 0
        for message in messages:
            text = safe(message)
            for target in self.targets:
                self._queue.put((target, text))
                n += 1
        if n and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="arb-notify", daemon=True)
            self._thread.start()
        return n

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                target, text = job
                if target == DESKTOP:
                    result = notify_desktop("arb alert", text, which=self.which)
                else:
                    result = post_webhook(
                        target, text, timeout=self.timeout, retries=self.retries, backoff=self.backoff, sleep=self.sleep
                    )
                self.deliveries.append(result)
                if not result.ok:
                    log.warning("alert not delivered to %s after %d tries: %s", target, result.tries, result.problem)
            except Exception as exc:  # pragma: no cover - a bug here must not kill the thread silently
                log.warning("alert delivery to %s failed: %s", job[0] if job else "?", exc)
            finally:
                self._queue.task_done()

    def close(self, wait: float = 10.0) -> bool:
        """Stop after the queued messages, waiting at most ``wait`` seconds; True when all were tried."""
        if self._thread is None:
            return True
        self._queue.put(None)
        self._thread.join(wait)
        done = not self._thread.is_alive()
        self._thread = None
        return done

    def summary(self) -> dict[str, Any]:
        """Deliveries so far: how many were sent, failed and skipped."""
        sent = sum(1 for d in self.deliveries if d.ok and d.tries)
        failed = [d for d in self.deliveries if not d.ok]
        skipped = sum(1 for d in self.deliveries if d.ok and not d.tries)
        return {"sent": sent, "failed": len(failed), "skipped": skipped}
