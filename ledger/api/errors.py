"""Every API error is JSON: {"code", "message": {"zh_CN", "en"}, "field"}.

The handlers are registered on the API blueprints only, so the web pages keep
their HTML errors; a request under /api/ that matches no route (404, 405) is
answered from a before-request hook, because Flask knows no blueprint for it.
"""
from __future__ import annotations

import re

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, default_exceptions

from ..domain.errors import AuthenticationFailed, LedgerError, PermissionDenied

API_PREFIX = "/api/"


class RequestedWithMissing(PermissionDenied):
    """A session-authenticated change without the X-Requested-With header (a cross-site form could send it)."""

    code = "requested_with_missing"


def error_response(status: int, code: str, zh: str, en: str, field: str | None = None,
                   details: dict | None = None, headers: dict | None = None, problems: list | None = None):
    body = {"code": code, "message": {"zh_CN": zh, "en": en}, "field": field}
    if details:
        body["details"] = details
    if problems:
        body["problems"] = problems
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ledger"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def ledger_error(e: LedgerError):
    return error_response(e.status, e.code, e.message_zh, e.message_en, e.field, problems=file_problems(e))


def file_problems(e: LedgerError) -> list[dict] | None:
    """Every bad row of a refused file (a register, a votes file, a bank statement), each with its row, column and
    message in both languages: {"row", "column", "message": {"zh_CN", "en"}}."""
    found = getattr(e, "problems", None)
    if not found:
        return None
    out = []
    for p in found:
        if isinstance(p, dict):  # a bank statement's: its messages already say where
            out.append({"row": p.get("row"), "column": p.get("column"), "message": {"zh_CN": p["zh"], "en": p["en"]}})
        else:  # ledger.domain.register.Problem
            from ..domain.register import COLUMN_NAMES

            out.append({"row": p.row, "column": p.column, "message": {
                "zh_CN": f"第{p.row}行“{COLUMN_NAMES.get(p.column, p.column)}”列：{p.message_zh}",
                "en": f"row {p.row}, column {p.column}: {p.message_en}"}})
    return out


# ------------------------------------------------------------- validation messages

