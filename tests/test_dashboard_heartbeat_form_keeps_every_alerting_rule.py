"""The heartbeat form carries every alerting rule: thresholds, output rules, run-time bounds,
OnCalendar schedules and dependencies are shown, saved, and kept by an edit that changes
something else."""

from __future__ import annotations

import re
from dataclasses import fields

import httpx

from cronbeat.clock import FixedClock
from cronbeat.dashboard.forms import form_values, heartbeat_spec
from cronbeat.db.engine import Database
from cronbeat.enums import RuleAction, RuleMatch
from cronbeat.escalation import Step, Target, TargetKind
from cronbeat.output_rules import OutputRule
from cronbeat.services.heartbeats import HeartbeatSpec, spec_of
from cronbeat.services.oncall_config import PolicySpec, create_policy
from dashboard_helpers import admin_client
from helpers import make_heartbeat, reload

FETCH = {"X-Requested-With": "fetch"}


def form_fields(html: str) -> dict[str, str]:
    """What a browser would send for the form as shown: inputs, checked boxes and radios,
    selected options, textareas."""
    form = html[html.index('class="card stack heartbeat-form"'):]
    form = form[:form.index("</form>")]
    fields: dict[str, str] = {}
    for tag in re.finditer(r"<input\b([^>]*)>", form):
        attrs = tag.group(1)
        name = re.search(r'name="([^"]+)"', attrs)
        if name is None:
            continue
        kind = re.search(r'type="([^"]+)"', attrs)
        value = re.search(r'value="([^"]*)"', attrs)
        if kind and kind.group(1) in ("radio", "checkbox") and " checked" not in attrs:
            continue
        fields[name.group(1)] = _unescape(value.group(1) if value else "")
    for select in re.finditer(r'<select name="([^"]+)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(2)) or \
            re.search(r'<option value="([^"]*)"', select.group(2))
        fields[select.group(1)] = _unescape(chosen.group(1)) if chosen else ""
    for area in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        fields[area.group(1)] = _unescape(area.group(2))
    return fields


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"')
            .replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&"))


