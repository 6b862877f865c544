"""Reading and rewriting crontabs. Pure: text in, entries and text out.

Understands the user format (`m h dom mon dow command`), the system format of /etc/crontab
and /etc/cron.d (a user column before the command), `@daily`-style nicknames, environment
lines (`CRON_TZ` and `TZ` set the time zone of the entries after them), comments and blank
lines. A line it cannot read is reported, not fatal.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from dataclasses import dataclass, replace

NICKNAMES = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
ENV_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
# A line already rewritten by `import-crontab` (by any path to the cronbeat program).
WRAPPED = re.compile(r"(?:^|\s)\S*cronbeat run --url (\S+) -- ")
NAME_LIMIT = 200


@dataclass(frozen=True)
class Entry:
    line: int  # 1-based
    schedule: str  # five fields or a nickname
    command: str
    timezone: str
    name: str
    user: str | None = None
    ping_url: str | None = None  # set when the line already runs under `cronbeat run`


@dataclass(frozen=True)
class Problem:
    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Crontab:
    lines: tuple[str, ...]
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]


def parse(text: str, *, system: bool = False, timezone: str = "UTC") -> Crontab:
    lines = tuple(text.splitlines())
    entries: list[Entry] = []
    problems: list[Problem] = []
    comment: str | None = None
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped:
            comment = None
            continue
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip() or None
            continue
        env = ENV_LINE.match(raw)
        if env and not stripped.startswith("@") and not stripped[0].isdigit() and (
                stripped[0] != "*"):
            if env.group(1) in ("CRON_TZ", "TZ"):
                timezone = _unquote(env.group(2).strip())
            comment = None
            continue
        found = _entry(number, stripped, system=system, timezone=timezone, comment=comment)
        if isinstance(found, Problem):
            problems.append(found)
        else:
            entries.append(found)
        comment = None
    return Crontab(lines, tuple(_unique_names(entries)), tuple(problems))


def rewrite(crontab: Crontab, urls: dict[int, str], *, program: str = "cronbeat") -> str:
    """The crontab with each entry in `urls` (line number → ping URL) run under `cronbeat
    run`; every other line, comments and environment lines included, kept as it was."""
    out = list(crontab.lines)
    by_line = {entry.line: entry for entry in crontab.entries}
    for number, url in urls.items():
        entry = by_line[number]
        if entry.ping_url is not None:
            continue
        raw = out[number - 1]
        head = raw[: raw.rindex(entry.command)] if entry.command in raw else raw
        out[number - 1] = head + wrap(entry.command, url, program=program)
    return "\n".join(out) + "\n"


def wrap(command: str, url: str, *, program: str = "cronbeat") -> str:
    """`command` run by `cronbeat run`. Cron turns the first unescaped `%` into the end of the
    command (the rest is its stdin), so only the part before it is wrapped. `program` is shell
    text, best an absolute path: cron's PATH is short."""
    body, percent, rest = _split_percent(command)
    return f"{program} run --url {url} -- sh -c {shlex.quote(body)}" + percent + rest


def _entry(number: int, line: str, *, system: bool, timezone: str,
           comment: str | None) -> Entry | Problem:
    if line.startswith("@"):
        nickname, _, rest = line.partition(" ")
        if nickname == "@reboot":
            return Problem(number, line, "@reboot runs once at boot: there is no schedule to watch")
        if nickname.lower() not in NICKNAMES:
            return Problem(number, line, f"unknown nickname {nickname}")
        schedule, rest = nickname.lower(), rest.strip()
    else:
        fields = line.split(None, 5)
        if len(fields) < 6:
            return Problem(number, line, "a cron line needs 5 time fields and a command")
        schedule, rest = " ".join(fields[:5]), fields[5]
    user = None
    if system:
        user, *command = rest.split(None, 1)
        rest = command[0].strip() if command else ""
    if not rest:
        return Problem(number, line, "no command")
    wrapped = WRAPPED.search(rest)
    name = _name(comment, rest)
    return Entry(number, schedule, rest, timezone, name, user,
                 ping_url=wrapped.group(1) if wrapped else None)


def _name(comment: str | None, command: str) -> str:
    if comment:
        return comment[:NAME_LIMIT]
    inner = WRAPPED.sub("", command)
    if inner.startswith("sh -c "):
        with contextlib.suppress(ValueError, IndexError):
            inner = shlex.split(inner)[2]
    body, _, _ = _split_percent(inner)
    return " ".join(body.split())[:NAME_LIMIT] or "cron job"


def _unique_names(entries: list[Entry]) -> list[Entry]:
    seen: dict[str, int] = {}
    result = []
    for entry in entries:
        count = seen.get(entry.name, 0) + 1
        seen[entry.name] = count
        result.append(entry if count == 1 else replace(entry, name=f"{entry.name} ({count})"))
    return result


def _split_percent(command: str) -> tuple[str, str, str]:
    escaped = False
    for index, char in enumerate(command):
        if char == "%" and not escaped:
            return command[:index], "%", command[index + 1:]
        escaped = char == "\\" and not escaped
    return command, "", ""


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
