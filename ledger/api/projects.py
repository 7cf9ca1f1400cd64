"""Micro-projects with matching (微项目众筹 + 配捐, issue 10) through the JSON API: the same services as the fund
manager's pages (services/projects.py), the same permissions table.

Everyone with a role in the book reads its projects and pools; recording a donation or a refund takes
RECORD_DONATION (treasurer, committee, fund manager), settling a project MANAGE_MATCHING (fund manager), the pool's
套捐 watch READ_DONORS. A donation's phone is only ever kept as its HMAC; no answer here gives it back. A donation,
refund or settlement rewrites the project's public documents (progress, receipts, its donors' funder documents,
its pool's) once it commits, as the pages do.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from marshmallow import Schema, fields, validate

from .. import config
from ..db.schema import Entry, Project
from ..db.session import get_session as db
from ..domain import matching
from ..domain.money import fen_to_str, to_fen
from ..domain.permissions import Action
from ..services import projects as svc
from .auth import readable_book, unit_of_work
from .common import IN_BOOK, WRITE, api_blueprint, refusals, requires
from .entries import _key as idempotency_key
from .fees import _ref
from .schemas import (
    EntryRefSchema, IdempotencyHeaderSchema, IdempotencyKey, IsoDate, LedgerDate, Money, Text, Yuan,
)

bp = api_blueprint("api_projects", "Micro-projects with government matching (微项目众筹与配捐): projects, pools, donations, "
                                   "refunds, settlement.")

CHANNELS = list(svc.CHANNELS)
MATCH_STATUSES = ["pending", "posted", "voided", "estimate"]


# --- schemas ---------------------------------------------------------------------------------------------------------

class ProjectFiguresSchema(Schema):
    given = Yuan(required=True, metadata={"description": "Every donation as recorded."})
    refunded = Yuan(required=True)
    raised = Yuan(required=True, metadata={"description": "Given less refunded: what counts towards the goal."})
    matched_pending = Yuan(required=True)
    matched_posted = Yuan(required=True)
    matched = Yuan(required=True)
    matched_estimate = Yuan(allow_none=True, metadata={"description": "An open quadratic project: its round's estimate."})
    donors = fields.Integer(required=True)
    donations = fields.Integer(required=True)


class ProjectSummarySchema(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    pool = fields.String(required=True)
    rule_version = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["open", "funded", "failed"]))
    funding_mode = fields.String(required=True, validate=validate.OneOf(list(svc.MODES)))
    goal = Yuan(required=True)
    stretch = Yuan(allow_none=True)
    deadline = IsoDate(required=True)
    figures = fields.Nested(ProjectFiguresSchema, required=True)


class ProjectBudgetLineSchema(Schema):
    label = fields.String(required=True)
    amount = Yuan(required=True)


class MatchingRuleSchema(Schema):
    version = fields.Integer(required=True)
    kind = fields.String(required=True)
    digest = fields.String(required=True)
    explainer_zh = fields.String(required=True)
    explainer_en = fields.String(required=True)


class ProjectSchema(ProjectSummarySchema):
    story = fields.String(required=True)
    area = fields.String(required=True)
    team = fields.String(required=True)
    budget_lines = fields.List(fields.Nested(ProjectBudgetLineSchema), required=True)
    rule = fields.Nested(MatchingRuleSchema, required=True)
    public_url = fields.String(required=True)


class PoolFiguresSchema(Schema):
    held = Yuan(required=True)
    committed = Yuan(required=True)
    pending = Yuan(required=True)
    posted = Yuan(required=True)
    voided = Yuan(required=True)
    clawed_back = Yuan(required=True)
    remaining = Yuan(required=True)


class PoolSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    funder = fields.String(required=True)
    figures = fields.Nested(PoolFiguresSchema, required=True)
    rules = fields.List(fields.Nested(MatchingRuleSchema), required=True)
    public_url = fields.String(required=True)


class CappedSchema(Schema):
    donor = fields.String(required=True, metadata={"description": "The first 10 digits of the donor's phone HMAC."})
    project = fields.String(required=True)
    donations = fields.Integer(required=True)


class SharedPhoneSchema(Schema):
    donor = fields.String(required=True)
    names = fields.List(fields.String(), required=True)
    donations = fields.Integer(required=True)


class SharedReferenceSchema(Schema):
    reference = fields.String(required=True)
    donors = fields.List(fields.String(), required=True)


class PoolWatchSchema(Schema):
    figures = fields.Nested(PoolFiguresSchema, required=True)
    capped = fields.List(fields.Nested(CappedSchema), required=True)
    shared_phone = fields.List(fields.Nested(SharedPhoneSchema), required=True)
    shared_reference = fields.List(fields.Nested(SharedReferenceSchema), required=True)


class DonationCreateSchema(Schema):
    amount = Money(required=True)
    date = LedgerDate(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    reference = Text(validate=validate.Length(0, 60), load_default="",
                     metadata={"description": "The WeChat Pay or Alipay reference; never published."})
    phone = Text(required=True, validate=validate.Length(1, 40),
                 metadata={"description": "The donor's phone: kept only as a keyed hash, for per-donor caps."})
    display_name = Text(validate=validate.Length(0, 60), load_default="",
                        metadata={"description": "The name on the donor wall; required unless anonymous."})
    anonymous = fields.Boolean(load_default=False)
    shown_match = Money(metadata={"description": "The match the donor was shown (the preview): refused (409) if it "
                                                 "is no longer that."})
    idempotency_key = IdempotencyKey(metadata={"description": "Same as the Idempotency-Key header."})


class DonationSchema(Schema):
    receipt = fields.String(required=True)
    project = fields.String(required=True)
    amount = Money(required=True)
    match = Money(allow_none=True, metadata={"description": "None under a quadratic rule until its round closes."})
    match_status = fields.String(allow_none=True)
    match_reason = fields.String(allow_none=True)
    funder_code = fields.String(required=True, metadata={"description": "The donor's code for all their donations in "
                                                                         "this book (public page: funder_url)."})
    funder_url = fields.String(required=True)
    track_url = fields.String(required=True)
    entry = fields.Nested(EntryRefSchema, required=True)


class PreviewRequestSchema(Schema):
    amount = Money(required=True)
    phone = Text(required=True, validate=validate.Length(1, 40))


class PreviewSchema(Schema):
    amount = Money(required=True)
    match = Money(allow_none=True, metadata={"description": "None under a quadratic rule: see matched_estimate."})
    reason = fields.String(allow_none=True, metadata={"description": "Why the match is below the rule's rate."})
    reason_text = fields.Dict(allow_none=True)
    quadratic = fields.Boolean(required=True)
    matched_estimate = Yuan(allow_none=True)


class RefundCreateSchema(Schema):
    reason = Text(required=True, validate=validate.Length(1, 200))
    amount = Money(metadata={"description": "Default: everything not yet refunded."})
    date = LedgerDate()
    idempotency_key = IdempotencyKey(metadata={"description": "Same as the Idempotency-Key header."})


class RefundSchema(Schema):
    receipt = fields.String(required=True)
    refunded = Money(required=True, metadata={"description": "This refund."})
    refunded_total = Money(required=True)
    match = Money(allow_none=True, metadata={"description": "The match left after the claw-back."})
    clawed_back = Money(required=True, metadata={"description": "The match clawed back so far."})
    entry = fields.Nested(EntryRefSchema, required=True)


class RoundShareSchema(Schema):
    project = fields.String(required=True)
    donors = fields.Integer(required=True)
    raw = Money(required=True, metadata={"description": "(Σ√c)² − Σc of the project's gifts, in yuan."})
    match = Money(required=True, metadata={"description": "The project's share of the round's pool."})
    capped = fields.Boolean(required=True)


class RoundSchema(Schema):
    pool = Money(required=True)
    unallocated = Money(required=True)
    projects = fields.List(fields.Nested(RoundShareSchema), required=True)


class SettleSchema(Schema):
    date = LedgerDate(metadata={"description": "Default today."})


# --- what the answers hold --------------------------------------------------------------------------------------------

def _root() -> Path:
    return Path(current_app.config["PUBLICATIONS_DIR"])


def _figures(session, project) -> dict:
    p = svc.progress(session, project)
    estimate = svc.quadratic_estimate(session, project) if project.status == "open" else None
    return {"given": fen_to_str(p.given_fen), "refunded": fen_to_str(p.refunded_fen), "raised": fen_to_str(p.raised_fen),
            "matched_pending": fen_to_str(p.matched_pending_fen), "matched_posted": fen_to_str(p.matched_posted_fen),
            "matched": fen_to_str(p.matched_fen), "matched_estimate": fen_to_str(estimate) if estimate is not None else None,
            "donors": p.donors, "donations": p.donations}


def _summary(session, project) -> dict:
    return {"code": project.code, "title": project.title, "pool": project.pool.code,
            "rule_version": project.rule.version, "status": project.status, "funding_mode": project.funding_mode,
            "goal": fen_to_str(project.goal_fen),
            "stretch": fen_to_str(project.stretch_fen) if project.stretch_fen else None,
            "deadline": project.deadline.isoformat(), "figures": _figures(session, project)}


def _rule(row, funder: str) -> dict:
    rule = svc.rule_of(row)
    return {"version": row.version, "kind": row.kind, "digest": row.digest,
            "explainer_zh": matching.explain(rule, "zh_CN", funder), "explainer_en": matching.explain(rule, "en")}


def _pool(session, book, pool) -> dict:
    return {"code": pool.code, "name": pool.name, "funder": pool.funder,
            "figures": {k: fen_to_str(v) for k, v in svc.pool_figures(session, pool).items()},
            "rules": [_rule(r, pool.funder) for r in svc.rules_of(session, pool)],
            "public_url": svc.pool_url(book, pool.code)}


def _donation(session, book, donation) -> dict:
    m = svc.match_of(session, donation)
    project = session.get(Project, donation.project_id)
    code = svc.funder_code_of(session, book, donation.donor_key)
    return {"receipt": donation.receipt_code, "project": project.code, "amount": donation.amount_fen,
            "match": m.amount_fen - m.clawed_back_fen if m else None,
            "match_status": m.status if m else ("estimate" if project.rule.kind == "quadratic" else None),
            "match_reason": m.reason if m else None, "funder_code": code, "funder_url": svc.funder_url(book, code),
            "track_url": svc.track_url(book, donation.receipt_code), "entry": _ref(session.get(Entry, donation.entry_id))}


# --- reading ----------------------------------------------------------------------------------------------------------

@bp.route("/books/<ledgercode:book>/projects")
@bp.response(200, ProjectSummarySchema(many=True))
@refusals(bp, *IN_BOOK)
def list_projects(book):
    """The book's micro-projects (by deadline) with their figures."""
    session, b = db(), readable_book(book)
    return [_summary(session, p) for p in svc.projects_of(session, b)]


