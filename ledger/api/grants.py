"""Grants of a fund book (治理创新基金, issue 10): programmes with their figures, applications, reviews, decisions,
tranches, reports (with their receipts as files) and closing, through ledger/services/grants.py and the permissions
table only.

Who sees what, as in the back office: everyone with a role in the book reads programmes and applications; an
applicant's contact is for those who record applications or decide them; each reviewer's name, score and comment
are for the programme's reviewers and the fund managers (others get the number of scores and their average).
Every POST takes an `Idempotency-Key` header: the same request sent again answers 200 with what it made the first
time (201 then); the same key with other content is 409 `idempotency_conflict`.
"""
from __future__ import annotations

import json

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate

from .. import work
from ..db.session import get_session as db
from ..domain.errors import InvalidInput, NotFound
from ..domain.money import fen_to_str, to_fen
from ..domain.permissions import Action
from ..services import access, grants
from .auth import actor, readable_book, unit_of_work
from .common import ID, IN_BOOK, QUERY, WRITE, api_blueprint, refusals, requires
from .schemas import IdempotencyHeaderSchema, IsoDate, LedgerDate, Money, Text, Yuan

bp = api_blueprint("api_grants", "Grants of a fund book (治理创新基金): programmes, applications, reviews, decisions, "
                                 "tranches, reports with their receipts, closing.")

APP = f"/books/<ledgercode:book>/grants/applications/<{ID}:application_id>"
REPLAYED = "Sent before with this idempotency key: what was made then, nothing new."


# --- schemas --------------------------------------------------------------------------------------------------------

class ProgrammeSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    fund = fields.String(required=True)
    pool = Yuan(required=True)
    ceiling = Yuan(required=True)
    committed = Yuan(required=True)
    uncommitted = Yuan(required=True)
    paid = Yuan(required=True)
    opens_on = IsoDate(required=True)
    closes_on = IsoDate(required=True)
    criteria = fields.String(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "Applications by status: submitted, awarded, declined, closed."})


class ApplicationSummarySchema(Schema):
    id = fields.Integer(required=True)
    applicant = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    asked = Yuan(required=True)
    status = fields.String(required=True)
    received_on = IsoDate(required=True)
    scores = fields.Integer(required=True)
    average_score = fields.String(allow_none=True, required=True)
    awarded = Yuan(required=True)
    paid = Yuan(required=True)


class ApplicationSchema(ApplicationSummarySchema):
    programme = fields.String(required=True)
    purpose = fields.String(required=True)
    contact = fields.String(allow_none=True, required=True,
                            metadata={"description": "Only for those who record or decide applications; else null."})
    budget = fields.List(fields.Dict(), required=True)
    reviews = fields.List(fields.Dict(), allow_none=True, required=True,
                          metadata={"description": "Each reviewer's score and comment: for the programme's reviewers "
                                                   "and fund managers; null for others."})
    conflicts = fields.Integer(required=True)
    decision = fields.Dict(allow_none=True, required=True)
    tranches = fields.List(fields.Dict(), required=True)
    closure = fields.Dict(allow_none=True, required=True)
    spent = Yuan(required=True)
    may = fields.Dict(keys=fields.String(), values=fields.Boolean(), required=True,
                      metadata={"description": "What the caller may do now (as the office page shows controls)."})


class ApplicationCreateSchema(Schema):
    applicant = Text(required=True, validate=validate.Length(1, 200))
    community = Text(load_default="", validate=validate.Length(0, 200))
    contact = Text(load_default="", validate=validate.Length(0, 200))
    title = Text(required=True, validate=validate.Length(1, 200))
    purpose = Text(required=True, validate=validate.Length(1, 4000))
    amount = Money(required=True)
    received_on = LedgerDate(required=True)
    budget = fields.List(fields.Nested(Schema.from_dict({"item": Text(required=True), "amount": Money(required=True)},
                                                        name="GrantBudgetLineSchema")),
                         required=True, validate=validate.Length(1, grants.MAX_LINES))


class ScoreSchema(Schema):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(0, 100))
    comment = Text(load_default="", validate=validate.Length(0, 4000))


class ConflictSchema(Schema):
    reason = Text(load_default="", validate=validate.Length(0, 1000))


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["award", "decline"]))
    reason = Text(required=True, validate=validate.Length(1, 4000))
    decided_on = LedgerDate(required=True)
    amount = Money(metadata={"description": "The award (default: the amount asked)."})
    tranches = fields.List(Money(), validate=validate.Length(1, grants.MAX_LINES),
                           metadata={"description": "The award in tranches (default: one)."})


