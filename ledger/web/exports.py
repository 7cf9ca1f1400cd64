"""Tables out as CSV or XLSX (pandas), every export written to the audit log.

No text cell can become a live formula: every value goes through `safe_cell`, the same rule
for both formats (see ledger/domain/cells.py)."""
from __future__ import annotations

import io

import pandas as pd
from flask import Response
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..db.session import get_session as db
from ..domain.cells import safe_cell
from ..services.access import audit

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def send_table(rows: list[dict], columns: list[str], filename: str, fmt: str, book, user, what: str) -> Response:
    """Rows of plain values (money already as decimal strings) as a download."""
    rows = [{k: _cell(v, fmt) for k, v in row.items()} for row in rows]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    buffer = io.BytesIO()
    if fmt == "xlsx":
        frame.to_excel(buffer, index=False, sheet_name=what[:31], engine="openpyxl")
    else:
        # utf-8 with BOM: Excel on a committee member's laptop then shows Chinese correctly.
        # CRLF as RFC 4180 says; it also makes the writer quote a cell holding a lone CR, which
        # would otherwise end the row early in a spreadsheet.
        buffer.write(frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
    session = db()
    audit(session, user, book, "export", what, format=fmt, rows=len(rows))
    session.commit()
    response = Response(buffer.getvalue(), content_type=MEDIA[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}.{fmt}"
    return response


def _cell(value, fmt: str):
    value = safe_cell(value)
    if fmt == "xlsx" and isinstance(value, str):
        # XML cannot hold most C0 control characters; openpyxl would refuse the whole workbook.
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
