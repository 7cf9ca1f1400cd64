"""Tables out as CSV or XLSX (pandas), every export written to the audit log."""
from __future__ import annotations

import io

import pandas as pd
from flask import Response

from ..app import db
from ..services.access import audit

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def send_table(rows: list[dict], columns: list[str], filename: str, fmt: str, book, user, what: str) -> Response:
    """Rows of plain values (money already as decimal strings) as a download."""
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    buffer = io.BytesIO()
    if fmt == "xlsx":
        frame.to_excel(buffer, index=False, sheet_name=what[:31], engine="openpyxl")
    else:
        # utf-8 with BOM: Excel on a committee member's laptop then shows Chinese correctly.
        buffer.write(frame.to_csv(index=False).encode("utf-8-sig"))
    session = db()
    audit(session, user, book, "export", what, format=fmt, rows=len(rows))
    session.commit()
    response = Response(buffer.getvalue(), content_type=MEDIA[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}.{fmt}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