@bp.route("/books/<ledgercode:book>/projects/<ledgercode:project>")
@bp.response(200, ProjectSchema)
@refusals(bp, *IN_BOOK)
def get_project(book, project):
    """One project: figures, budget lines, the rule version it runs under with its explainer."""
    session, b = db(), readable_book(book)
    p = svc.get_project(session, b, project)
    return {**_summary(session, p), "story": p.story, "area": p.area, "team": p.team,
            "budget_lines": [{"label": line.label, "amount": fen_to_str(line.amount_fen)} for line in p.budget_lines],
            "rule": _rule(p.rule, p.pool.funder),
            "public_url": f"{config.public_url()}/{b.code}/projects/{p.code}/"}


@bp.route("/books/<ledgercode:book>/pools")
@bp.response(200, PoolSchema(many=True))
@refusals(bp, *IN_BOOK)
def list_pools(book):
    """The book's matching pools: held, committed, pending, posted, voided, clawed back, remaining; their rules."""
    session, b = db(), readable_book(book)
    return [_pool(session, b, pool) for pool in svc.pools_of(session, b)]


@bp.route("/books/<ledgercode:book>/pools/<ledgercode:pool>/watch")
@requires(Action.READ_DONORS)
@bp.response(200, PoolWatchSchema)
@refusals(bp, *IN_BOOK)
def pool_watch(book, pool):
    """What the pool manager watches for 套捐 (treasurer, committee, supervisor, fund manager): donors whose match hit
    a cap, one phone giving under several names, one payment reference used by several donors. Donors appear only as
    the first digits of their phone's HMAC."""
    session, b = db(), readable_book(book)
    watch = svc.pool_watch(session, unit_of_work().actor, b, pool)
    return {**watch, "figures": {k: fen_to_str(v) for k, v in watch["figures"].items()}}


