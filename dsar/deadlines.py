"""Response deadlines per regime, counted in the local calendar of the subject's region.

- GDPR (Art. 12(3)): one calendar month from receipt (the same day number in the next
  month, or that month's last day when it has no such day: Jan 31 -> Feb 28/29), extendable
  by up to two further months, decided and recorded within the first month.
- CCPA (Cal. Civ. Code 1798.130, regs 7021): confirm receipt within 10 business days,
  answer within 45 calendar days, one extension of up to 45 days with notice before the
  first period ends.
- PIPL (Art. 50 says "in a timely manner"): configurable, default 15 days + 15.

A deadline ends at the end of its local due day; ``due_at`` is that instant in UTC.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dsar.settings import DeadlineSettings, Regime

CCPA_CONFIRM_BUSINESS_DAYS = 10
CCPA_DAYS = 45
CCPA_EXTENSION_DAYS = 45
GDPR_EXTENSION_MONTHS = 2


class DeadlineError(ValueError):
    """An extension the regime does not allow (too long, too late, or one too many)."""


def add_months(day: date, months: int) -> date:
    """The same day number ``months`` later, clamped to the last day of that month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_business_days(day: date, count: int, holidays: Collection[date] = ()) -> date:
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            count -= 1
    return day


@dataclass(frozen=True, slots=True)
class Deadline:
    regime: Regime
    zone: str
    received: date  # local calendar date of receipt
    due: date
    original_due: date
    confirm_by: date | None = None  # CCPA acknowledgement
    extended_months: int = 0
    extended_days: int = 0
    extensions: int = 0

    @property
    def due_at(self) -> datetime:
        """The UTC instant the due day ends in the local time zone."""
        return end_of(self.due, self.zone)

    def days_left(self, now: datetime) -> int:
        """Whole local days until the due day (0 on the due day, negative once past)."""
        return (self.due - now.astimezone(ZoneInfo(self.zone)).date()).days

    def overdue(self, now: datetime) -> bool:
        return now >= self.due_at


def end_of(day: date, zone: str) -> datetime:
    local_midnight = datetime.combine(day + timedelta(days=1), time(), ZoneInfo(zone))
    return local_midnight.astimezone(UTC)


def initial(regime: Regime, received_at: datetime, zone: str,
            settings: DeadlineSettings) -> Deadline:
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    received = received_at.astimezone(ZoneInfo(zone)).date()
    confirm_by = None
    if regime == "gdpr":
        due = add_months(received, 1)
    elif regime == "ccpa":
        due = received + timedelta(days=CCPA_DAYS)
        confirm_by = add_business_days(received, CCPA_CONFIRM_BUSINESS_DAYS, settings.holidays)
    else:
        due = received + timedelta(days=settings.pipl_days)
    return Deadline(regime, zone, received, due, due, confirm_by)


def extend(deadline: Deadline, now: datetime, settings: DeadlineSettings, *,
           months: int = 0, days: int = 0) -> Deadline:
    """The deadline after one more extension (GDPR in months, CCPA and PIPL in days; zero
    means as long as the regime still allows)."""
    today = now.astimezone(ZoneInfo(deadline.zone)).date()
    if deadline.overdue(now):
        raise DeadlineError("the deadline has already passed")
    if deadline.regime == "gdpr":
        return _extend_gdpr(deadline, today, months, days)
    if days < 0 or months:
        raise DeadlineError(f"{deadline.regime.upper()} extensions are counted in days")
    if deadline.regime == "ccpa":
        if deadline.extensions:
            raise DeadlineError("CCPA allows one extension")
        allowed = CCPA_EXTENSION_DAYS
    else:
        allowed = settings.pipl_extension_days - deadline.extended_days
    days = days or allowed
    if days > allowed or allowed <= 0:
        raise DeadlineError(f"at most {max(allowed, 0)} more days may be added")
    return replace(deadline, due=deadline.due + timedelta(days=days),
                   extended_days=deadline.extended_days + days,
                   extensions=deadline.extensions + 1)


def _extend_gdpr(deadline: Deadline, today: date, months: int, days: int) -> Deadline:
    if days or months < 0:
        raise DeadlineError("GDPR extensions are counted in months")
    if today > deadline.original_due:
        raise DeadlineError("a GDPR extension must be decided within the first month")
    allowed = GDPR_EXTENSION_MONTHS - deadline.extended_months
    months = months or allowed
    if months > allowed or allowed <= 0:
        raise DeadlineError(f"at most {max(allowed, 0)} more months may be added")
    total = deadline.extended_months + months
    # Counted from receipt so clamping does not accumulate (Jan 31 -> Feb 29 -> Mar 31).
    return replace(deadline, due=add_months(deadline.received, 1 + total),
                   extended_months=total, extensions=deadline.extensions + 1)