class ReleaseSchema(Schema):
    released_on = LedgerDate(required=True)


class ReportCreateSchema(Schema):
    narrative = Text(required=True, validate=validate.Length(1, 8000))
    submitted_on = LedgerDate(required=True)
    expenses = Text(load_default="[]", metadata={
        "description": 'A JSON list of {"item", "amount", "voucher"} (amount: yuan as a string).',
        "example": '[{"item": "涂料", "amount": "20000.00", "voucher": "发票 No.0012345"}]'})
    file = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), load_default=list,
                       metadata={"description": "The receipts: JPEG, PNG, WebP, HEIC or PDF, one per `file` part; "
                                                "none at all is fine."})


class ReportDecisionSchema(Schema):
    accepted = fields.Boolean(required=True)
    decided_on = LedgerDate(required=True)
    note = Text(load_default="", validate=validate.Length(0, 4000),
                metadata={"description": "What is missing: needed to send a report back."})


class ClosureSchema(Schema):
    mode = fields.String(required=True, validate=validate.OneOf(list(grants.CLOSE_MODES)))
    closed_on = LedgerDate(required=True)
    reason = Text(load_default="", validate=validate.Length(0, 4000))
    regrant_to = fields.Integer(validate=validate.Range(1, 2**31 - 1))


class RebookSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["award", "close"]))
    booked_on = LedgerDate(required=True)
    reason = Text(load_default="", validate=validate.Length(0, 4000))


class ApplicationQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(list(grants.STATUSES)))


# --- what is shown --------------------------------------------------------------------------------------------------

def fund_book(code: str):
    """The book (as readable_book), if it is a fund book: grants are a fund's alone (404 otherwise, as the pages)."""
    book = readable_book(code)
    if book.kind not in grants.FUND_BOOKS:
        raise NotFound(f"账簿 {book.code} 不是基金账簿，没有资助计划", f"book {book.code} is not a fund book and has no grants",
                       "book")
    return book


def _ref(entry) -> dict | None:
    return None if entry is None else {"id": entry.id, "number": entry.number, "status": entry.status}


def _programme(session, p) -> dict:
    f = grants.figures(session, p)
    return {"id": p.id, "code": p.code, "title": p.title, "fund": p.fund.code, "pool": fen_to_str(p.pool_fen),
            "ceiling": fen_to_str(p.ceiling_fen), "committed": fen_to_str(f.committed_fen),
            "uncommitted": fen_to_str(f.uncommitted_fen), "paid": fen_to_str(f.paid_fen),
            "opens_on": p.opens_on.isoformat(), "closes_on": p.closes_on.isoformat(), "criteria": p.criteria,
            "counts": f.counts}


def _summary(session, a, state=None) -> dict:
    state = state or grants.state_of(session, a)
    count, mean = grants.average_score(session, a)
    return {"id": a.id, "applicant": a.applicant, "community": a.community, "title": a.title,
            "asked": fen_to_str(a.amount_fen), "status": a.status, "received_on": a.received_on.isoformat(),
            "scores": count, "average_score": mean, "awarded": fen_to_str(state.awarded_fen),
            "paid": fen_to_str(state.paid_fen)}


