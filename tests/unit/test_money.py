"""Amounts as people type them, and the ones the ledger must refuse."""
from decimal import Decimal

import pytest

from ledger.domain.errors import InvalidAmount
from ledger.domain.money import fen_to_str, format_fen, parse_amount, to_fen


@pytest.mark.parametrize("text, fen", [
    ("1234.5", 123450),
    ("1,234.50", 123450),
    ("１２３４．５０", 123450),  # full-width, from a Chinese IME
    ("１，２３４.５", 123450),
    (" ¥88.8 ", 8880),
    ("-0.01", -1),
    ("100", 10000),
    (100, 10000),
    (Decimal("0.10"), 10),
    ("1.500", 150),  # trailing zeros are not extra precision
])
def test_accepted_amounts(text, fen):
    assert to_fen(text) == fen


@pytest.mark.parametrize("value, words", [
    (1.5, "float"),
    (0.1, "float"),
    (True, "float"),
    ("12.345", "more than two decimals"),
    ("abc", "not a number"),
    ("", "empty"),
    ("NaN", "not finite"),
    ("Infinity", "not finite"),
    ("1e30", "too large"),
    (None, "unsupported"),
])
def test_refused_amounts_say_why(value, words):
    with pytest.raises(InvalidAmount) as info:
        parse_amount(value, field="lines[0].debit")
    assert words in info.value.message_en
    assert info.value.message_zh  # and in Chinese
    assert info.value.field == "lines[0].debit"


def test_rendering():
    assert fen_to_str(123456) == "1234.56"
    assert fen_to_str(-5) == "-0.05"
    assert format_fen(123456789) == "1,234,567.89"
