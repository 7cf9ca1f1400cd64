"""Journal entries (记账凭证): list, read, draft, edit, submit, approve, reject, reverse.

Creating is idempotent: send an `Idempotency-Key` header (or `idempotency_key` in
the body) and a retry with the same content returns the entry made the first
time, with status 200 instead of 201; the same key with different content is a
409 `idempotency_conflict`. (Two identical requests racing each other may both
get 201; they still make one entry.)
"""
from __future__ import annotations

from flask.views import MethodView

from ..db.session import get_session as db
from ..db.schema import Entry
from ..domain.model import EntryInput, line_from_parts
from ..domain.money import to_fen
from ..services import entries as entry_service
from ..services.reports import JournalFilter, find_entries
from . import present
from .auth import readable_book, unit_of_work
from .common import ID, IN_BOOK, QUERY, WRITE, api_blueprint, refusals
from .errors import RequestInvalid
from .schemas import (
    EntryCreateSchema,
    EntryPageSchema,
    EntryQuerySchema,
    EntrySchema,
    EntryWriteSchema,
    IdempotencyHeaderSchema,
    RejectSchema,
    ReverseSchema,
)

bp = api_blueprint("api_entries", "Journal entries: draft → submitted → posted (or rejected), and reversal (红字冲销).")

ENTRY = f"/books/<ledgercode:book>/entries/<{ID}:entry_id>"
REPLAYED = "The same request was made before with this idempotency key: the entry made then."


def _key(headers: dict, body: dict) -> str | None:
    in_header, in_body = headers.get("idempotency_key"), body.get("idempotency_key")
    if in_header and in_body and in_header != in_body:
        raise RequestInvalid(
            "Idempotency-Key 头与请求体中的 idempotency_key 不一致",
            "the Idempotency-Key header and the body's idempotency_key differ",
            "idempotency_key",
        )
    return in_header or in_body


def _entry_input(body: dict, key: str | None = None) -> EntryInput:
    lines = tuple(line_from_parts(i, **line) for i, line in enumerate(body["lines"]))
    return EntryInput(date=body["date"], summary=body["summary"], lines=lines, idempotency_key=key)


def _answer(session, entry: Entry, book, status: int = 200):
    session.expire_all()  # relationships changed by the service (approvals, reversal links) are read afresh
    return present.entry(session, entry, book), status


@bp.route("/books/<ledgercode:book>/entries")
class Entries(MethodView):
    @bp.arguments(EntryQuerySchema, **QUERY)
    @bp.response(200, EntryPageSchema)
    @refusals(bp, *IN_BOOK, 422)
    def get(self, book, query):
        """The journal, newest first, filtered; `limit`/`offset` pages, `has_more` says if there is another."""
        session = db()
        b = readable_book(book)
        f = JournalFilter(
            status=None if query["status"] == "all" else query["status"],
            year=query.get("year"), month=query.get("month"), account=query.get("account"), fund=query.get("fund"),
            text=query.get("text"),
            min_fen=to_fen(query["min_amount"]) if query.get("min_amount") is not None else None,
            max_fen=to_fen(query["max_amount"]) if query.get("max_amount") is not None else None,
        )
        rows, has_more = find_entries(session, b, f, limit=query["limit"], offset=query["offset"])
        return {
            "items": [present.entry_summary(e, b) for e in rows],
            "limit": query["limit"], "offset": query["offset"], "has_more": has_more,
        }

    @bp.arguments(EntryCreateSchema, arg_name="body")
    @bp.arguments(IdempotencyHeaderSchema, location="headers", arg_name="headers")
    @bp.response(201, EntrySchema)
    @bp.alt_response(200, schema=EntrySchema, description=REPLAYED, success=True)
    @refusals(bp, *WRITE)
    def post(self, book, body, headers):
        """Make an entry: a draft, or submitted for approval with `submit: true`.

        Lines are `{account, fund, debit | credit | amount, note}`, amounts as decimal strings.
        """
        session = db()
        b = readable_book(book)
        key = _key(headers, body)
        data = _entry_input(body, key)
        earlier = entry_service.made_with_key(session, b, key)
        entry = unit_of_work().run(entry_service.create_entry, b, data, submit=body["submit"])
        return _answer(session, entry, b, 200 if earlier is not None and earlier == entry.id else 201)


@bp.route(ENTRY)
class OneEntry(MethodView):
    @bp.response(200, EntrySchema)
    @refusals(bp, *IN_BOOK)
    def get(self, book, entry_id):
        """An entry with its lines, approvals, attachments and reversal links."""
        session = db()
        b = readable_book(book)
        return present.entry(session, entry_service.get_entry(session, b, entry_id), b)

    @bp.arguments(EntryWriteSchema, arg_name="body")
    @bp.response(200, EntrySchema)
    @refusals(bp, *WRITE)
    def put(self, book, entry_id, body):
        """Rewrite a draft or rejected entry (its maker only); it is a draft again afterwards."""
        session = db()
        b = readable_book(book)
        entry = entry_service.get_entry(session, b, entry_id)
        entry = unit_of_work().run(entry_service.update_draft, b, entry, _entry_input(body))
        return _answer(session, entry, b)


@bp.route(f"{ENTRY}/submit", methods=["POST"])
@bp.response(200, EntrySchema)
@refusals(bp, 403, 404, 409)
def submit(book, entry_id):
    """Submit a draft (or a rejected entry) for approval (its maker only)."""
    session = db()
    b = readable_book(book)
    entry = unit_of_work().run(entry_service.submit_entry, b, entry_service.get_entry(session, b, entry_id))
    return _answer(session, entry, b)


@bp.route(f"{ENTRY}/approve", methods=["POST"])
@bp.response(200, EntrySchema)
@refusals(bp, 403, 404, 409)
def approve(book, entry_id):
    """Approve a submitted entry (committee, fund manager; never its maker); posts it once it has enough approvals."""
    session = db()
    b = readable_book(book)
    entry = unit_of_work().run(entry_service.approve_entry, b, entry_service.get_entry(session, b, entry_id))
    return _answer(session, entry, b)


@bp.route(f"{ENTRY}/reject", methods=["POST"])
@bp.arguments(RejectSchema, arg_name="body")
@bp.response(200, EntrySchema)
@refusals(bp, *WRITE)
def reject(book, entry_id, body):
    """Send a submitted entry back to its maker, with a reason."""
    session = db()
    b = readable_book(book)
    entry = entry_service.get_entry(session, b, entry_id)
    entry = unit_of_work().run(entry_service.reject_entry, b, entry, body["reason"])
    return _answer(session, entry, b)


@bp.route(f"{ENTRY}/reverse", methods=["POST"])
@bp.arguments(ReverseSchema, arg_name="body", required=False)
@bp.arguments(IdempotencyHeaderSchema, location="headers", arg_name="headers")
@bp.response(201, EntrySchema)
@bp.alt_response(200, schema=EntrySchema, description=REPLAYED, success=True)
@refusals(bp, *WRITE)
def reverse(book, entry_id, body, headers):
    """Draft the red-ink reversal (红字冲销) of a posted entry and submit it for approval; returns the reversal."""
    session = db()
    b = readable_book(book)
    original = entry_service.get_entry(session, b, entry_id)
    key = _key(headers, body)
    earlier = entry_service.made_with_key(session, b, key)
    entry = unit_of_work().run(entry_service.reverse_entry, b, original, date=body.get("date"), idempotency_key=key)
    return _answer(session, entry, b, 200 if earlier is not None and earlier == entry.id else 201)