def _application(session, book, a) -> dict:
    user = actor()
    state = grants.state_of(session, a)
    view = grants.view_of(session, a)
    is_manager = access.can(session, user, Action.DECIDE_GRANT, book)
    sees_reviews = grants.may_read_reviews(session, user, book, a)
    sees_contact = is_manager or access.can(session, user, Action.RECORD_GRANT_APPLICATION, book)
    can_pay = access.can(session, user, Action.PAY_GRANT, book)
    can_record = access.can(session, user, Action.RECORD_GRANT_APPLICATION, book)
    tranches = []
    for t in state.tranches:
        reports = []
        for r, d in t.reports:
            files = grants.files_of(session, r)
            newest = grants.newest_copies(session, [f.id for f in files])
            reports.append({
                "id": r.id, "narrative": r.narrative, "submitted_on": r.submitted_on.isoformat(),
                "expenses": [{"item": e.item, "amount": fen_to_str(e.amount_fen), "voucher": e.voucher} for e in r.expenses],
                "files": [{"id": f.id, "filename": f.filename, "media_type": f.media_type, "size": f.size,
                           "pages": len(json.loads(newest[f.id].pages)) if f.id in newest else 0,
                           "reviewed": grants.reviewed(newest.get(f.id))} for f in files],
                "decision": None if d is None else {"accepted": d.accepted, "note": d.note,
                                                    "decided_on": d.decided_on.isoformat()}})
        tranches.append({
            "seq": t.tranche.seq, "planned": fen_to_str(t.tranche.planned_fen),
            "release": None if t.release is None else {
                "amount": fen_to_str(t.release.amount_fen), "released_on": t.release.released_on.isoformat(),
                "entry": _ref(t.release.entry)},
            "paid": t.paid, "reports": reports,
            "may_release": can_pay and grants.release_refusal(session, a, t.tranche.seq) is None,
            "may_report": can_record and grants.report_refusal(session, a, t.tranche.seq) is None})
    decision, closure = state.decision, state.closure
    doc = _summary(session, a, state)
    doc.update({
        "programme": a.programme.code, "purpose": a.purpose, "contact": a.contact if sees_contact else None,
        "budget": [{"item": b.item, "amount": fen_to_str(b.amount_fen)} for b in a.budget],
        "reviews": [{"reviewer": r.user.username, "score": r.score, "comment": r.comment}
                    for r in grants.reviews_of(session, a)] if sees_reviews else None,
        "conflicts": len(view.conflicted_ids),
        "decision": None if decision is None else {
            "decision": decision.decision, "amount": fen_to_str(decision.amount_fen), "reason": decision.reason,
            "decided_on": decision.decided_on.isoformat(), "entry": _ref(grants.award_entry(session, a))},
        "tranches": tranches,
        "closure": None if closure is None else {
            "mode": closure.mode, "closed_on": closure.closed_on.isoformat(), "spent": fen_to_str(closure.spent_fen),
            "returned": fen_to_str(closure.returned_fen), "unspent": fen_to_str(closure.decommitted_fen),
            "regrant_to": closure.regrant_to_id, "reason": closure.reason,
            "entry": _ref(grants.closure_entry(session, a))},
        "spent": fen_to_str(state.spent_fen),
        "may": {"score": access.can(session, user, Action.REVIEW_GRANT, book, view),
                "declare_conflict": grants.may_declare_conflict(session, user, a),
                "decide": access.can(session, user, Action.DECIDE_GRANT, book, view),
                "close": can_pay and grants.close_refusal(session, a) is None,
                "rebook_award": is_manager and grants.rebook_refusal(session, a, "award") is None,
                "rebook_close": can_pay and grants.rebook_refusal(session, a, "close") is None},
    })
    return doc


def _get_application(session, book, application_id):
    return grants.get_application(session, book, application_id)


def _key(headers) -> str | None:
    return headers.get("idempotency_key")


def _answer(book, application_id: int, replayed: bool):
    session = db()
    session.expire_all()
    return _application(session, book, grants.get_application(session, book, application_id)), 200 if replayed else 201


def _run(book, key, operation: str, request: dict, act):
    """The service, once per Idempotency-Key, in one transaction: (the id it made, whether made before)."""
    return unit_of_work().run(grants.keyed, book, key, operation, request, act)


# --- programmes -----------------------------------------------------------------------------------------------------

@bp.route("/books/<ledgercode:book>/grants/programmes")
@bp.response(200, ProgrammeSchema(many=True))
@refusals(bp, *IN_BOOK)
def programmes(book):
    """The book's grant programmes, newest first, each with its pool, what is committed and paid, and its
    applications by status."""
    session = db()
    return [_programme(session, p) for p in grants.programmes_of(session, fund_book(book))]


@bp.route(f"/books/<ledgercode:book>/grants/programmes/<{ID}:programme_id>")
@bp.response(200, ProgrammeSchema)
@refusals(bp, *IN_BOOK)
def programme(book, programme_id):
    """One programme with its figures."""
    session = db()
    return _programme(session, grants.get_programme(session, fund_book(book), programme_id))


