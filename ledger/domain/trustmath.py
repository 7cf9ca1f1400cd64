"""The arithmetic of the trust's operations, exact on integers: the trustee's remuneration for a month, a budget's
monthly phasing, percentages to one decimal, the due dates of a revenue contract. No I/O here."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .errors import InvalidInput
from .money import format_fen

BP_PER_WHOLE = 10_000  # 12% is 1200 basis points


def percent_text(bp: int) -> str:
    """1200 -> "12", 1250 -> "12.5", 1225 -> "12.25": a percentage from basis points, exact."""
    return format(Decimal(bp) / 100, "f").rstrip("0").rstrip(".") if bp % 100 else str(bp // 100)


def parse_percent(text: str, field: str = "percent") -> int:
    """"12" or "12.5" (per cent) -> basis points; refuses more than two decimals, negatives and over 100."""
    try:
        value = Decimal(str(text).strip().rstrip("%"))
    except Exception:
        raise InvalidInput(f"百分比“{text}”不是数字", f"percentage \"{text}\" is not a number", field) from None
    if not value.is_finite() or value < 0 or value > 100 or (value * 100) != (value * 100).to_integral_value():
        raise InvalidInput(f"百分比“{text}”须在0到100之间，最多两位小数", f"percentage \"{text}\" must be 0 to 100 "
                           "with at most two decimals", field)
    return int(value * 100)


@dataclass(frozen=True)
class Remuneration:
    fen: int
    note: str  # the calculation, written on the entry


def remuneration(kind: str, monthly_fen: int | None, percent_bp: int | None, cap_fen: int | None,
                 collected_fen: int) -> Remuneration:
    """The month's remuneration: the fixed sum, or the share of fees collected (floored to the fen), capped."""
    cap = f"（上限 {format_fen(cap_fen)}）" if cap_fen is not None else ""
    if kind == "fixed":
        fen = monthly_fen or 0
        capped = min(fen, cap_fen) if cap_fen is not None else fen
        note = f"酬金 固定每月 {format_fen(fen)}" + (f" = {format_fen(capped)}{cap}" if capped != fen else "")
        return Remuneration(capped, note)
    collected = max(collected_fen, 0)
    share = collected * (percent_bp or 0) // BP_PER_WHOLE
    fen = min(share, cap_fen) if cap_fen is not None else share
    note = f"酬金 {percent_text(percent_bp or 0)}% × 已收物业费 {format_fen(collected)} = {format_fen(share)}{cap}"
    if fen != share:
        note += f"，计提 {format_fen(fen)}"
    return Remuneration(fen, note)


def monthly_budget(annual_fen: int, month: int) -> int:
    """Equal twelfths (floored), the remainder in December."""
    twelfth = annual_fen // 12
    return annual_fen - 11 * twelfth if month == 12 else twelfth


def budget_through(annual_fen: int, month: int) -> int:
    """The budget from January to `month`, inclusive."""
    return sum(monthly_budget(annual_fen, m) for m in range(1, month + 1))


def percentage(part: int, whole: int) -> str | None:
    """part / whole as a percentage with one decimal, rounded half up, exact; None when whole is zero."""
    if whole == 0:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


STEP_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def add_months(day: dt.date, months: int, anchor_day: int | None = None) -> dt.date:
    anchor_day = anchor_day or day.day
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(anchor_day, calendar.monthrange(year, month + 1)[1]))


def due_dates(start: dt.date, end: dt.date | None, schedule: str, until: dt.date) -> list[dt.date]:
    """Each period's due date (its first day, in advance) from `start`, on or before `end` and `until`."""
    step = STEP_MONTHS[schedule]
    last = min(end, until) if end is not None else until
    dates, n = [], 0
    while True:
        day = add_months(start, step * n, start.day)
        if day > last:
            return dates
        dates.append(day)
        n += 1
