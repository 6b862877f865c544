"""`cronbeat run`: wrap a job, pass its input and output through untouched, and report its
start, exit code and output tail to its heartbeat (the server pairs start and end by `rid`
to get the run time).

Reporting must never fail or change the job: each ping runs in its own thread with a bounded
time, and a failure is one line on stderr. The job waits for the first try of /start (so
that the run time the server measures is not short by a round trip), but at most
START_GRACE: a slow or unreachable server delays it by no more than that.

Only the standard library is used, and the HTTP modules are imported in the ping thread:
this runs on every cron job, and should start fast."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import IO, BinaryIO

DEFAULT_SERVER = "http://127.0.0.1:8000"
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PAUSES = (0.2, 0.5)
# After the job exits, a process it left in the background may still hold its output pipes
# open; read what is already there, but do not wait for that process.
DRAIN_AFTER_EXIT = 0.5
NOT_FOUND, NOT_EXECUTABLE = 127, 126
START_GRACE = 1.0


def ping_url(url: str | None, token: str | None, environ: Mapping[str, str]) -> str:
    """The heartbeat's ping URL: `url` itself, or `token` on the server in CRONBEAT_URL."""
    if not url:
        server = environ.get("CRONBEAT_URL") or DEFAULT_SERVER
        url = f"{server.rstrip('/')}/api/v1/heartbeat/{token}"
    if not url.startswith(("http://", "https://")) or "?" in url or "#" in url:
        raise ValueError(f"{url!r} is not a ping URL: expected http(s)://host/...")
    return url.rstrip("/")


def new_rid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Pinger:
    url: str
    rid: str
    timeout: float = 5.0
    retries: int = 2
    verbose: bool = False

    @property
    def budget(self) -> float:
        """The longest a ping may take; a ping still pending after it is given up."""
        pauses = sum(PAUSES[min(i, len(PAUSES) - 1)] for i in range(self.retries))
        return (self.retries + 1) * self.timeout + pauses + 0.5

    def start(self, action: str, body: bytes = b"",
              tried: threading.Event | None = None) -> threading.Thread:
        thread = threading.Thread(target=self.send, args=(action, body, tried), daemon=True,
                                  name=f"ping {action}")
        thread.start()
        return thread

    def send(self, action: str, body: bytes = b"", tried: threading.Event | None = None) -> bool:
        """Send one ping, retrying; set `tried` once the first try has an answer or failed."""
        try:
            return self._send(action, body, tried)
        finally:
            if tried is not None:
                tried.set()

    def _send(self, action: str, body: bytes, tried: threading.Event | None) -> bool:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            f"{self.url}/{action}?rid={self.rid}", data=body, method="POST",
            headers={"Content-Type": "text/plain; charset=utf-8", "User-Agent": "cronbeat-run"},
        )  # the URL was checked by the command line
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                if tried is not None:
                    tried.set()
                time.sleep(PAUSES[min(attempt - 1, len(PAUSES) - 1)])
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    answer.read()
                self.say(f"sent /{action} to {self.host}", only_verbose=True)
                return True
            except urllib.error.HTTPError as exc:
                if exc.code < 500 and exc.code != 429:
                    # The server answered: trying again would get the same answer.
                    text = exc.read(200).decode("utf-8", "replace").strip()
                    self.say(f"{self.host} refused /{action}: {exc.code} {text}")
                    return False
                reason = f"{exc.code} {exc.reason}"
            except urllib.error.URLError as exc:
                reason = str(exc.reason)
            except (OSError, ValueError) as exc:  # timeouts, resets, a malformed URL
                reason = str(exc) or type(exc).__name__
        self.say(f"could not reach {self.host}: {reason}")
        return False

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[-1].split("/", 1)[0]

    def say(self, line: str, *, only_verbose: bool = False) -> None:
        if self.verbose or not only_verbose:
            _stderr_line(f"cronbeat: {line}")


