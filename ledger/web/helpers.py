"""Template helpers: money and names in the reader's language."""
from __future__ import annotations

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from ..domain.money import fen_to_decimal


def localized_name(obj) -> str:
    locale = str(get_locale() or "zh_CN")
    return obj.name_en if locale.startswith("en") else obj.name_zh


def money(fen: int | None) -> str:
    if fen is None:
        return ""
    return format_decimal(fen_to_decimal(fen), format="#,##0.00")


def register_helpers(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["lname"] = localized_name
    from .audit_words import describe, detail_text, target_text

    app.jinja_env.filters["audit_action"] = describe
    app.jinja_env.filters["audit_detail"] = detail_text
    app.jinja_env.filters["audit_target"] = target_text
    from ..domain.vouchers import KINDS, human_size

    kinds = {k.media_type: k.label for k in KINDS}
    app.jinja_env.filters["voucher_kind"] = lambda media_type: kinds.get(media_type, media_type)
    app.jinja_env.filters["file_size"] = human_size
    app.jinja_env.filters["date"] = lambda d: format_date(d, "medium") if d else ""
    app.jinja_env.filters["datetime"] = lambda d: format_datetime(d, "short") if d else ""
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "zh_CN")
