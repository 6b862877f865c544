"""validate_target normalises a channel target or refuses it with a message for the user."""

from __future__ import annotations

import pytest

from cronbeat.notifiers import NOTIFIERS, ChannelKind, validate_target


@pytest.mark.parametrize(("kind", "target", "normalised"), [
    (ChannelKind.EMAIL, "oncall@example.com", "oncall@example.com"),
    (ChannelKind.EMAIL, "  Ops.Team+cron@Example.COM \n", "Ops.Team+cron@example.com"),
    (ChannelKind.EMAIL, "root@localhost", "root@localhost"),
    (ChannelKind.WEBHOOK, "https://hooks.example.com/T0/a?x=1", "https://hooks.example.com/T0/a?x=1"),
    (ChannelKind.WEBHOOK, " http://127.0.0.1:8080/hook ", "http://127.0.0.1:8080/hook"),
    (ChannelKind.WEBHOOK, "HTTPS://[::1]:8443/", "HTTPS://[::1]:8443/"),
    (ChannelKind.APPRISE, "json://127.0.0.1:8080/hook", "json://127.0.0.1:8080/hook"),
    (ChannelKind.APPRISE, "  mailto://user:pass@example.com  ", "mailto://user:pass@example.com"),
])
def test_it_accepts_and_normalises_good_targets(
    kind: ChannelKind, target: str, normalised: str
) -> None:
    assert validate_target(kind, target) == normalised


@pytest.mark.parametrize(("kind", "target", "complaint"), [
    (ChannelKind.EMAIL, "", "exactly one @"),
    (ChannelKind.EMAIL, "oncall.example.com", "exactly one @"),
    (ChannelKind.EMAIL, "on@call@example.com", "exactly one @"),
    (ChannelKind.EMAIL, "@example.com", "exactly one @"),
    (ChannelKind.EMAIL, "oncall@", "exactly one @"),
    (ChannelKind.EMAIL, "on call@example.com", "spaces"),
    (ChannelKind.EMAIL, "oncall@example.com\nBcc: thief@example.com", "exactly one @"),
    (ChannelKind.EMAIL, "on\ncall@example.com", "line breaks"),
    (ChannelKind.EMAIL, "a@example.com,b@example.com", "exactly one @"),
    (ChannelKind.EMAIL, "Ops <ops@example.com>", "spaces"),
    (ChannelKind.EMAIL, "oncall@example..com", "not a valid mail domain"),
    (ChannelKind.WEBHOOK, "", "cannot be empty"),
    (ChannelKind.WEBHOOK, "hooks.example.com/abc", "http:// or https://"),
    (ChannelKind.WEBHOOK, "ftp://example.com/abc", "http:// or https://"),
    (ChannelKind.WEBHOOK, "javascript:alert(1)", "http:// or https://"),
    (ChannelKind.WEBHOOK, "https:///path-only", "must name a host"),
    (ChannelKind.WEBHOOK, "https://example.com:99999/", "bad port"),
    (ChannelKind.WEBHOOK, "https://example.com/a b", "spaces"),
    (ChannelKind.WEBHOOK, "https://example.com/\nX-Injected: 1", "spaces"),
    (ChannelKind.APPRISE, "", "cannot be empty"),
    (ChannelKind.APPRISE, "not-a-url://x", "apprise does not understand this URL"),
    (ChannelKind.APPRISE, "tgram://not-a-bot-token", "apprise does not understand this URL"),
    (ChannelKind.APPRISE, "https://example.com/hook", "apprise does not understand this URL"),
    (ChannelKind.APPRISE, "hello json://127.0.0.1/hook", "spaces"),
    (ChannelKind.APPRISE, "json://127.0.0.1/a,json://127.0.0.1/b", "exactly one URL"),
])
def test_it_refuses_bad_targets_with_a_clear_message(
    kind: ChannelKind, target: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        validate_target(kind, target)


def test_the_reason_apprise_gives_is_part_of_the_message() -> None:
    with pytest.raises(ValueError, match=r"Unparseable Telegram URL"):
        validate_target(ChannelKind.APPRISE, "tgram://not-a-bot-token")


def test_the_kind_may_be_given_as_its_plain_value() -> None:
    assert validate_target("email", "a@example.com") == "a@example.com"  # type: ignore[arg-type]


def test_every_channel_kind_has_a_notifier() -> None:
    assert set(NOTIFIERS) == set(ChannelKind)
