"""Output rules: keywords or regular expressions on a ping's output that turn a success into a
failure ("ERROR", "Traceback") or a failure into a success.

Pure. The rules of a heartbeat are tried in their order and the first that matches decides;
no match leaves the ping as it was sent. Only success and failure pings (exit codes included)
are judged: a start or a log line changes nothing.

A keyword is looked for in the whole output (a substring search: linear, whatever the text). A
regular expression runs on the last `REGEX_WINDOW` characters only, and is given
`REGEX_TIMEOUT` seconds: a pattern that backtracks catastrophically counts as not matching
instead of stalling the ping writer (hence the `regex` module, whose searches take a timeout).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex

from cronbeat.enums import PingKind, RuleAction, RuleMatch

MAX_RULES = 10
MAX_PATTERN = 200
REGEX_WINDOW = 10_000  # characters at the end of the output a regular expression sees
REGEX_TIMEOUT = 0.05  # seconds one regular expression may take on one ping

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutputRule:
    match: RuleMatch
    pattern: str
    action: RuleAction

    def to_json(self) -> dict[str, str]:
        return {"match": self.match.value, "pattern": self.pattern, "action": self.action.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutputRule:
        return cls(RuleMatch(data["match"]), str(data["pattern"]), RuleAction(data["action"]))

    def describe(self, number: int) -> str:
        """How the ping log names the rule that matched: `#1 keyword "ERROR" → fail`."""
        return f"#{number} {self.match.value} {self.pattern!r} → {self.action.value}"


class RuleError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field  # e.g. "output_rules.2.pattern"
        self.message = message


def check_rules(rules: Sequence[OutputRule]) -> tuple[OutputRule, ...]:
    """The rules, or `RuleError` naming the first one to fix."""
    if len(rules) > MAX_RULES:
        raise RuleError("output_rules", f"at most {MAX_RULES} rules")
    checked = []
    for index, rule in enumerate(rules):
        where = f"output_rules.{index}"
        try:
            match, action = RuleMatch(rule.match), RuleAction(rule.action)
        except ValueError:
            raise RuleError(where, "match is keyword or regex; action is fail or succeed") \
                from None
        pattern = rule.pattern
        if not pattern or len(pattern) > MAX_PATTERN or "\x00" in pattern:
            raise RuleError(f"{where}.pattern", f"use 1 to {MAX_PATTERN} characters, no NUL")
        if match is RuleMatch.REGEX:
            try:
                regex.compile(pattern)
            except regex.error as exc:
                raise RuleError(f"{where}.pattern",
                                f"not a valid regular expression: {exc}") from None
        checked.append(OutputRule(match, pattern, action))
    return tuple(checked)


def judge(
    rules: tuple[OutputRule, ...], kind: PingKind, output: str
) -> tuple[PingKind, str | None]:
    """The kind the ping counts as, and which rule decided it (None: no rule matched)."""
    if not rules or kind not in (PingKind.SUCCESS, PingKind.FAIL):
        return kind, None
    for number, (rule, matches) in enumerate(zip(rules, _matchers(rules), strict=True), 1):
        if matches(output):
            decided = PingKind.FAIL if rule.action is RuleAction.FAIL else PingKind.SUCCESS
            return decided, rule.describe(number)
    return kind, None


@lru_cache(maxsize=4096)
def _matchers(rules: tuple[OutputRule, ...]) -> tuple[Callable[[str], bool], ...]:
    """Compiled once per distinct list of rules: the ping writer judges many pings."""
    return tuple(_matcher(rule) for rule in rules)


def _matcher(rule: OutputRule) -> Callable[[str], bool]:
    if rule.match is RuleMatch.KEYWORD:
        keyword = rule.pattern
        return lambda output: keyword in output
    compiled = regex.compile(rule.pattern)

    def search(output: str) -> bool:
        try:
            return compiled.search(output[-REGEX_WINDOW:], timeout=REGEX_TIMEOUT) is not None
        except TimeoutError:
            log.warning("output rule %r took too long and counts as not matching", rule.pattern)
            return False

    return search


def rules_of(stored: Sequence[dict[str, Any]]) -> tuple[OutputRule, ...]:
    """The rules stored on a heartbeat (JSON), as values."""
    return tuple(OutputRule.from_json(item) for item in stored)
