"""Tables out of the back office as CSV or XLSX downloads (written by ledger/services/tables.py, in the
page's language), every export written to the audit log."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask_babel import get_locale

from ..services import access
from ..services.tables import MEDIA, csv_bytes, xlsx_bytes
from ..work import unit_of_work


def _english() -> bool:
    return str(get_locale() or "zh_CN").startswith("en")


def send_table(rows: list[dict], columns: list[str], filename: str, fmt: str, book, user, what: str,
               scope: str | None = None) -> Response:
    """Rows of plain values (money as decimal strings, dates as ISO strings) as a download.

    `scope` says what the table covers (截至 2026-03-31, 2026-03); without it the XLSX title gives the
    range of the rows' dates, if they have any."""
    english = _english()
    data = xlsx_bytes(rows, columns, book, what, english, scope) if fmt == "xlsx" else csv_bytes(rows, columns, english)
    unit_of_work(user).run(access.record_export, book, what, fmt, len(rows))
    response = Response(data, content_type=MEDIA[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename, safe='')}.{fmt}"
    return response