# marshmallow speaks English; these are its messages (and ours) in Chinese.
_ZH = {
    "Missing data for required field.": "缺少必填字段",
    "Field may not be null.": "不能为空值（null）",
    "Not a valid string.": "须为字符串",
    "Not a valid integer.": "须为整数",
    "Not a valid boolean.": "须为 true 或 false",
    "Not a valid date.": "不是有效日期（格式 YYYY-MM-DD）",
    "Not a valid list.": "须为列表",
    "Not a valid mapping type.": "须为对象",
    "Invalid input type.": "输入类型无效，须为 JSON 对象",
    "Invalid value.": "值无效",
    "Unknown field.": "未知字段",
    "Invalid JSON body.": "请求体不是有效的 JSON",
    "Must not contain control characters.": "不能包含控制字符",
    "Must be 1 to 32 letters, digits, - or _, starting with a letter or digit.": "须为1到32位字母、数字、- 或 _，以字母或数字开头",
    "Must be 1 to 128 printable ASCII characters.": "须为1到128个可打印的 ASCII 字符",
    "Give year with month.": "指定月份时须同时指定年份",
    "Must be a month as YYYY-MM.": "须为 YYYY-MM 格式的月份",
    "Must be a decimal string with at most four decimals, e.g. \"2.35\".": "须为最多四位小数的数字字符串，如 \"2.35\"",
    "Must be a decimal string of yuan with at most two decimals, e.g. \"1234.56\".":
        "金额须为字符串形式的元，最多两位小数，如 \"1234.56\"",
}
_ZH_PATTERNS = [
    (re.compile(r"Must be one of: (.*)\."), r"须为以下之一：\1"),
    (re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\."), r"须在 \1 到 \2 之间"),
    (re.compile(r"Length must be between (\d+) and (\d+)\."), r"长度须在 \1 到 \2 之间"),
    (re.compile(r"Shorter than minimum length (\d+)\."), r"长度不能少于 \1"),
    (re.compile(r"Longer than maximum length (\d+)\."), r"长度不能超过 \1"),
    (re.compile(r"Must be between (\S+) and (\S+)\."), r"须在 \1 到 \2 之间"),
    (re.compile(r"Not a valid (\w+)\."), r"类型无效（须为 \1）"),
]


def _zh(message: str) -> str:
    if message in _ZH:
        return _ZH[message]
    for pattern, replacement in _ZH_PATTERNS:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


def _flatten(messages, path: str = "") -> list[tuple[str, str]]:
    """{"lines": {0: {"debit": ["..."]}}} -> [("lines[0].debit", "...")]."""
    found: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                child = path
            elif isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                child = f"{path}[{key}]"
            else:
                child = f"{path}.{key}" if path else str(key)
            found.extend(_flatten(value, child))
    elif isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            found.extend((path, m) for m in messages)
        else:
            for item in messages:
                found.extend(_flatten(item, path))
    else:
        found.append((path, str(messages)))
    return found


def validation_error(status: int, messages) -> "object":
    """A webargs/marshmallow refusal: the first field at fault, and all of them in `details`."""
    # webargs keys messages by location ("json", "query", "headers"): the field path is what follows.
    items = []
    if isinstance(messages, dict):
        for _location, inner in messages.items():
            items.extend(_flatten(inner))
    else:
        items = _flatten(messages)
    if not items:
        items = [("", "Invalid value.")]
    details: dict[str, list[str]] = {}
    for path, message in items:
        details.setdefault(path or "_request", []).append(message)
    field, message = items[0]
    field = field or None
    where_en = f"{field}: " if field else ""
    where_zh = f"{field}：" if field else ""
    code = "invalid_json" if message == "Invalid JSON body." else "validation_error"
    return error_response(status, code, f"请求内容有误：{where_zh}{_zh(message)}", f"invalid request: {where_en}{message}",
                          field, details)


# ------------------------------------------------------------- HTTP errors

_HTTP = {
    400: ("bad_request", "请求无效", "bad request"),
    401: ("authentication_required", "需要 API 令牌或登录", "authentication required"),
    403: ("forbidden", "无权访问", "forbidden"),
    404: ("not_found", "找不到该资源", "no such resource"),
    405: ("method_not_allowed", "该资源不支持此请求方法", "this method is not allowed on this resource"),
    406: ("not_acceptable", "无法提供所要求的格式", "cannot answer in the format asked for"),
    413: ("request_too_large", "请求内容过大", "the request is too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "unsupported media type"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试", "too many requests; try again later"),
    500: ("internal_error", "服务器内部错误，请稍后再试", "internal server error; please try again later"),
}


def http_error(e: HTTPException):
    status = e.code or 500
    data = getattr(e, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if messages and status in (400, 422):
        return validation_error(status, messages)
    code, zh, en = _HTTP.get(status, (re.sub(r"\W+", "_", (e.name or "error").lower()), e.name, e.name))
    headers = {}
    if isinstance(e, MethodNotAllowed) and e.valid_methods:
        headers["Allow"] = ", ".join(sorted(e.valid_methods))
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit:
            zh, en = f"{zh}（上限 {limit // (1024 * 1024)} MB）", f"{en} (at most {limit // (1024 * 1024)} MB)"
    return error_response(status, code, zh, en, None, headers=headers)


def register_error_handlers(blueprint) -> None:
    """JSON errors for one API blueprint: by code too, so an app-wide handler for a code cannot win."""
    blueprint.register_error_handler(LedgerError, ledger_error)
    blueprint.register_error_handler(HTTPException, http_error)
    for code in default_exceptions:
        blueprint.register_error_handler(code, http_error)


def install_routing_errors(app: Flask) -> None:
    """404 and 405 under /api/ as JSON (no blueprint is known when routing failed)."""

    @app.before_request
    def _api_routing_error():
        exc = request.routing_exception
        if exc is None or not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exc, (NotFound, MethodNotAllowed)):
            return http_error(exc)
        return None


def unauthenticated() -> AuthenticationFailed:
    return AuthenticationFailed(
        "需要身份验证：请在 Authorization 头中提供 Bearer 令牌，或先登录",
        "authentication required: send Authorization: Bearer <token>, or sign in",
        "Authorization",
    )


class RequestInvalid(LedgerError):
    """A request the schemas let through but that contradicts itself (e.g. two different idempotency keys)."""

    code = "validation_error"
    status = 422