async def test_editing_only_the_name_keeps_every_alerting_rule(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    parent = await make_heartbeat(db, team_id, clock.now(), name="database")
    rules = (OutputRule(RuleMatch.KEYWORD, "ERROR", RuleAction.FAIL),
             OutputRule(RuleMatch.REGEX, r"^ok \d+$", RuleAction.SUCCEED))
    child = await make_heartbeat(
        db, team_id, clock.now(), name="report", period=None, oncalendar="Mon..Fri 02:30",
        timezone="Europe/Riga", failure_threshold=3, recovery_threshold=2, output_rules=rules,
        min_runtime=60, max_runtime=3600, early_tolerance=600, early_fails=True,
        depends_on=parent.id, tags=("db",), slug="report")
    csrf = await admin_client(app_client, db)
    page = await app_client.get(f"/heartbeats/{child.id}/edit")
    fields = form_fields(page.text)
    assert fields["kind"] == "oncalendar" and fields["oncalendar"] == "Mon..Fri 02:30"
    answer = await app_client.post(f"/heartbeats/{child.id}/edit",
                                   data={**fields, "csrf_token": csrf, "name": "daily report"})
    assert answer.status_code == 303, answer.text
    saved = await reload(db, child.id)
    assert saved.name == "daily report"
    assert (saved.oncalendar, saved.schedule, saved.period, saved.timezone) == (
        "Mon..Fri 02:30", None, None, "Europe/Riga")
    assert (saved.failure_threshold, saved.recovery_threshold) == (3, 2)
    assert saved.output_rules == [rule.to_json() for rule in rules]
    assert (saved.min_runtime, saved.max_runtime, saved.early_tolerance, saved.early_fails) == (
        60, 3600, 600, True)
    assert (saved.depends_on_id, saved.tags, saved.slug) == (parent.id, ["db"], "report")


async def test_a_heartbeat_is_created_with_every_alerting_rule_from_the_form(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    parent = await make_heartbeat(db, team_id, clock.now(), name="database")
    csrf = await admin_client(app_client, db)
    fields = form_fields((await app_client.get("/heartbeats/new")).text)
    assert fields["rule-0-pattern"] == "" and fields["rule-1-pattern"] == ""
    answer = await app_client.post("/heartbeats/new", data={
        **fields, "csrf_token": csrf, "name": "etl", "kind": "period", "period": "1h",
        "failure_threshold": "2", "recovery_threshold": "3", "min_runtime": "5 min",
        "early_tolerance": "10m", "early_fails": "on", "depends_on": str(parent.id),
        "rule-0-pattern": "", "rule-1-match": "regex", "rule-1-pattern": "Trace(back)?",
        "rule-1-action": "fail"})
    assert answer.status_code == 303, answer.text
    saved = await reload(db, int(answer.headers["location"].rsplit("/", 1)[1]))
    assert (saved.failure_threshold, saved.recovery_threshold, saved.min_runtime,
            saved.early_tolerance, saved.early_fails, saved.depends_on_id) == (
        2, 3, 300, 600, True, parent.id)
    assert saved.output_rules == [{"match": "regex", "pattern": "Trace(back)?",
                                   "action": "fail"}]
    again = form_fields((await app_client.get(f"/heartbeats/{saved.id}/edit")).text)
    assert again["rule-0-pattern"] == "Trace(back)?" and again["rule-0-match"] == "regex"
    assert again["rule-2-pattern"] == "" and "rule-3-pattern" not in again


async def test_clearing_the_fields_removes_rules_bounds_and_the_dependency(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    parent = await make_heartbeat(db, team_id, clock.now(), name="database")
    child = await make_heartbeat(
        db, team_id, clock.now(), name="report", min_runtime=10, early_tolerance=5,
        depends_on=parent.id, output_rules=(OutputRule(RuleMatch.KEYWORD, "x",
                                                        RuleAction.FAIL),))
    csrf = await admin_client(app_client, db)
    fields = form_fields((await app_client.get(f"/heartbeats/{child.id}/edit")).text)
    fields.update({"csrf_token": csrf, "min_runtime": "", "early_tolerance": "",
                   "depends_on": "", "rule-0-pattern": ""})
    answer = await app_client.post(f"/heartbeats/{child.id}/edit", data=fields)
    assert answer.status_code == 303, answer.text
    saved = await reload(db, child.id)
    assert (saved.min_runtime, saved.early_tolerance, saved.depends_on_id,
            saved.output_rules) == (None, None, None, [])


async def test_a_bad_regex_is_shown_on_its_own_row_with_what_was_typed(
    app_client: httpx.AsyncClient, db: Database, team_id: int
) -> None:
    csrf = await admin_client(app_client, db)
    fields = form_fields((await app_client.get("/heartbeats/new")).text)
    # Row 0 is left empty: the bad pattern in row 1 is the first rule, shown as row 0 again.
    answer = await app_client.post("/heartbeats/new", data={
        **fields, "csrf_token": csrf, "name": "etl", "rule-0-pattern": "",
        "rule-1-match": "regex", "rule-1-pattern": "<b>(unclosed", "rule-1-action": "succeed"})
    assert answer.status_code == 422
    shown = form_fields(answer.text)
    assert shown["rule-0-pattern"] == "<b>(unclosed" and shown["rule-0-match"] == "regex"
    assert shown["rule-0-action"] == "succeed" and shown["rule-1-pattern"] == ""
    row = answer.text[answer.text.index('id="rule-0"'):answer.text.index('id="rule-1"')]
    assert 'aria-invalid="true"' in row
    assert 'id="output_rules.0.pattern-error"' in row and "not a valid regular expression" in row
    assert "&lt;b&gt;(unclosed" in row and "<b>(unclosed" not in answer.text


async def test_bad_thresholds_and_dependencies_are_refused_inline(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    csrf = await admin_client(app_client, db)
    base = {**form_fields((await app_client.get("/heartbeats/new")).text), "csrf_token": csrf,
            "name": "etl"}
    for change, field, message in [
        ({"failure_threshold": "101"}, "failure_threshold", "must be from 1 to 100"),
        ({"recovery_threshold": "two"}, "recovery_threshold", "whole number"),
        ({"depends_on": "999999"}, "depends_on", "no heartbeat with id 999999"),
        ({"early_fails": "on", "early_tolerance": ""}, "early_fails", "needs early_tolerance"),
        ({"min_runtime": "2h", "max_runtime": "1h"}, "min_runtime", "shorter than max_runtime"),
    ]:
        answer = await app_client.post("/heartbeats/new", data={**base, **change})
        assert answer.status_code == 422, change
        assert f'id="{field}-error"' in answer.text and message in answer.text, change


async def test_the_preview_explains_an_oncalendar_expression_with_its_next_five_times(
    app_client: httpx.AsyncClient, db: Database, team_id: int
) -> None:
    await admin_client(app_client, db)
    answer = await app_client.get("/heartbeats/preview", headers=FETCH, params={
        "kind": "oncalendar", "oncalendar": "Mon..Fri 02:30", "timezone": "Europe/Riga"})
    assert answer.status_code == 200, answer.text
    assert "OnCalendar Mon..Fri 02:30 (Europe/Riga)" in answer.text
    # The clock is Monday 2026-03-02 12:00 UTC: the next weekdays from Tuesday, then Monday.
    times = re.findall(r"<time datetime=\"([^\"]+)\"", answer.text)
    assert times == [f"2026-03-{d:02}T02:30:00+02:00" for d in (3, 4, 5, 6, 9)]
    bad = await app_client.get("/heartbeats/preview", headers=FETCH, params={
        "kind": "oncalendar", "oncalendar": "Someday <b>", "timezone": "UTC"})
    assert bad.status_code == 422 and "invalid OnCalendar expression" in bad.text
    assert "<b>" not in bad.text


async def test_the_form_alone_reproduces_every_field_of_a_heartbeats_spec(
    db: Database, clock: FixedClock, team_id: int
) -> None:
    """A guard for the next setting: a spec field the form does not carry fails here, even
    though an edit starting from the heartbeat's own spec would keep it."""
    parent = await make_heartbeat(db, team_id, clock.now(), name="database")
    async with db.write() as session:
        policy = await create_policy(session, team_id, PolicySpec(
            name="p", steps=(Step(0, (Target(TargetKind.TEAM),)),)), clock.now())
    heartbeat = await make_heartbeat(
        db, team_id, clock.now(), name="report", period=None, schedule="30 2 * * 1-5",
        timezone="Europe/Riga", grace=600, max_runtime=3600, tags=("db", "nightly"),
        description="the <daily> report", policy_id=policy.id, slug="report",
        failure_threshold=3, recovery_threshold=2, min_runtime=60, early_tolerance=300,
        early_fails=True, depends_on=parent.id,
        output_rules=(OutputRule(RuleMatch.REGEX, "x+", RuleAction.SUCCEED),))
    spec = spec_of(await reload(db, heartbeat.id))
    defaults = HeartbeatSpec(name="")
    # A cron schedule leaves the other two kinds unset; the first test covers OnCalendar.
    untested = [f.name for f in fields(HeartbeatSpec) if f.name not in ("period", "oncalendar")
                and getattr(spec, f.name) == getattr(defaults, f.name)]
    assert untested == [], "give these fields a value that is not their default"
    assert heartbeat_spec(form_values(await reload(db, heartbeat.id))) == spec