@bp.route(f"/books/<ledgercode:book>/grants/programmes/<{ID}:programme_id>/applications")
class Applications(MethodView):
    @bp.arguments(ApplicationQuerySchema, **QUERY)
    @bp.response(200, ApplicationSummarySchema(many=True))
    @refusals(bp, *IN_BOOK, 422)
    def get(self, book, programme_id, query):
        """The programme's applications, oldest first (optionally of one status), with their scores' average."""
        session = db()
        p = grants.get_programme(session, fund_book(book), programme_id)
        return [_summary(session, a) for a in grants.applications_of(session, p)
                if query.get("status") in (None, a.status)]

    @requires(Action.RECORD_GRANT_APPLICATION)
    @bp.arguments(ApplicationCreateSchema, arg_name="body")
    @bp.arguments(IdempotencyHeaderSchema, location="headers", arg_name="headers")
    @bp.response(201, ApplicationSchema)
    @bp.alt_response(200, schema=ApplicationSchema, success=True, description=REPLAYED)
    @refusals(bp, *WRITE)
    def post(self, book, programme_id, body, headers):
        """Record an application as received (treasurer, fund manager): its budget sums to the amount asked, within
        the ceiling, received while the call is open."""
        session, b = db(), fund_book(book)
        p = grants.get_programme(session, b, programme_id)
        budget = [(line["item"], to_fen(line["amount"], f"budget[{i}].amount"))
                  for i, line in enumerate(body["budget"], start=1)]
        made, replayed = _run(b, _key(headers), "apply", dict(body, programme=p.id), lambda s, a: grants.record_application(
            s, a, b, p, body["applicant"], body["title"], body["purpose"], to_fen(body["amount"], "amount"), budget,
            body["received_on"], community=body["community"], contact=body["contact"]))
        return _answer(b, made, replayed)


# --- one application ------------------------------------------------------------------------------------------------

@bp.route(APP)
@bp.response(200, ApplicationSchema)
@refusals(bp, *IN_BOOK)
def application(book, application_id):
    """An application with its state: reviews (for reviewers and fund managers), decision, tranches with their
    releases and reports (each file's name, pages and whether it was reviewed for redaction), closure, and what
    the caller may do now."""
    session, b = db(), fund_book(book)
    return _application(session, b, grants.get_application(session, b, application_id))


def _post_on_application(operation: str, act):
    """A view body: the application, the service once per key, the application as it is now."""

    def view(book, application_id, body, headers):
        session, b = db(), fund_book(book)
        a = grants.get_application(session, b, application_id)
        request = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in body.items()}
        _made, replayed = _run(b, _key(headers), operation, dict(request, application=a.id), lambda s, u: act(s, u, b, a, body))
        return _answer(b, application_id, replayed)

    return view


def _score(s, u, b, a, body):
    return grants.score(s, u, b, a, body["score"], body["comment"])


def _conflict(s, u, b, a, body):
    return grants.declare_conflict(s, u, b, a, body["reason"])


def _decide(s, u, b, a, body):
    amount = to_fen(body["amount"], "amount") if body.get("amount") is not None else None
    tranches = [to_fen(x, f"tranches[{i}]") for i, x in enumerate(body["tranches"], start=1)] if body.get("tranches") else None
    return grants.decide(s, u, b, a, body["decision"], body["reason"], body["decided_on"], amount, tranches)


def _close(s, u, b, a, body):
    target = grants.get_application(s, b, body["regrant_to"]) if body.get("regrant_to") else None
    return grants.close_grant(s, u, b, a, body["mode"], body["closed_on"], body["reason"], target)


def _rebook(s, u, b, a, body):
    return grants.rebook(s, u, b, a, body["kind"], body["booked_on"], body["reason"])


def _register(path: str, name: str, schema, doc: str, operation: str, act, action: Action | None = None):
    """Decorated as the views above are (refusals innermost, `requires` outermost: a caller without the role is
    refused before the body is read)."""
    view = _post_on_application(operation, act)
    view.__name__, view.__doc__ = name, doc
    view = refusals(bp, *WRITE)(view)
    view = bp.alt_response(200, schema=ApplicationSchema, success=True, description=REPLAYED)(view)
    view = bp.response(201, ApplicationSchema)(view)
    view = bp.arguments(IdempotencyHeaderSchema, location="headers", arg_name="headers")(view)
    view = bp.arguments(schema, arg_name="body")(view)
    if action is not None:
        view = requires(action)(view)
    bp.route(APP + path, methods=["POST"], endpoint=name)(view)


_register("/scores", "score", ScoreSchema, "Score an application 0–100 with a comment (the programme's reviewers; once, "
          "never changed; not after declaring a conflict).", "score", _score, Action.REVIEW_GRANT)
_register("/conflicts", "declare_conflict", ConflictSchema, "Declare a conflict of interest on an application (a "
          "reviewer who has not scored it, before it is decided): for good.", "conflict", _conflict)
_register("/decision", "decide", DecisionSchema, "Award (a commitment: Dr 5401 / Cr 2206, within the pool) or decline, "
          "with the reason; a fund manager who did not assess it.", "decide", _decide, Action.DECIDE_GRANT)
_register("/closure", "close", ClosureSchema, "Close an awarded grant: `complete` when nothing is unspent, else "
          "`return` or `regrant` (with `regrant_to`), by one entry.", "close", _close, Action.PAY_GRANT)
