"""Property fees: rates and the one rounding of a unit's monthly fee (pure rules, no I/O).

A rate is kept exactly as an integer in hundredths of a fen (1/100 分): 2.35 yuan/㎡ is 23,500; 2.3456 yuan/㎡ is
23,456. A unit's fee for a month is

    per_m2: round_half_up(area_centi_m2 × rate_centi_fen / 10,000) fen   (area in 1/100 ㎡, rate in 1/100 fen)
    fixed:  round_half_up(rate_centi_fen / 100) fen

rounded once per unit and month, never per line or per building, so a unit's bill never depends on its neighbours.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .errors import InvalidInput
from .money import _normalise_text

USES = ("residential", "shop", "parking")
BASES = ("per_m2", "fixed")
CHANNELS = {"cash": "1001", "bank": "1002", "wechat": "1012", "alipay": "1012"}
RECEIVABLE, PREPAID, FEE_INCOME = "1122", "2202", "4101"
MAX_RATE_CENTI_FEN = 10**12


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, on integers only."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))


def parse_rate(value, field: str = "rate") -> int:
    """'2.35' (yuan, up to four decimals: 1/100 fen) -> 23500 hundredths of a fen."""
    if isinstance(value, (bool, float)):
        raise InvalidInput(f"费率不能是浮点数（{value!r}）", f"a rate must not be a float ({value!r})", field)
    text = _normalise_text(str(value if value is not None else ""))
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"费率“{value}”不是数字", f"rate \"{value}\" is not a number", field) from None
    if not rate.is_finite() or rate <= 0:
        raise InvalidInput(f"费率“{value}”须为正数", f"rate \"{value}\" must be positive", field)
    scaled = rate * 10000
    if scaled != scaled.to_integral_value():
        raise InvalidInput(f"费率“{value}”最多四位小数（0.01分）", f"rate \"{value}\" has more than four decimals "
                           "(1/100 fen)", field)
    if scaled > MAX_RATE_CENTI_FEN:
        raise InvalidInput(f"费率“{value}”过大", f"rate \"{value}\" is too large", field)
    return int(scaled)


def rate_to_str(rate_centi_fen: int) -> str:
    """23500 -> '2.35'; 23456 -> '2.3456' (yuan, at least two decimals)."""
    text = f"{Decimal(rate_centi_fen) / 10000:.4f}"
    return text[:-2] if text.endswith("00") else text


def monthly_fee_fen(basis: str, rate_centi_fen: int, area_centi_m2: int) -> int:
    if basis == "per_m2":
        return round_half_up_div(area_centi_m2 * rate_centi_fen, 10000)
    if basis == "fixed":
        return round_half_up_div(rate_centi_fen, 100)
    raise InvalidInput(f"计费方式“{basis}”无效", f"basis \"{basis}\" is not valid", "basis")


@dataclass(frozen=True)
class Rate:
    use: str
    basis: str
    rate_centi_fen: int
    effective_from: dt.date


def rate_in_force(rates: list[Rate], use: str, day: dt.date) -> Rate | None:
    """The latest rate for `use` effective on or before `day` (later rows win a tie)."""
    best = None
    for r in rates:
        if r.use == use and r.effective_from <= day and (best is None or r.effective_from >= best.effective_from):
            best = r
    return best


def split_payment(amount_fen: int, open_receivable_fen: int) -> tuple[int, int]:
    """(to receivable, to prepayment): the receivable first, up to what is open; the rest is prepaid."""
    to_receivable = max(0, min(amount_fen, open_receivable_fen))
    return to_receivable, amount_fen - to_receivable


def refund_shares(surplus_fen: int, areas_centi_m2: dict[str, int]) -> dict[str, int]:
    """Split a year-end surplus among units pro rata by floor area, to the fen, summing exactly to the surplus
    (largest remainder: each unit gets the floor of its exact share; the fen left over go one each to the largest
    remainders, ties to the unit listed first in sorted order). A unit with no area gets nothing."""
    if surplus_fen < 0:
        raise InvalidInput("退还的结余不能为负", "a refunded surplus cannot be negative", "surplus")
    if any(a < 0 for a in areas_centi_m2.values()):
        raise InvalidInput("面积不能为负", "an area cannot be negative", "area")
    total_area = sum(areas_centi_m2.values())
    if total_area == 0:
        if surplus_fen:
            raise InvalidInput("没有面积可以分配结余", "there is no floor area to share the surplus by", "area")
        return {k: 0 for k in areas_centi_m2}
    shares, remainders = {}, []
    for unit in sorted(areas_centi_m2):
        whole, rest = divmod(surplus_fen * areas_centi_m2[unit], total_area)
        shares[unit] = whole
        remainders.append((-rest, unit))
    for _, unit in sorted(remainders)[: surplus_fen - sum(shares.values())]:
        shares[unit] += 1
    return shares


_SEPARATORS = r"\s*(?:-|栋|幢|号楼|座|#)\s*"


def units_named_in(text: str, units: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The units (building, number) a bank memo names: "3-1201", "3栋1201", "3号楼1201室", "３幢１２０１" (full-width
    folded). A payer writes their unit as they like; only a whole building and a whole number count, so "13-1201"
    never names 3-1201."""
    import re
    import unicodedata

    folded = unicodedata.normalize("NFKC", text or "")
    lowered = folded.lower()
    found = []
    for building, number in units:
        if number.lower() not in lowered or building.lower() not in lowered:
            continue  # cheap first: a compound has hundreds of units and a memo names one
        pattern = (r"(?<![0-9A-Za-z])" + re.escape(building) + _SEPARATORS + re.escape(number) + r"(?![0-9A-Za-z])")
        if re.search(pattern, folded, flags=re.IGNORECASE):
            found.append((building, number))
    return found
