"""Deadlines per regime across month ends, leap years, time zones and extensions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dsar.deadlines import DeadlineError, add_months, extend, initial
from dsar.settings import DeadlineSettings

SETTINGS = DeadlineSettings()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(("received", "due"), [
    ("2024-01-15T10:00:00+00:00", date(2024, 2, 15)),
    ("2024-01-31T10:00:00+00:00", date(2024, 2, 29)),  # leap year
    ("2023-01-31T10:00:00+00:00", date(2023, 2, 28)),
    ("2024-03-31T10:00:00+00:00", date(2024, 4, 30)),
    ("2024-12-31T10:00:00+00:00", date(2025, 1, 31)),  # year end
    ("2024-02-29T10:00:00+00:00", date(2024, 3, 29)),
])
def test_gdpr_is_one_calendar_month(received: str, due: date) -> None:
    assert initial("gdpr", at(received), "Europe/Brussels", SETTINGS).due == due


def test_receipt_date_is_local_to_the_region() -> None:
    # 23:30 UTC on Jan 30 is already Jan 31 in Brussels, and still Jan 30 in Los Angeles.
    received = at("2024-01-30T23:30:00+00:00")
    assert initial("gdpr", received, "Europe/Brussels", SETTINGS).due == date(2024, 2, 29)
    assert initial("gdpr", received, "America/Los_Angeles", SETTINGS).due == date(2024, 2, 29)
    received = at("2024-01-31T23:30:00+00:00")  # Feb 1 in Shanghai
    assert initial("gdpr", received, "Asia/Shanghai", SETTINGS).due == date(2024, 3, 1)
    assert initial("gdpr", received, "America/Los_Angeles", SETTINGS).due == date(2024, 2, 29)


def test_deadline_ends_at_local_midnight_including_dst() -> None:
    deadline = initial("gdpr", at("2024-02-26T12:00:00+00:00"), "Europe/Brussels", SETTINGS)
    assert deadline.due == date(2024, 3, 26)
    # Brussels is on summer time (UTC+2) from Mar 31; Mar 27 00:00 CET is Mar 26 23:00 UTC.
    assert deadline.due_at == datetime(2024, 3, 26, 23, 0, tzinfo=UTC)
    summer = initial("gdpr", at("2024-03-15T12:00:00+00:00"), "Europe/Brussels", SETTINGS)
    assert summer.due_at == datetime(2024, 4, 15, 22, 0, tzinfo=UTC)
    assert not deadline.overdue(at("2024-03-26T22:59:59+00:00"))
    assert deadline.overdue(at("2024-03-26T23:00:00+00:00"))


def test_days_left_counts_local_days() -> None:
    deadline = initial("gdpr", at("2024-01-10T09:00:00+01:00"), "Europe/Brussels", SETTINGS)
    assert deadline.days_left(at("2024-01-10T09:00:00+01:00")) == 31
    assert deadline.days_left(at("2024-02-10T00:30:00+01:00")) == 0
    # Feb 10 23:30 UTC is already Feb 11 in Brussels.
    assert deadline.days_left(at("2024-02-10T23:30:00+00:00")) == -1


def test_gdpr_extension_up_to_two_months_counted_from_receipt() -> None:
    deadline = initial("gdpr", at("2024-01-31T10:00:00+00:00"), "Europe/Brussels", SETTINGS)
    now = at("2024-02-10T10:00:00+00:00")
    once = extend(deadline, now, SETTINGS, months=1)
    assert once.due == date(2024, 3, 31)
    twice = extend(once, now, SETTINGS, months=1)
    assert twice.due == date(2024, 4, 30)
    assert twice.extensions == 2
    with pytest.raises(DeadlineError, match="at most 0 more months"):
        extend(twice, now, SETTINGS, months=1)
    assert extend(deadline, now, SETTINGS).due == date(2024, 4, 30)  # the maximum
    with pytest.raises(DeadlineError):
        extend(deadline, now, SETTINGS, months=3)


def test_gdpr_extension_must_be_decided_within_the_first_month() -> None:
    deadline = initial("gdpr", at("2024-01-15T10:00:00+00:00"), "Europe/Brussels", SETTINGS)
    once = extend(deadline, at("2024-02-14T10:00:00+00:00"), SETTINGS, months=1)
    with pytest.raises(DeadlineError, match="within the first month"):
        extend(once, at("2024-02-16T10:00:00+00:00"), SETTINGS, months=1)


def test_ccpa_confirm_in_ten_business_days_answer_in_45_one_extension() -> None:
    # Friday 2024-11-22; with Thanksgiving (Nov 28) as a configured holiday.
    settings = DeadlineSettings(holidays=[date(2024, 11, 28)])
    deadline = initial("ccpa", at("2024-11-22T18:00:00+00:00"), "America/Los_Angeles",
                       settings)
    assert deadline.confirm_by == date(2024, 12, 9)
    assert initial("ccpa", at("2024-11-22T18:00:00+00:00"), "America/Los_Angeles",
                   SETTINGS).confirm_by == date(2024, 12, 6)
    assert deadline.due == date(2025, 1, 6)
    extended = extend(deadline, at("2024-12-20T18:00:00+00:00"), settings)
    assert extended.due == date(2025, 2, 20)
    with pytest.raises(DeadlineError, match="one extension"):
        extend(extended, at("2024-12-21T18:00:00+00:00"), settings, days=1)
    with pytest.raises(DeadlineError, match="already passed"):
        extend(deadline, at("2025-01-07T18:00:00+00:00"), settings)


def test_pipl_default_and_configured_periods() -> None:
    received = at("2024-02-20T02:00:00+00:00")
    deadline = initial("pipl", received, "Asia/Shanghai", SETTINGS)
    assert deadline.due == date(2024, 3, 6)  # 15 days, through Feb 29
    assert extend(deadline, received, SETTINGS).due == date(2024, 3, 21)
    partial = extend(deadline, received, SETTINGS, days=10)
    assert extend(partial, received, SETTINGS).due == date(2024, 3, 21)
    with pytest.raises(DeadlineError):
        extend(partial, received, SETTINGS, days=6)
    custom = DeadlineSettings(pipl_days=30, pipl_extension_days=0)
    deadline = initial("pipl", received, "Asia/Shanghai", custom)
    assert deadline.due == date(2024, 3, 21)
    with pytest.raises(DeadlineError):
        extend(deadline, received, custom)


def test_add_months_clamps_and_crosses_years() -> None:
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