_register("/rebookings", "rebook", RebookSchema, "Book a rejected award (`kind: award`) or closing (`kind: close`) entry "
          "again: a new entry with the same lines; the rejected one stays (fund managers).", "rebook", _rebook,
          Action.PAY_GRANT)  # the service then asks DECIDE_GRANT of an award's


@bp.route(APP + "/tranches/<int(min=1, max=999):seq>/release", methods=["POST"])
@requires(Action.PAY_GRANT)
@bp.arguments(ReleaseSchema, arg_name="body")
@bp.arguments(IdempotencyHeaderSchema, location="headers", arg_name="headers")
@bp.response(201, ApplicationSchema)
@bp.alt_response(200, schema=ApplicationSchema, success=True, description=REPLAYED)
@refusals(bp, *WRITE)
def release(book, application_id, seq, body, headers):
    """Release tranche `seq` (Dr 2206 / Cr 1002): the commitment posted, every earlier tranche paid with its report
    accepted (a fund manager)."""
    session, b = db(), fund_book(book)
    a = grants.get_application(session, b, application_id)
    _made, replayed = _run(b, _key(headers), "release", {"application": a.id, "tranche": seq,
                                                         "released_on": body["released_on"].isoformat()},
                           lambda s, u: grants.release(s, u, b, a, seq, body["released_on"]))
    return _answer(b, application_id, replayed)


def _expenses(raw: str) -> list[tuple[str, int, str]]:
    try:
        rows = json.loads(raw or "[]")
    except ValueError:
        rows = None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InvalidInput("支出须为 JSON 列表：[{\"item\", \"amount\", \"voucher\"}]",
                           "expenses must be a JSON list of {\"item\", \"amount\", \"voucher\"}", "expenses")
    line = Schema.from_dict({"item": Text(required=True), "amount": Money(required=True), "voucher": Text(required=True)})
    out = []
    for i, row in enumerate(rows, start=1):
        try:
            row = line().load(row)
        except ValidationError as e:
            raise InvalidInput(f"第 {i} 笔支出有误：{e.messages}", f"expense {i} is not valid: {e.messages}",
                               f"expenses[{i}]") from None
        out.append((row["item"], to_fen(row["amount"], f"expenses[{i}].amount"), row["voucher"]))
    return out


@bp.route(APP + "/tranches/<int(min=1, max=999):seq>/reports", methods=["POST"])
@requires(Action.RECORD_GRANT_APPLICATION)
@bp.arguments(ReportCreateSchema, location="multipart", arg_name="body")
@bp.arguments(IdempotencyHeaderSchema, location="headers", arg_name="headers")
@bp.response(201, ApplicationSchema)
@bp.alt_response(200, schema=ApplicationSchema, success=True, description=REPLAYED)
@refusals(bp, 400, 403, 404, 409, 413, 415, 422)
def record_report(book, application_id, seq, body, headers):
    """Record the grantee's report on a paid tranche (multipart/form-data): what was done, the expenses (a JSON
    list), and the receipts as files (field `file`, once per file, or none). A file refused refuses the report;
    files are kept as vouchers are, and published only once reviewed for redaction."""
    b = fund_book(book)
    files = [f for f in body["file"] if getattr(f, "filename", None)]
    _report, replayed = grants.record_report_with_uploads(
        unit_of_work(), b, application_id, seq, body["narrative"], _expenses(body["expenses"]), body["submitted_on"],
        work.uploads(files), work.upload_limits(), key=_key(headers))
    return _answer(b, application_id, replayed)


@bp.route(f"/books/<ledgercode:book>/grants/reports/<{ID}:report_id>/decision", methods=["POST"])
@requires(Action.PAY_GRANT)
@bp.arguments(ReportDecisionSchema, arg_name="body")
@bp.arguments(IdempotencyHeaderSchema, location="headers", arg_name="headers")
@bp.response(201, ApplicationSchema)
@bp.alt_response(200, schema=ApplicationSchema, success=True, description=REPLAYED)
@refusals(bp, *WRITE)
def decide_report(book, report_id, body, headers):
    """Accept a report (the next tranche may then go) or send it back with a note saying what is missing."""
    session, b = db(), fund_book(book)
    report, a = grants.get_report(session, b, report_id)
    request = {"report": report.id, "accepted": body["accepted"], "decided_on": body["decided_on"].isoformat(),
               "note": body["note"]}
    _made, replayed = _run(b, _key(headers), "report_decision", request, lambda s, u: grants.decide_report(
        s, u, b, report, body["accepted"], body["decided_on"], body["note"]))
    return _answer(b, a.id, replayed)
