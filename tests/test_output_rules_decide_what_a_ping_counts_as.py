"""Output rules, pure: tables of rules, pings and outputs, and what each ping counts as."""

from __future__ import annotations

import time

import pytest

from cronbeat.enums import PingKind, RuleAction, RuleMatch
from cronbeat.output_rules import (
    MAX_RULES,
    REGEX_WINDOW,
    OutputRule,
    RuleError,
    check_rules,
    judge,
)

FAIL, SUCCEED = RuleAction.FAIL, RuleAction.SUCCEED
KEYWORD, REGEX = RuleMatch.KEYWORD, RuleMatch.REGEX


def rule(match: RuleMatch, pattern: str, action: RuleAction) -> OutputRule:
    return OutputRule(match, pattern, action)


ERROR = rule(KEYWORD, "ERROR", FAIL)
TRACEBACK = rule(REGEX, r"^Traceback \(most recent call last\)", FAIL)
NO_ERRORS = rule(REGEX, r"(?m)^0 errors$", SUCCEED)
RETRIED = rule(KEYWORD, "retried OK", SUCCEED)


@pytest.mark.parametrize(
    ("rules", "kind", "output", "expected"),
    [
        # No rules, or no match: the ping counts as it was sent.
        ((), PingKind.SUCCESS, "ERROR", (PingKind.SUCCESS, None)),
        ((ERROR,), PingKind.SUCCESS, "all fine", (PingKind.SUCCESS, None)),
        ((ERROR,), PingKind.FAIL, "all fine", (PingKind.FAIL, None)),
        # A keyword is case-sensitive and found anywhere.
        ((ERROR,), PingKind.SUCCESS, "line 1\nERROR: disk full\n",
         (PingKind.FAIL, "#1 keyword 'ERROR' → fail")),
        ((ERROR,), PingKind.SUCCESS, "error: lower case", (PingKind.SUCCESS, None)),
        # A failure can be turned into a success.
        ((RETRIED,), PingKind.FAIL, "step 3 failed, retried OK",
         (PingKind.SUCCESS, "#1 keyword 'retried OK' → succeed")),
        # The first rule that matches decides, whatever the later ones say.
        ((NO_ERRORS, ERROR), PingKind.SUCCESS, "ERROR count:\n0 errors\n",
         (PingKind.SUCCESS, "#1 regex '(?m)^0 errors$' → succeed")),
        ((ERROR, NO_ERRORS), PingKind.SUCCESS, "ERROR count:\n0 errors\n",
         (PingKind.FAIL, "#1 keyword 'ERROR' → fail")),
        ((RETRIED, TRACEBACK), PingKind.SUCCESS, "Traceback (most recent call last):\n  ...",
         (PingKind.FAIL, "#2 regex '^Traceback \\\\(most recent call last\\\\)' → fail")),
        # A matching rule that agrees with the ping is still named.
        ((ERROR,), PingKind.FAIL, "ERROR", (PingKind.FAIL, "#1 keyword 'ERROR' → fail")),
        # Starts and log lines are never judged.
        ((ERROR,), PingKind.START, "ERROR", (PingKind.START, None)),
        ((ERROR,), PingKind.LOG, "ERROR", (PingKind.LOG, None)),
    ],
)
def test_the_first_matching_rule_decides_what_a_ping_counts_as(
    rules: tuple[OutputRule, ...], kind: PingKind, output: str,
    expected: tuple[PingKind, str | None],
) -> None:
    assert judge(rules, kind, output) == expected


def test_a_keyword_is_found_anywhere_in_a_long_output() -> None:
    output = "ERROR at the start\n" + "x" * 90_000
    assert judge((ERROR,), PingKind.SUCCESS, output)[0] is PingKind.FAIL


def test_a_regular_expression_sees_only_the_end_of_the_output() -> None:
    early = rule(REGEX, "ERROR", FAIL)
    assert judge((early,), PingKind.SUCCESS, "ERROR" + "x" * REGEX_WINDOW)[0] is PingKind.SUCCESS
    assert judge((early,), PingKind.SUCCESS, "ERROR" + "x" * (REGEX_WINDOW - 5))[0] is \
        PingKind.FAIL


def test_a_catastrophic_regular_expression_gives_up_quickly_and_does_not_match() -> None:
    evil = rule(REGEX, r"(a|aa)+$", FAIL)
    started = time.monotonic()
    assert judge((evil, ERROR), PingKind.SUCCESS, "a" * 5000 + "!ERROR") == (
        PingKind.FAIL, "#2 keyword 'ERROR' → fail")
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("rules", "field", "words"),
    [
        ((rule(REGEX, "(unclosed", FAIL),), "output_rules.0.pattern",
         "not a valid regular expression: missing )"),
        ((ERROR, rule(REGEX, "[z-a]", FAIL)), "output_rules.1.pattern",
         "not a valid regular expression"),
        ((rule(KEYWORD, "", FAIL),), "output_rules.0.pattern", "1 to 200 characters"),
        ((rule(KEYWORD, "x" * 201, FAIL),), "output_rules.0.pattern", "1 to 200 characters"),
        ((ERROR,) * (MAX_RULES + 1), "output_rules", "at most 10 rules"),
    ],
)
def test_it_refuses_rules_it_cannot_use_naming_the_one_to_fix(
    rules: tuple[OutputRule, ...], field: str, words: str
) -> None:
    with pytest.raises(RuleError) as refused:
        check_rules(rules)
    assert refused.value.field == field
    assert words in refused.value.message


def test_rules_go_to_json_and_back_unchanged() -> None:
    for each in (ERROR, TRACEBACK, NO_ERRORS, RETRIED):
        assert OutputRule.from_json(each.to_json()) == each