class Tail:
    """The last `limit` bytes of the combined output, and how many came before them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._kept = bytearray()
        self._lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self._lock:
            self.total += len(chunk)
            self._kept += chunk
            if len(self._kept) > self.limit:
                del self._kept[: len(self._kept) - self.limit]

    def body(self) -> bytes:
        """At most `limit` bytes: the tail, under a marker that says how much was cut."""
        with self._lock:
            data, total = bytes(self._kept), self.total
        if total == len(data):
            return data
        start = 0
        while True:
            start = _char_start(data, start)
            marker = f"[... {total - len(data) + start} bytes cut ...]\n".encode()
            if len(marker) > self.limit:
                return data[len(data) - self.limit:]
            if len(marker) + len(data) - start <= self.limit:
                return marker + data[start:]
            start = len(data) + len(marker) - self.limit


def _char_start(data: bytes, start: int) -> int:
    """Do not begin the kept output in the middle of a UTF-8 character."""
    end = min(start + 3, len(data))
    while start < end and data[start] & 0xC0 == 0x80:
        start += 1
    return start


class Forwarder:
    """Pass the signals that stop a job on to it, and keep waiting for it to exit."""

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self._pending: list[int] = []

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in FORWARDED:
            # An ignored signal (nohup, `&` in a script) stays ignored, for the job too.
            if signal.getsignal(sig) is not signal.SIG_IGN:
                signal.signal(sig, self._handle)

    def attach(self, child: subprocess.Popen[bytes]) -> None:
        self.child = child
        for sig in self._pending:
            child.send_signal(sig)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGINT and _terminal_sent_it():
            return
        if self.child is None:
            self._pending.append(signum)
        else:
            self.child.send_signal(signum)


def _terminal_sent_it() -> bool:
    """Ctrl-C at a terminal already reaches every process of the foreground group, the job
    included; sending it again would interrupt the job's own clean-up."""
    for fd in (0, 1, 2):
        try:
            if os.tcgetpgrp(fd) == os.getpgrp():
                return True
        except OSError:
            continue
    return False


def run(command: Sequence[str], pinger: Pinger, max_output: int) -> int:
    """Run `command` as the job and return its exit code (128+N when killed by signal N)."""
    forwarder = Forwarder()
    forwarder.install()
    tried = threading.Event()
    started = pinger.start("start", tried=tried)
    tried.wait(min(START_GRACE, pinger.timeout))
    tail = Tail(max_output)
    try:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        code = NOT_FOUND if isinstance(exc, FileNotFoundError) else NOT_EXECUTABLE
        message = f"cronbeat: cannot run {command[0]}: {exc.strerror or exc}"
        _stderr_line(message)
        tail.add(message.encode() + b"\n")
    else:
        forwarder.attach(child)
        code = _wait(child, tail)
    started.join(pinger.budget)
    if started.is_alive():
        pinger.say(f"could not reach {pinger.host}: the start ping did not finish in "
                    f"{pinger.budget:.0f} s; not sending /{code} before it")
        return code
    pinger.start(str(code), tail.body()).join(pinger.budget)
    return code


def _wait(child: subprocess.Popen[bytes], tail: Tail) -> int:
    assert child.stdout is not None and child.stderr is not None
    pumps = [
        threading.Thread(target=_pump, args=(source, sink, tail), daemon=True)
        for source, sink in ((child.stdout, _binary(sys.stdout)),
                             (child.stderr, _binary(sys.stderr)))
    ]
    for pump in pumps:
        pump.start()
    returncode = child.wait()
    for pump in pumps:
        pump.join(DRAIN_AFTER_EXIT)
    return 128 - returncode if returncode < 0 else returncode


def _pump(source: IO[bytes], sink: BinaryIO | None, tail: Tail) -> None:
    """Copy the job's output through as it comes, keeping its tail."""
    fd = source.fileno()
    while chunk := os.read(fd, 65536):
        tail.add(chunk)
        if sink is None:
            continue
        try:
            sink.write(chunk)
            sink.flush()
        except (BrokenPipeError, ValueError):
            # Whoever read our output is gone: let the job see that too, as it would
            # without the wrapper (`job | head` ends `job` with SIGPIPE).
            break
    source.close()


def _binary(stream: IO[str] | None) -> BinaryIO | None:
    return getattr(stream, "buffer", None)


def _stderr_line(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
