"""Reading crontabs: user and system formats, nicknames, time zones, comments, bad lines."""

from __future__ import annotations

import shlex
from pathlib import Path

from cronbeat.crontab import parse, rewrite, wrap

HERE = Path(__file__).parent / "crontabs"


def test_a_user_crontab_gives_one_entry_per_job_with_its_schedule_zone_and_name():
    crontab = parse((HERE / "user.txt").read_text(), timezone="UTC")
    assert [(e.line, e.schedule, e.timezone, e.name) for e in crontab.entries] == [
        (7, "30 2 * * *", "Europe/Riga", "nightly backup"),
        (9, "*/15 9-17 * * 1-5", "Europe/Riga", "/usr/local/bin/sync-orders | logger -t sync"),
        (10, "@daily", "Europe/Riga", "/usr/bin/find /tmp -mtime +7 -delete"),
        (13, "0 6 * * 1", "America/New_York", "/usr/local/bin/weekly-report"),
    ]
    assert [(p.line, p.reason) for p in crontab.problems] == [
        (8, "@reboot runs once at boot: there is no schedule to watch"),
        (11, "a cron line needs 5 time fields and a command"),
    ]


def test_entries_without_a_zone_line_use_the_machine_zone():
    crontab = parse("0 1 * * * /bin/true\n", timezone="Asia/Tokyo")
    assert crontab.entries[0].timezone == "Asia/Tokyo"


def test_a_system_crontab_has_a_user_column():
    crontab = parse((HERE / "system.txt").read_text(), system=True)
    assert [(e.user, e.command, e.name) for e in crontab.entries] == [
        ("root", "cd / && run-parts --report /etc/cron.hourly",
         "cd / && run-parts --report /etc/cron.hourly"),
        ("certbot", "/usr/bin/certbot renew --quiet", "certificates"),
    ]
    assert [(p.line, p.reason) for p in crontab.problems] == [
        (7, "a cron line needs 5 time fields and a command")]


def test_the_rewrite_wraps_each_job_and_keeps_everything_else():
    text = (HERE / "user.txt").read_text()
    crontab = parse(text)
    urls = {e.line: f"http://cb.test/api/v1/heartbeat/tok{e.line}" for e in crontab.entries}
    out = rewrite(crontab, urls, program="/opt/cronbeat/bin/cronbeat").splitlines()
    original = text.splitlines()
    for number, line in enumerate(original, start=1):
        if number not in urls:
            assert out[number - 1] == line
    assert out[6] == ("30 2 * * * /opt/cronbeat/bin/cronbeat run --url "
                      "http://cb.test/api/v1/heartbeat/tok7 -- sh -c "
                      "'/usr/local/bin/backup.sh --full > /var/log/backup.log 2>&1'")
    # The wrapped command runs the very same shell text.
    assert shlex.split(out[8].split(" -- ", 1)[1])[2] == (
        "/usr/local/bin/sync-orders | logger -t sync")


def test_a_rewritten_crontab_is_recognised_and_keeps_its_names():
    crontab = parse((HERE / "user.txt").read_text())
    urls = {e.line: f"http://cb.test/api/v1/heartbeat/tok{e.line}" for e in crontab.entries}
    again = parse(rewrite(crontab, urls))
    assert [(e.name, e.ping_url) for e in again.entries] == [
        (e.name, urls[e.line]) for e in crontab.entries]
    assert rewrite(again, urls) == rewrite(crontab, urls)


def test_the_part_after_an_unescaped_percent_stays_the_jobs_stdin():
    assert wrap(r"date +\%F% hello", "U") == (
        r"cronbeat run --url U -- sh -c 'date +\%F'% hello")


def test_two_jobs_with_the_same_command_get_distinct_names():
    crontab = parse("0 1 * * * /bin/job\n0 2 * * * /bin/job\n")
    assert [e.name for e in crontab.entries] == ["/bin/job", "/bin/job (2)"]