@bp.route("/books/<ledgercode:book>/projects/<ledgercode:project>/match-preview", methods=["POST"])
@requires(Action.RECORD_DONATION)
@bp.arguments(PreviewRequestSchema, arg_name="query")
@bp.response(200, PreviewSchema)
@refusals(bp, 400, *IN_BOOK, 422)
def match_preview(book, project, query):
    """The match a donation would get now (changes nothing): what the donor is shown before it is recorded. Under a
    quadratic rule there is none until the round closes; the project's estimate is given instead. A POST, though it
    writes nothing, so that the donor's phone travels in the body and never in a URL that access logs keep."""
    session, b = db(), readable_book(book)
    fen = to_fen(query["amount"], "amount")
    m = svc.preview_match(session, unit_of_work().actor, b, project, query["phone"], fen)
    p = svc.get_project(session, b, project)
    reason = matching.REASONS.get(m.reason) if m is not None and m.reason else None
    estimate = svc.quadratic_estimate(session, p) if m is None else None
    return {"amount": fen, "match": m.match_fen if m else None, "reason": m.reason if m else None,
            "reason_text": {"zh_CN": reason[0], "en": reason[1]} if reason else None, "quadratic": m is None,
            "matched_estimate": fen_to_str(estimate) if estimate is not None else None}


# --- changes ----------------------------------------------------------------------------------------------------------

@bp.route("/books/<ledgercode:book>/projects/<ledgercode:project>/donations", methods=["POST"])
@requires(Action.RECORD_DONATION)
@bp.arguments(DonationCreateSchema, arg_name="body")
@bp.arguments(IdempotencyHeaderSchema, location="headers", arg_name="headers")
@bp.response(201, DonationSchema)
@bp.alt_response(200, schema=DonationSchema, success=True,
                 description="Sent before with this idempotency key: the donation recorded then, nothing new.")
