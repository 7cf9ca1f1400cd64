"""Arrears (欠费): FIFO allocation, aging buckets and the collection rate (收缴率), on integer fen and exact fractions.

- A unit's credits on its receivable (payments and prepayments used) pay its oldest open charges first (FIFO by
  billed month), whatever month the payer had in mind.
- Aging: an open charge for month M seen at month A is `months = (A - M)`: 0 current, 1–3, 4–6, 7–12, over 12.
- Collection rate of month M = the part of M's charges paid (by allocation) ÷ M's charges; of a year, the sums of its
  months. Exact Fractions; shown as a percentage rounded half-up to 2 decimals.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

BUCKETS = ("current", "1-3", "4-6", "7-12", "over12")


@dataclass(frozen=True)
class Charge:
    unit: str
    year: int
    month: int
    fen: int


@dataclass
class Allocated:
    charge: Charge
    paid_fen: int = 0

    @property
    def open_fen(self) -> int:
        return self.charge.fen - self.paid_fen


def allocate(charges: list[Charge], credits_fen: dict[str, int]) -> list[Allocated]:
    """Spread each unit's total credits over its charges, oldest first. Credits beyond all charges stay unallocated
    (they are the unit's prepayment, which the books hold on 2202, not here)."""
    out = []
    left = dict(credits_fen)
    for c in sorted(charges, key=lambda c: (c.unit, c.year, c.month)):
        a = Allocated(c)
        pay = min(max(left.get(c.unit, 0), 0), c.fen)
        a.paid_fen = pay
        left[c.unit] = left.get(c.unit, 0) - pay
        out.append(a)
    return out


def months_between(year: int, month: int, as_year: int, as_month: int) -> int:
    return (as_year - year) * 12 + (as_month - month)


def bucket(months: int) -> str:
    if months <= 0:
        return "current"
    if months <= 3:
        return "1-3"
    if months <= 6:
        return "4-6"
    if months <= 12:
        return "7-12"
    return "over12"


def aging(allocated: list[Allocated], as_year: int, as_month: int) -> dict[str, dict[str, int]]:
    """unit -> bucket -> open fen (every bucket present, plus 'total')."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {b: 0 for b in (*BUCKETS, "total")})
    for a in allocated:
        row = out[a.charge.unit]
        if a.open_fen:
            row[bucket(months_between(a.charge.year, a.charge.month, as_year, as_month))] += a.open_fen
            row["total"] += a.open_fen
    return dict(out)


def percent(rate: Fraction | None) -> str | None:
    """Fraction(19, 20) -> '95.00' (half-up, 2 decimals); None when nothing was billed."""
    if rate is None:
        return None
    hundredths = rate * 10000
    n, d = hundredths.numerator, hundredths.denominator
    value = (2 * n + d) // (2 * d)
    return f"{value // 100}.{value % 100:02d}"


@dataclass
class Collection:
    billed_fen: int = 0
    collected_fen: int = 0

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.collected_fen, self.billed_fen) if self.billed_fen else None


def collection(allocated: list[Allocated]) -> tuple[dict[tuple[int, int], Collection], dict[int, Collection]]:
    """Per (year, month) and per year: billed and collected against that billing."""
    months: dict[tuple[int, int], Collection] = defaultdict(Collection)
    years: dict[int, Collection] = defaultdict(Collection)
    for a in allocated:
        for c in (months[(a.charge.year, a.charge.month)], years[a.charge.year]):
            c.billed_fen += a.charge.fen
            c.collected_fen += a.paid_fen
    return dict(months), dict(years)
