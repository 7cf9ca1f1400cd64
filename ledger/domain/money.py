"""Money: integer fen inside, Decimal at the edges, decimal strings outside.

A float never becomes money: binary fractions cannot hold 0.1 exactly, and a
ledger that rounds silently cannot be trusted.
"""
from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from .errors import InvalidAmount

FEN_PER_YUAN = 100
# ±9,000,000,000,000.00 yuan fits a BIGINT of fen with room to sum a million lines.
MAX_ABS_FEN = 9 * 10**14


def _normalise_text(text: str) -> str:
    # Phones and Chinese IMEs type full-width digits (１２３４．５０) and separators.
    text = unicodedata.normalize("NFKC", text).strip()
    text = text.replace(",", "").replace("，", "").replace(" ", "").replace("¥", "").replace("￥", "")
    return text


def parse_amount(value, field: str | None = None) -> Decimal:
    """Turn user or file input into a Decimal of at most two decimals.

    Accepts Decimal, int and strings such as ``"1234.5"``, ``"1,234.50"`` or
    full-width ``"１２３４.５"``; refuses floats, booleans, non-numbers, NaN,
    infinities and more than two decimals.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidAmount(
            f"金额不能是浮点数（{value!r}），请以字符串给出，如 \"1234.56\"",
            f"amount must not be a float ({value!r}); give it as a string such as \"1234.56\"",
            field,
        )
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = _normalise_text(value)
        if not text:
            raise InvalidAmount("金额为空", "amount is empty", field)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise InvalidAmount(
                f"金额“{value}”不是数字", f"amount \"{value}\" is not a number", field
            ) from None
    else:
        raise InvalidAmount(
            f"金额类型不受支持：{type(value).__name__}",
            f"unsupported amount type: {type(value).__name__}",
            field,
        )
    if not amount.is_finite():
        raise InvalidAmount(f"金额“{value}”不是有限数", f"amount \"{value}\" is not finite", field)
    if abs(amount) * FEN_PER_YUAN > MAX_ABS_FEN:
        raise InvalidAmount(f"金额“{value}”过大", f"amount \"{value}\" is too large", field)
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise InvalidAmount(
            f"金额“{value}”超过两位小数（分）",
            f"amount \"{value}\" has more than two decimals (fen)",
            field,
        )
    return amount.quantize(Decimal("0.01"))


def to_fen(value, field: str | None = None) -> int:
    """Parse an amount and return it as integer fen."""
    return int(parse_amount(value, field) * FEN_PER_YUAN)


def fen_to_decimal(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def fen_to_str(fen: int) -> str:
    """Render fen as a plain decimal string, e.g. 123456 -> "1234.56"."""
    return str(fen_to_decimal(fen))


def format_fen(fen: int) -> str:
    """Render fen for people: thousands separators, two decimals."""
    return f"{fen_to_decimal(fen):,.2f}"