@refusals(bp, *WRITE)
def record_donation(book, project, body, headers):
    """Record a donation (treasurer, committee, fund manager): its entry goes for approval; under a ratio or tier
    rule its match is pending on the pool. Answers the receipt code, the match and the donor's funder code. With an
    `Idempotency-Key`, a retry records nothing more (200); the key sent with another donation is 409."""
    session, b = db(), readable_book(book)
    fen = to_fen(body["amount"], "amount")
    key = idempotency_key(headers, body)
    shown = to_fen(body["shown_match"], "shown_match") if body.get("shown_match") is not None else None
    uow = unit_of_work()
    common = dict(reference=body["reference"], display_name=body["display_name"], anonymous=body["anonymous"],
                  shown_match_fen=shown, publish_root=_root(), store=uow.store)
    if key:
        result, created = uow.run(svc.record_donation_once, b, project, fen, body["date"], body["channel"],
                                  body["phone"], key, **common)
    else:
        result, created = uow.run(svc.record_donation, b, project, fen, body["date"], body["channel"], body["phone"],
                                  **common), True
    return _donation(session, b, result.donation), 201 if created else 200


@bp.route("/books/<ledgercode:book>/donations/<string(length=14):receipt>/refund", methods=["POST"])
@requires(Action.RECORD_DONATION)
@bp.arguments(RefundCreateSchema, arg_name="body")
@bp.arguments(IdempotencyHeaderSchema, location="headers", arg_name="headers")
@bp.response(201, RefundSchema)
@bp.alt_response(200, schema=RefundSchema, success=True,
                 description="Sent before with this idempotency key: the refund made then, nothing new.")
@refusals(bp, *WRITE)
def refund_donation(book, receipt, body, headers):
    """Give a donation back, all that is left of it or `amount` (treasurer, committee, fund manager): an entry for
    approval; its match is clawed back as the rule says. With an `Idempotency-Key`, a retry refunds nothing more
    (200); the key sent with another request is 409."""
    session, b = db(), readable_book(book)
    fen = to_fen(body["amount"], "amount") if body.get("amount") is not None else None
    key = idempotency_key(headers, body)
    uow = unit_of_work()
    if key:
        row, created = uow.run(svc.refund_donation_once, b, receipt, body["reason"], key, fen, body.get("date"),
                               publish_root=_root(), store=uow.store)
    else:
        row, created = uow.run(svc.refund_donation, b, receipt, body["reason"], fen, body.get("date"),
                               publish_root=_root(), store=uow.store), True
    donation = svc.get_donation(session, b, receipt)
    m = svc.match_of(session, donation)
    return {"receipt": donation.receipt_code, "refunded": row.amount_fen, "refunded_total": svc.refunded_of(session, donation),
            "match": m.amount_fen - m.clawed_back_fen if m else None, "clawed_back": m.clawed_back_fen if m else 0,
            "entry": _ref(session.get(Entry, row.entry_id))}, 201 if created else 200


@bp.route("/books/<ledgercode:book>/pools/<ledgercode:pool>/rounds/<int:version>/close", methods=["POST"])
@requires(Action.MANAGE_MATCHING)
@bp.response(200, RoundSchema)
@refusals(bp, *WRITE)
def close_round(book, pool, version):
    """Close a quadratic round (fund manager): its pool shared among its open projects by (Σ√c)² − Σc, capped and
    rounded to the fen; each gift's part is a pending match, posted when its project is settled."""
    b = readable_book(book)
    uow = unit_of_work()
    result = uow.run(svc.close_round, b, pool, version, publish_root=_root(), store=uow.store)
    return {"pool": result.pool_fen, "unallocated": result.unallocated_fen,
            "projects": [{"project": code, "donors": share.donors, "raw": share.raw_fen, "match": share.match_fen,
                          "capped": share.capped} for code, share in sorted(result.projects.items())]}


@bp.route("/books/<ledgercode:book>/projects/<ledgercode:project>/settle", methods=["POST"])
@requires(Action.MANAGE_MATCHING)
@bp.arguments(SettleSchema, arg_name="body")
@bp.response(200, ProjectSummarySchema)
@refusals(bp, *WRITE)
def settle_project(book, project, body):
    """End a project's fundraising (fund manager): funded, its pending matches posted by one entry; or failed
    (all-or-nothing past its deadline short of the goal), its matches voided and every donor refunded."""
    session, b = db(), readable_book(book)
    uow = unit_of_work()
    p = uow.run(svc.settle_project, b, project, body.get("date"), publish_root=_root(), store=uow.store)
    return _summary(session, p)

