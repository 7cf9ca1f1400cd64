"""The fee, allocation, aging and collection-rate rules, by hand-computed figures (pure: no database)."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from ledger.domain import arrears as ar
from ledger.domain.errors import InvalidInput
from ledger.domain.fees import (
    Rate, monthly_fee_fen, parse_rate, rate_in_force, rate_to_str, round_half_up_div, split_payment,
)


def test_one_rounding_per_unit_half_up():
    # 89.37 ㎡ × 2.35 = 210.0195 yuan -> 210.02; 100.30 ㎡ × 2.35 = 235.705 -> 235.71 (half up, not half even)
    assert monthly_fee_fen("per_m2", 23500, 8937) == 21002
    assert monthly_fee_fen("per_m2", 23500, 10030) == 23571
    # a rate with a hundredth of a fen: 45.50 ㎡ × 4.1235 = 187.619250 -> 187.62
    assert monthly_fee_fen("per_m2", 41235, 4550) == 18762
    assert monthly_fee_fen("fixed", 800000, 1250) == 8000
    assert round_half_up_div(5, 10) == 1 and round_half_up_div(4, 10) == 0 and round_half_up_div(-5, 10) == -1


def test_rates_parse_exactly():
    assert parse_rate("2.35") == 23500 and parse_rate("2.3456") == 23456 and parse_rate("８０") == 800000
    assert rate_to_str(23500) == "2.35" and rate_to_str(23456) == "2.3456"
    for bad in ("2.34567", "0", "-1", "abc", 2.35, ""):
        with pytest.raises(InvalidInput):
            parse_rate(bad)


def test_rate_in_force_is_the_latest_effective():
    rates = [Rate("residential", "per_m2", 20000, dt.date(2025, 1, 1)), Rate("residential", "per_m2", 23500, dt.date(2026, 1, 1)),
             Rate("parking", "fixed", 800000, dt.date(2025, 1, 1))]
    assert rate_in_force(rates, "residential", dt.date(2025, 12, 1)).rate_centi_fen == 20000
    assert rate_in_force(rates, "residential", dt.date(2026, 1, 1)).rate_centi_fen == 23500
    assert rate_in_force(rates, "shop", dt.date(2026, 1, 1)) is None


def test_payment_split():
    assert split_payment(50000, 21002) == (21002, 28998)
    assert split_payment(10000, 21002) == (10000, 0)
    assert split_payment(10000, 0) == (0, 10000)


def test_fifo_aging_and_collection_rate():
    charges = [ar.Charge("1-1", 2026, m, 10000) for m in (1, 2, 3)] + [ar.Charge("1-2", 2025, 1, 3000)]
    allocated = ar.allocate(charges, {"1-1": 15000})
    assert sorted((a.charge.unit, a.charge.month, a.charge.year, a.paid_fen) for a in allocated) == [
        ("1-1", 1, 2026, 10000), ("1-1", 2, 2026, 5000), ("1-1", 3, 2026, 0), ("1-2", 1, 2025, 0)]
    aging = ar.aging(allocated, 2026, 6)
    # Feb is 4 months old at June, March 3; January 2025 is 17 months old
    assert aging["1-1"] == {"current": 0, "1-3": 10000, "4-6": 5000, "7-12": 0, "over12": 0, "total": 15000}
    assert aging["1-2"]["over12"] == 3000
    assert [ar.bucket(m) for m in (0, 1, 3, 4, 6, 7, 12, 13)] == [
        "current", "1-3", "1-3", "4-6", "4-6", "7-12", "7-12", "over12"]
    months, years = ar.collection(allocated)
    assert months[(2026, 2)].rate == Fraction(1, 2)
    assert years[2026].rate == Fraction(15000, 30000)
    assert ar.percent(Fraction(2, 3)) == "66.67" and ar.percent(Fraction(1, 8)) == "12.50"
    assert ar.percent(Fraction(1, 200000)) == "0.00" and ar.percent(Fraction(1, 1)) == "100.00"
    assert ar.percent(None) is None


def test_refund_by_area_sums_exactly_to_the_surplus():
    from ledger.domain.fees import refund_shares

    # 100.00 yuan over three equal flats: 33.34 + 33.33 + 33.33 (the first in order takes the odd fen)
    assert refund_shares(10000, {"1-101": 9000, "1-102": 9000, "1-103": 9000}) == {"1-101": 3334, "1-102": 3333, "1-103": 3333}
    # 1000 fen over 89.37 / 100.30 / 45.50 ㎡ (235.17): exact 380.02, 426.50, 193.48 fen -> floors 380, 426, 193 (999);
    # the last fen goes to the largest remainder, 100.30 ㎡'s 0.50
    shares = refund_shares(1000, {"1-101": 8937, "1-102": 10030, "2-101": 4550})
    assert shares == {"1-101": 380, "1-102": 427, "2-101": 193} and sum(shares.values()) == 1000
    import random

    rng = random.Random(9)
    for _ in range(200):
        areas = {f"u{i}": rng.randint(0, 30000) for i in range(rng.randint(1, 40))}
        surplus = rng.randint(0, 10**9)
        if sum(areas.values()) == 0:
            continue
        shares = refund_shares(surplus, areas)
        assert sum(shares.values()) == surplus
        assert all(abs(shares[u] * sum(areas.values()) - surplus * a) < sum(areas.values()) for u, a in areas.items())
    with pytest.raises(InvalidInput):
        refund_shares(-1, {"a": 1})
