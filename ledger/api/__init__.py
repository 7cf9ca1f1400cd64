"""The JSON API at /api/v1 (flask-smorest): the same services as the web pages, as JSON.

- Authentication: `Authorization: Bearer <token>` (tokens: `ledger tokens create`), or the
  signed-in session for our own pages, which must then send `X-Requested-With` on changes.
- Money: decimal strings of yuan ("1234.56"), never numbers.
- Errors: {"code", "message": {"zh_CN", "en"}, "field"}, with the ledger's status codes.
- The OpenAPI document (/api/v1/openapi.json) is generated from the schemas in schemas.py;
  /api/v1/docs lays it out as a page.
"""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from .common import CONVERTERS
from .errors import install_routing_errors
from .schemas import ApiErrorSchema

DESCRIPTION = """\
共治账本的 JSON 接口：账簿、科目、基金、会计期间、记账凭证（草稿、提交、审批、退回、冲销）、附件、科目余额表和明细账；\
信托制物业的房屋与业主名册、物业费标准、账单、缴费、欠费账龄与收缴率、银行流水导入、核对与对账、预算执行、业主大会决定与表决统计、\
公共收益合同、受托人酬金。 The JSON API of the Community Trust Ledger: books, accounts, funds, periods, entries (draft, \
submit, approve, reject, reverse), attachments, trial balance and account ledger; and a trust-property book's \
operations: the units register, fee rates, billing runs, payments, arrears by age and the collection rate, bank \
statements (import, matching, reconciliation), budget against actual, owners' resolutions and their tally, \
 public-revenue contracts and the trustee's remuneration; a fund book's micro-projects with government matching \
(projects, matching pools, the match preview, donations with their receipt, match and funder code, refunds, \
settlement) and its grants (programmes, applications, reviews, decisions, tranches, reports with their receipts, \
closing; every grant POST takes an `Idempotency-Key`).

Authentication: send `Authorization: Bearer <token>` (a user makes tokens on the /tokens page, an administrator with \
`ledger tokens create USERNAME --name NAME`; only their SHA-256 is kept, so a lost token is revoked and replaced, never recovered). A page of this site \
may use its sign-in session instead; then every request that changes something must also send an `X-Requested-With` \
header, or it is refused with 403 `requested_with_missing`.

Money is a decimal string of yuan with at most two decimals ("1234.56"), never a JSON number. Roles are those of the \
back office: makers (treasurer, committee, trustee, fund manager) enter entries, committee members and fund managers \
approve and close, everyone with a role reads; the maker of an entry never approves it.

Errors are JSON objects {"code", "message": {"zh_CN", "en"}, "field"}; a refused file (a register, a votes file, a \
bank statement: all or nothing) adds `problems`, every bad row as {"row", "column", "message": {"zh_CN", "en"}}: 401 without valid credentials, 403 without the \
role, 404 for an unknown book or entry, 405 (with an Allow header) for a method a path does not take, 409 for a \
conflict with the ledger's state (closed period, entry not in the right status, idempotency key reused with other \
content), 400 for a request the ledger's rules refuse (unbalanced entry, unknown account), 422 for a request that does \
not match its schema (with every field at fault in `details`).

Idempotency: entry creation and reversal take an `Idempotency-Key` header (or `idempotency_key` in the body). A retry \
with the same key and content answers 200 with the entry made the first time (the first answer was 201); the same key \
with other content is 409 `idempotency_conflict`. Two identical requests racing each other may both answer 201; they \
still make one entry. A month's billing run made twice makes nothing the second time (200, `created: false`); a bank \
statement imported again adds only the rows not already held (`duplicates` counts the others).

Files (units register, votes, bank statements) are sent as multipart/form-data, the file in the field `file`. The \
register names owners and their phones, and bank rows name payers: they are read by those who may read the register \
(treasurer, committee, supervisor, trustee); arrears per unit by those who may read them, per building by everyone \
with a role in the book. Every change is refused (403) before its body is read when the caller may not make it."""


class LedgerApi(Api):
    """flask-smorest's Api, with our error schema, and errors in JSON for the API's blueprints only."""

    ERROR_SCHEMA = ApiErrorSchema
    # Each operation lists the errors it can give; a catch-all "default" would make every status "documented".
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        # flask-smorest would answer every HTTP error of the whole app in JSON; the web pages keep HTML.
        pass


def init_api(app: Flask) -> None:
    """Register the API blueprints on the app."""
    from ..app import csrf
    from . import attachments, bank, books, docs, entries, fees, grants, projects, register, reports, trust

    app.config.setdefault("API_TITLE", "共治账本 Community Trust Ledger")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", None)  # docs.py serves the document and the page
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
    })
    for name, (converter, _schema) in CONVERTERS.items():
        app.url_map.converters[name] = converter

    api = LedgerApi(app)
    app.extensions["ledger_api"] = api
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An API token from `ledger tokens create`."}
    )
    for converter, schema in CONVERTERS.values():
        api.register_converter(converter, schema)

    for module in (books, entries, attachments, reports, register, fees, bank, trust, projects, grants):
        csrf.exempt(module.bp)  # token requests carry no cookie; session changes need X-Requested-With (auth.py)
        api.register_blueprint(module.bp)
    app.register_blueprint(docs.bp)
    install_routing_errors(app)
