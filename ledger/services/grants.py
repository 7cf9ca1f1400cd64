"""Grants of a governance innovation fund (社区治理创新基金, issue 10): a programme, its applications, reviews,
awards and declines, tranches released against reports, and closing a grant with nothing unspent left silent.

The books: a programme grants from one restricted fund of a fund book (community_fund or foundation).
- An award is a commitment: Dr 5401 资助支出 / Cr 2206 应付资助款 on the programme's fund.
- A tranche released: Dr 2206 / Cr the bank (1002) on the fund. Tranche n+1 goes only after tranche n's report
  (what was done, each expense with its amount and its voucher's reference) is accepted.
- A grant closed with money unspent (award − accepted expenses) says where it went, by one entry:
  *return*: what the grantee held comes back (Dr bank), the unpaid rest of the commitment is released (Dr 2206),
  both Cr 5401, so the pool has it again; *regrant*: the same, and in the same entry the amount is committed to
  another awarded grant of the programme (Dr 5401 / Cr 2206), paid as an extra tranche of it.

Each entry is made by the system user and approved by the fund manager who acted (a second approver approves it
as any entry when it is above the book's threshold). What a programme has committed never exceeds its pool: the
decision is refused here under the book's lock, and a database trigger refuses the row (guards.GRANT_POOL).

Who decides: a fund manager who scored an application, or declared a conflict on it, does not award or decline
it (another fund manager does): whoever assesses an application does not also decide it.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import (
    Account, Book, Entry, Fund, GrantApplication, GrantBudgetLine, GrantClosure, GrantConflict, GrantDecision,
    GrantProgramme, GrantRelease, GrantReport, GrantReportDecision, GrantReportExpense, GrantReview, GrantReviewer,
    GrantTranche, Membership, User, VoucherWaiver,
)
from ..db.schema import GrantApiKey, GrantRebooking, GrantReportFile, GrantReportFilePublic
from ..domain.errors import IdempotencyConflict, InvalidInput, InvalidState, NotFound
from ..domain.model import BookKind, EntryInput, EntryStatus, Line, check_date
from ..domain.money import fen_to_str, format_fen
from ..domain.permissions import Action
from ..domain.text import first_control
from .access import audit, can, require
from .posting import lock_book

PAYABLE, EXPENSE, BANK = "2206", "5401", "1002"
SOURCE = "grant"
FUND_BOOKS = (BookKind.COMMUNITY_FUND.value, BookKind.FOUNDATION.value)
STATUSES = ("submitted", "awarded", "declined", "closed")
CLOSE_MODES = ("complete", "return", "regrant")
MAX_LINES = 100

# The accounts a programme books on, added to a community fund's chart when it has none (a foundation's has them).
_ACCOUNTS = {
    PAYABLE: ("应付资助款", "Grants payable", "liability"),
    EXPENSE: ("资助支出", "Grants made", "expense"),
}


# --- checks on what people type -------------------------------------------------------------------------------------

def _text(value, field: str, zh: str, en: str, limit: int = 200, required: bool = True, one_line: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"请填写{zh}", f"{en} is required", field)
    if len(value) > limit:
        raise InvalidInput(f"{zh}最多 {limit} 个字", f"{en} may be at most {limit} characters", field)
    if "\x00" in value or (one_line and first_control(value) is not None):
        raise InvalidInput(f"{zh}须为一行文字，不能含控制字符", f"{en} must be one line without control characters", field)
    return value


def _positive(fen: int, field: str, zh: str, en: str) -> int:
    if not isinstance(fen, int) or fen <= 0:
        raise InvalidInput(f"{zh}须大于零", f"{en} must be more than zero", field)
    return fen


def _fund_book(book: Book) -> None:
    if book.kind not in FUND_BOOKS:
        raise InvalidState(f"账簿 {book.code} 不是基金账簿，不能设立资助计划（须为社区基金或基金会）",
                           f"book {book.code} is not a fund book; grant programmes belong to a community fund or "
                           "a foundation", "book")


# --- programmes -----------------------------------------------------------------------------------------------------

def create_programme(session: Session, actor: User, book: Book, code: str, title: str, fund_code: str, pool_fen: int,
                     ceiling_fen: int, opens_on: dt.date, closes_on: dt.date, criteria: str = "",
                     fund_name: str | None = None) -> GrantProgramme:
    """Open a grant round on a restricted fund of the book (made, restricted, when the code is new), with the
    accounts 2206 and 5401 added to the chart if it lacks them."""
    from . import books as book_service

    require(session, actor, Action.MANAGE_GRANT_PROGRAMMES, book)
    _fund_book(book)
    code = book_service._check_code(code, "code")
    title = _text(title, "title", "计划名称", "the title")
    criteria = _text(criteria, "criteria", "评审标准", "the criteria", limit=4000, required=False, one_line=False)
    _positive(pool_fen, "pool", "资金池", "the pool")
    _positive(ceiling_fen, "ceiling", "单项上限", "the ceiling per grant")
    if ceiling_fen > pool_fen:
        raise InvalidInput(f"单项上限 {format_fen(ceiling_fen)} 不能超过资金池 {format_fen(pool_fen)}",
                           f"the ceiling per grant {format_fen(ceiling_fen)} cannot exceed the pool {format_fen(pool_fen)}",
                           "ceiling")
    check_date(opens_on, "opens_on")
    check_date(closes_on, "closes_on")
    if closes_on < opens_on:
        raise InvalidInput("截止日期不能早于开始日期", "the call cannot close before it opens", "closes_on")
    lock_book(session, book)
    if session.scalar(select(GrantProgramme.id).where(GrantProgramme.book_id == book.id, GrantProgramme.code == code)):
        raise InvalidInput(f"资助计划代码 {code} 已存在", f"grant programme code {code} already exists", "code")
    fund = session.scalar(select(Fund).where(Fund.book_id == book.id, Fund.code == fund_code))
    if fund is None:
        fund = book_service.add_fund(session, actor, book, fund_code, fund_name or title, fund_name or title, True)
    elif not fund.restricted:
        raise InvalidInput(f"基金 {fund_code} 不是限定性基金；资助须出自限定性基金",
                           f"fund {fund_code} is not restricted; grants are made from a restricted fund", "fund")
    for acct, (zh, en, kind) in _ACCOUNTS.items():
        if session.scalar(select(Account.id).where(Account.book_id == book.id, Account.code == acct)) is None:
            book_service.add_account(session, actor, book, acct, zh, en, kind)
    programme = GrantProgramme(book_id=book.id, code=code, title=title, fund_id=fund.id, pool_fen=pool_fen,
                               ceiling_fen=ceiling_fen, opens_on=opens_on, closes_on=closes_on, criteria=criteria,
                               created_by_id=actor.id)
    session.add(programme)
    session.flush()
    audit(session, actor, book, "grant.programme", code, pool=fen_to_str(pool_fen), ceiling=fen_to_str(ceiling_fen),
          fund=fund.code)
    return programme


def add_reviewer(session: Session, actor: User, book: Book, programme: GrantProgramme, username: str) -> GrantReviewer:
    """Name a reviewer of the programme: someone with a role in the book (an outside expert gets `viewer`)."""
    from .users import get_user

    require(session, actor, Action.MANAGE_GRANT_PROGRAMMES, book)
    user = get_user(session, (username or "").strip())
    lock_book(session, book)
    if session.scalar(select(Membership.id).where(Membership.user_id == user.id, Membership.book_id == book.id)) is None:
        raise InvalidInput(f"{user.username} 在账簿 {book.code} 中没有角色；请先授予角色（如查阅人）",
                           f"{user.username} has no role in book {book.code}; grant one first (viewer, say)", "username")
    if session.scalar(select(GrantReviewer.id).where(GrantReviewer.programme_id == programme.id,
                                                     GrantReviewer.user_id == user.id)):
        raise InvalidInput(f"{user.username} 已是评审人", f"{user.username} is already a reviewer", "username")
    reviewer = GrantReviewer(programme_id=programme.id, user_id=user.id, added_by_id=actor.id)
    session.add(reviewer)
    session.flush()
    audit(session, actor, book, "grant.reviewer", programme.code, reviewer=user.username)
    return reviewer


def programmes_of(session: Session, book: Book) -> list[GrantProgramme]:
    return list(session.scalars(select(GrantProgramme).where(GrantProgramme.book_id == book.id)
                                .order_by(GrantProgramme.opens_on.desc(), GrantProgramme.id.desc())))


def get_programme(session: Session, book: Book, programme_id: int | str) -> GrantProgramme:
    query = select(GrantProgramme).where(GrantProgramme.book_id == book.id)
    if isinstance(programme_id, str) and not programme_id.isdigit():
        query = query.where(GrantProgramme.code == programme_id)
    else:
        query = query.where(GrantProgramme.id == int(programme_id))
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"账簿 {book.code} 中没有资助计划 {programme_id}", f"book {book.code} has no grant programme "
                       f"{programme_id}", "programme")
    return found


def reviewers_of(session: Session, programme: GrantProgramme) -> list[GrantReviewer]:
    return list(session.scalars(select(GrantReviewer).where(GrantReviewer.programme_id == programme.id)
                                .order_by(GrantReviewer.id)))


# --- applications ---------------------------------------------------------------------------------------------------

def record_application(session: Session, actor: User, book: Book, programme: GrantProgramme, applicant: str,
                       title: str, purpose: str, amount_fen: int, budget: list[tuple[str, int]], received_on: dt.date,
                       community: str = "", contact: str = "") -> GrantApplication:
    """Record an application as received: the amount asked must equal its budget's total and stay within the
    ceiling, and it must arrive while the call is open."""
    require(session, actor, Action.RECORD_GRANT_APPLICATION, book)
    applicant = _text(applicant, "applicant", "申请单位", "the applicant")
    community = _text(community, "community", "所在社区", "the community", required=False)
    contact = _text(contact, "contact", "联系人", "the contact", required=False)
    title = _text(title, "title", "项目名称", "the title")
    purpose = _text(purpose, "purpose", "项目目的", "the purpose", limit=4000, one_line=False)
    _positive(amount_fen, "amount", "申请金额", "the amount asked")
    check_date(received_on, "received_on")
    if not budget:
        raise InvalidInput("请至少填写一行预算", "give at least one budget line", "budget")
    if len(budget) > MAX_LINES:
        raise InvalidInput(f"预算最多 {MAX_LINES} 行", f"at most {MAX_LINES} budget lines", "budget")
    clean = []
    for i, (item, fen) in enumerate(budget, start=1):
        clean.append((_text(item, f"budget[{i}].item", f"第 {i} 行预算的用途", f"the item of budget line {i}"),
                      _positive(fen, f"budget[{i}].amount", f"第 {i} 行预算金额", f"the amount of budget line {i}")))
    total = sum(f for _i, f in clean)
    if total != amount_fen:
        raise InvalidInput(f"申请金额 {format_fen(amount_fen)} 须等于预算合计 {format_fen(total)}",
                           f"the amount asked {format_fen(amount_fen)} must equal the budget's total {format_fen(total)}",
                           "amount")
    if amount_fen > programme.ceiling_fen:
        raise InvalidInput(f"申请金额 {format_fen(amount_fen)} 超过单项上限 {format_fen(programme.ceiling_fen)}",
                           f"the amount asked {format_fen(amount_fen)} is above the ceiling per grant "
                           f"{format_fen(programme.ceiling_fen)}", "amount")
    if not programme.opens_on <= received_on <= programme.closes_on:
        raise InvalidInput(f"申请须在征集期内收到（{programme.opens_on} 至 {programme.closes_on}）",
                           f"applications are received while the call is open ({programme.opens_on} to "
                           f"{programme.closes_on})", "received_on")
    lock_book(session, book)
    application = GrantApplication(programme_id=programme.id, applicant=applicant, community=community, contact=contact,
                                   title=title, purpose=purpose, amount_fen=amount_fen, status="submitted",
                                   received_on=received_on, recorded_by_id=actor.id)
    session.add(application)
    session.flush()
    for no, (item, fen) in enumerate(clean, start=1):
        session.add(GrantBudgetLine(application_id=application.id, line_no=no, item=item, amount_fen=fen))
    session.flush()
    audit(session, actor, book, "grant.apply", f"grant:{application.id}", programme=programme.code,
          amount=fen_to_str(amount_fen))
    return application


def applications_of(session: Session, programme: GrantProgramme) -> list[GrantApplication]:
    return list(session.scalars(select(GrantApplication).where(GrantApplication.programme_id == programme.id)
                                .order_by(GrantApplication.id)))


def get_application(session: Session, book: Book, application_id: int) -> GrantApplication:
    found = session.scalar(select(GrantApplication).join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
                           .where(GrantProgramme.book_id == book.id, GrantApplication.id == int(application_id)))
    if found is None:
        raise NotFound(f"账簿 {book.code} 中没有资助申请 {application_id}",
                       f"book {book.code} has no grant application {application_id}", "application")
    return found


@dataclass(frozen=True)
class ApplicationView:
    """What the permissions table asks of an application (permissions._grant_refusal)."""
    status: str
    reviewer_ids: frozenset[int]
    conflicted_ids: frozenset[int]
    scored_ids: frozenset[int]


def view_of(session: Session, application: GrantApplication) -> ApplicationView:
    return ApplicationView(
        application.status,
        frozenset(session.scalars(select(GrantReviewer.user_id).where(GrantReviewer.programme_id == application.programme_id))),
        frozenset(session.scalars(select(GrantConflict.user_id).where(GrantConflict.application_id == application.id))),
        frozenset(session.scalars(select(GrantReview.user_id).where(GrantReview.application_id == application.id))),
    )


def _reread(session: Session, application: GrantApplication) -> None:
    session.refresh(application)  # under the book's lock: someone may have decided it meanwhile


# --- reviews --------------------------------------------------------------------------------------------------------

def may_declare_conflict(session: Session, actor: User, application: GrantApplication) -> bool:
    view = view_of(session, application)
    return (application.status == "submitted" and actor.id in view.reviewer_ids
            and actor.id not in view.conflicted_ids and actor.id not in view.scored_ids)


def declare_conflict(session: Session, actor: User, book: Book, application: GrantApplication, reason: str = "") -> GrantConflict:
    """A reviewer says they have a conflict of interest on the application: for good; they will not score it."""
    require(session, actor, Action.READ_BOOK, book)
    reason = _text(reason, "reason", "利益冲突说明", "the reason", limit=1000, required=False, one_line=False)
    lock_book(session, book)
    _reread(session, application)
    if not may_declare_conflict(session, actor, application):
        raise InvalidState("只有尚未评分的评审人可以在决定之前声明利益冲突",
                           "only a reviewer who has not scored it may declare a conflict, before it is decided",
                           "application")
    conflict = GrantConflict(application_id=application.id, user_id=actor.id, reason=reason)
    session.add(conflict)
    session.flush()
    audit(session, actor, book, "grant.conflict", f"grant:{application.id}")
    return conflict


def score(session: Session, actor: User, book: Book, application: GrantApplication, points: int, comment: str = "") -> GrantReview:
    """A reviewer's score (0–100) and comment. Kept as given: never changed, never a second one."""
    if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= 100:
        raise InvalidInput("评分须为 0 到 100 的整数", "a score is a whole number from 0 to 100", "score")
    comment = _text(comment, "comment", "评语", "the comment", limit=4000, required=False, one_line=False)
    lock_book(session, book)
    _reread(session, application)
    require(session, actor, Action.REVIEW_GRANT, book, view_of(session, application))
    review = GrantReview(application_id=application.id, user_id=actor.id, score=points, comment=comment)
    session.add(review)
    session.flush()
    audit(session, actor, book, "grant.score", f"grant:{application.id}", score=points)
    return review


def may_read_reviews(session: Session, actor: User, book: Book, application: GrantApplication) -> bool:
    """Each reviewer's name, score and comment are for the programme's reviewers and the fund managers (who decide);
    others, the clerk who talks to applicants included, get the number of scores and their average. The page and
    the API both ask here."""
    return can(session, actor, Action.DECIDE_GRANT, book) or actor.id in view_of(session, application).reviewer_ids


def reviews_of(session: Session, application: GrantApplication) -> list[GrantReview]:
    return list(session.scalars(select(GrantReview).where(GrantReview.application_id == application.id)
                                .order_by(GrantReview.id)))


def conflicts_of(session: Session, application: GrantApplication) -> list[GrantConflict]:
    return list(session.scalars(select(GrantConflict).where(GrantConflict.application_id == application.id)
                                .order_by(GrantConflict.id)))


def average_score(session: Session, application: GrantApplication) -> tuple[int, str | None]:
    """(number of scores, their mean to one decimal as a string) — no float."""
    count, total = session.execute(select(func.count(GrantReview.id), func.coalesce(func.sum(GrantReview.score), 0))
                                   .where(GrantReview.application_id == application.id)).one()
    if not count:
        return 0, None
    tenths = (int(total) * 10 * 2 + count) // (2 * count)  # round half up, in integers
    return int(count), f"{tenths // 10}.{tenths % 10}"


# --- money figures --------------------------------------------------------------------------------------------------

def committed_fen(session: Session, programme: GrantProgramme) -> int:
    """Awards, less what closures took off their grants, plus what they re-granted (as the database trigger adds)."""
    awarded = session.scalar(select(func.coalesce(func.sum(GrantDecision.amount_fen), 0)).where(
        GrantDecision.programme_id == programme.id, GrantDecision.decision == "award"))
    moved = session.scalar(select(func.coalesce(func.sum(GrantClosure.regranted_fen - GrantClosure.decommitted_fen), 0))
                           .where(GrantClosure.programme_id == programme.id))
    return int(awarded) + int(moved)


def decision_of(session: Session, application: GrantApplication) -> GrantDecision | None:
    return session.scalar(select(GrantDecision).where(GrantDecision.application_id == application.id))


def closure_of(session: Session, application: GrantApplication) -> GrantClosure | None:
    return session.scalar(select(GrantClosure).where(GrantClosure.application_id == application.id))


def tranches_of(session: Session, application: GrantApplication) -> list[GrantTranche]:
    return list(session.scalars(select(GrantTranche).where(GrantTranche.application_id == application.id)
                                .order_by(GrantTranche.seq)))


def _live_release(session: Session, tranche: GrantTranche) -> GrantRelease | None:
    """The tranche's release whose entry is submitted or posted (a rejected one does not count)."""
    return session.scalar(select(GrantRelease).join(Entry, Entry.id == GrantRelease.entry_id).where(
        GrantRelease.tranche_id == tranche.id,
        Entry.status.in_([EntryStatus.SUBMITTED.value, EntryStatus.POSTED.value])).order_by(GrantRelease.id.desc()).limit(1))


def reports_of(session: Session, tranche: GrantTranche) -> list[GrantReport]:
    return list(session.scalars(select(GrantReport).where(GrantReport.tranche_id == tranche.id).order_by(GrantReport.id)))


def report_decision(session: Session, report: GrantReport) -> GrantReportDecision | None:
    return session.scalar(select(GrantReportDecision).where(GrantReportDecision.report_id == report.id))


@dataclass
class TrancheState:
    tranche: GrantTranche
    release: GrantRelease | None
    reports: list[tuple[GrantReport, GrantReportDecision | None]]

    @property
    def paid(self) -> bool:
        return self.release is not None and self.release.entry.status == EntryStatus.POSTED.value

    @property
    def accepted(self) -> tuple[GrantReport, GrantReportDecision] | None:
        return next(((r, d) for r, d in self.reports if d is not None and d.accepted), None)

    @property
    def waiting(self) -> GrantReport | None:
        return next((r for r, d in self.reports if d is None), None)


@dataclass
class GrantState:
    """An awarded grant's money: awarded (with re-grants in), paid, accepted as spent, held by the grantee, unpaid."""
    application: GrantApplication
    decision: GrantDecision | None
    tranches: list[TrancheState] = field(default_factory=list)
    regranted_in_fen: int = 0
    closure: GrantClosure | None = None

    @property
    def awarded_fen(self) -> int:
        return (self.decision.amount_fen if self.decision and self.decision.decision == "award" else 0) + self.regranted_in_fen

    @property
    def paid_fen(self) -> int:
        return sum(t.release.amount_fen for t in self.tranches if t.paid)

    @property
    def released_fen(self) -> int:  # paid or waiting for its approval
        return sum(t.release.amount_fen for t in self.tranches if t.release is not None)

    @property
    def spent_fen(self) -> int:
        accepted = sum(e.amount_fen for t in self.tranches if t.accepted for e in t.accepted[0].expenses)
        return min(accepted, self.paid_fen)

    @property
    def committed_fen(self) -> int:
        return self.awarded_fen - (self.closure.decommitted_fen if self.closure else 0)


def state_of(session: Session, application: GrantApplication) -> GrantState:
    state = GrantState(application, decision_of(session, application), closure=closure_of(session, application))
    state.regranted_in_fen = int(session.scalar(select(func.coalesce(func.sum(GrantClosure.regranted_fen), 0))
                                               .where(GrantClosure.regrant_to_id == application.id)))
    for t in tranches_of(session, application):
        state.tranches.append(TrancheState(t, _live_release(session, t),
                                           [(r, report_decision(session, r)) for r in reports_of(session, t)]))
    return state


@dataclass(frozen=True)
class ProgrammeFigures:
    pool_fen: int
    committed_fen: int
    paid_fen: int
    counts: dict

    @property
    def uncommitted_fen(self) -> int:
        return self.pool_fen - self.committed_fen


def figures(session: Session, programme: GrantProgramme) -> ProgrammeFigures:
    apps = applications_of(session, programme)
    counts = {s: sum(1 for a in apps if a.status == s) for s in STATUSES}
    paid = sum(state_of(session, a).paid_fen for a in apps if a.status in ("awarded", "closed"))
    return ProgrammeFigures(programme.pool_fen, committed_fen(session, programme), paid, counts)


# --- entries --------------------------------------------------------------------------------------------------------

def _book_entry(session: Session, actor: User, book: Book, date: dt.date, summary: str, lines: list[Line],
                waiver: str | None = None) -> Entry:
    """Made by the system user, approved by `actor` (posted now, or waiting for a second approver above the
    book's threshold). An expense line without a voucher gets the decision as its reason."""
    from . import entries
    from .users import system_user

    system = system_user(session)
    if actor.id == system.id:
        raise InvalidState("资助的会计分录由系统制单、由基金管理人审批：请以基金管理人身份操作（命令行加 --as 用户名）",
                           "grant entries are made by the system and approved by the fund manager who acts: act as a "
                           "fund manager (on the command line, --as USERNAME)", "actor")
    entry = entries.create_entry(session, system, book, EntryInput(date=date, summary=summary[:200],
                                                                   lines=tuple(l for l in lines if l.fen)),
                                 submit=True, source=SOURCE)
    if waiver:
        session.add(VoucherWaiver(entry_id=entry.id, reason=waiver, recorded_by_id=system.id))
        session.flush()
        audit(session, system, book, "voucher.waive", f"entry:{entry.id}", reason=waiver)
    entries.approve_entry(session, actor, book, entry)
    return entry


# --- decisions ------------------------------------------------------------------------------------------------------

def decide(session: Session, actor: User, book: Book, application: GrantApplication, decision: str, reason: str,
           decided_on: dt.date, amount_fen: int | None = None, tranches: list[int] | None = None) -> GrantDecision:
    """Award (a commitment, booked) or decline, with the reason. An award is at most the amount asked and the
    ceiling, its tranches sum to it (one tranche if none are given), and the programme's commitments stay within
    its pool."""
    if decision not in ("award", "decline"):
        raise InvalidInput("决定只能是资助或不予资助", "a decision is award or decline", "decision")
    reason = _text(reason, "reason", "理由", "the reason", limit=4000, one_line=False)
    check_date(decided_on, "decided_on")
    lock_book(session, book)
    _reread(session, application)
    require(session, actor, Action.DECIDE_GRANT, book, view_of(session, application))
    programme = application.programme
    entry = None
    if decision == "award":
        amount_fen = application.amount_fen if amount_fen is None else _positive(amount_fen, "amount", "资助金额", "the award")
        if amount_fen > application.amount_fen:
            raise InvalidInput(f"资助金额 {format_fen(amount_fen)} 不能超过申请金额 {format_fen(application.amount_fen)}",
                               f"the award {format_fen(amount_fen)} cannot exceed the amount asked "
                               f"{format_fen(application.amount_fen)}", "amount")
        tranches = list(tranches or [amount_fen])
        for i, fen in enumerate(tranches, start=1):
            _positive(fen, f"tranches[{i}]", f"第 {i} 期金额", f"tranche {i}")
        if sum(tranches) != amount_fen:
            raise InvalidInput(f"各期金额合计 {format_fen(sum(tranches))} 须等于资助金额 {format_fen(amount_fen)}",
                               f"the tranches add up to {format_fen(sum(tranches))}, not the award {format_fen(amount_fen)}",
                               "tranches")
        committed = committed_fen(session, programme)
        if committed + amount_fen > programme.pool_fen:
            raise InvalidState(
                f"资金池不足：已承诺 {format_fen(committed)}，再资助 {format_fen(amount_fen)} 将超过资金池 "
                f"{format_fen(programme.pool_fen)}（尚余 {format_fen(programme.pool_fen - committed)}）",
                f"the pool cannot take it: {format_fen(committed)} is committed, and {format_fen(amount_fen)} more would "
                f"exceed the pool of {format_fen(programme.pool_fen)} ({format_fen(programme.pool_fen - committed)} left)",
                "amount")
        fund = programme.fund.code
        note = f"{application.applicant}：{application.title}"[:200]
        entry = _book_entry(session, actor, book, decided_on, f"资助承诺 {programme.code}：{note}",
                            [Line(EXPENSE, fund, amount_fen, note), Line(PAYABLE, fund, -amount_fen, note)],
                            waiver=f"资助决定（{programme.code} 第 {application.id} 号申请）为记账依据")
    else:
        amount_fen, tranches = 0, []
    row = GrantDecision(application_id=application.id, programme_id=programme.id, decision=decision, amount_fen=amount_fen,
                        reason=reason, decided_on=decided_on, entry_id=entry.id if entry else None, decided_by_id=actor.id)
    session.add(row)
    session.flush()  # the pool's trigger sees it here
    for seq, fen in enumerate(tranches, start=1):
        session.add(GrantTranche(application_id=application.id, seq=seq, planned_fen=fen))
    application.status = "awarded" if decision == "award" else "declined"
    session.flush()
    audit(session, actor, book, f"grant.{decision}", f"grant:{application.id}", amount=fen_to_str(amount_fen),
          **({"entry": entry.id} if entry else {}))
    return row


# --- tranches and reports -------------------------------------------------------------------------------------------

def release_refusal(session: Session, application: GrantApplication, seq: int) -> InvalidState | None:
    """Why tranche `seq` cannot be released now (None when it can): the grant is awarded and its commitment
    posted, the tranche not already released, and every earlier tranche paid with its report accepted."""
    if application.status != "awarded":
        return InvalidState("只有已资助且未结项的申请可以拨款", "only an awarded grant that is not closed is paid", "application")
    state = state_of(session, application)
    commitment = award_entry(session, application)
    if commitment is not None and commitment.status == EntryStatus.REJECTED.value:
        return InvalidState("资助承诺的会计分录被审批人退回，须先重新提交，才能拨款",
                            "the award's commitment entry was rejected by the approver; book it again before paying",
                            "tranche")
    if commitment is not None and commitment.status != EntryStatus.POSTED.value:
        return InvalidState("资助承诺的会计分录尚未过账（等待审批），不能拨款",
                            "the award's commitment entry is not posted yet (it awaits approval); nothing is paid before it",
                            "tranche")
    found = next((t for t in state.tranches if t.tranche.seq == seq), None)
    if found is None:
        return InvalidState(f"没有第 {seq} 期", f"there is no tranche {seq}", "tranche")
    if found.release is not None:
        return InvalidState(f"第 {seq} 期已拨付（或等待审批）", f"tranche {seq} is already released (or awaits approval)",
                            "tranche")
    for earlier in state.tranches:
        if earlier.tranche.seq >= seq:
            break
        if not earlier.paid:
            return InvalidState(f"第 {earlier.tranche.seq} 期尚未拨付，不能先拨第 {seq} 期",
                                f"tranche {earlier.tranche.seq} is not paid yet; tranche {seq} cannot go first", "tranche")
        if earlier.accepted is None:
            return InvalidState(f"第 {earlier.tranche.seq} 期的报告尚未验收通过，不能拨付第 {seq} 期",
                                f"the report on tranche {earlier.tranche.seq} has not been accepted; tranche {seq} "
                                "cannot be released", "tranche")
    return None


def release(session: Session, actor: User, book: Book, application: GrantApplication, seq: int, released_on: dt.date,
            bank: str = BANK) -> GrantRelease:
    """Pay tranche `seq`: Dr 2206 / Cr the bank on the programme's fund (refused if the fund lacks the money)."""
    require(session, actor, Action.PAY_GRANT, book)
    check_date(released_on, "released_on")
    lock_book(session, book)
    _reread(session, application)
    refusal = release_refusal(session, application, seq)
    if refusal is not None:
        raise refusal
    tranche = next(t for t in tranches_of(session, application) if t.seq == seq)
    programme = application.programme
    note = f"{application.applicant}：{application.title}"[:200]
    entry = _book_entry(session, actor, book, released_on, f"拨付资助 {programme.code} 第 {seq} 期：{note}",
                        [Line(PAYABLE, programme.fund.code, tranche.planned_fen, note),
                         Line(bank, programme.fund.code, -tranche.planned_fen, note)])
    row = GrantRelease(tranche_id=tranche.id, entry_id=entry.id, amount_fen=tranche.planned_fen, released_on=released_on,
                       released_by_id=actor.id)
    session.add(row)
    session.flush()
    audit(session, actor, book, "grant.release", f"grant:{application.id}", tranche=seq,
          amount=fen_to_str(tranche.planned_fen), entry=entry.id)
    return row


def report_refusal(session: Session, application: GrantApplication, seq: int) -> InvalidState | None:
    if application.status != "awarded":
        return InvalidState("只有已资助且未结项的申请可以报告", "reports are on an awarded grant that is not closed", "application")
    found = next((t for t in state_of(session, application).tranches if t.tranche.seq == seq), None)
    if found is None:
        return InvalidState(f"没有第 {seq} 期", f"there is no tranche {seq}", "tranche")
    if not found.paid:
        return InvalidState(f"第 {seq} 期尚未拨付，还不能报告", f"tranche {seq} is not paid yet; nothing to report on", "tranche")
    if found.accepted is not None:
        return InvalidState(f"第 {seq} 期的报告已验收通过", f"the report on tranche {seq} is already accepted", "tranche")
    if found.waiting is not None:
        return InvalidState(f"第 {seq} 期已有一份报告等待验收", f"a report on tranche {seq} is waiting to be reviewed", "tranche")
    return None


def record_report(session: Session, actor: User, book: Book, application: GrantApplication, seq: int, narrative: str,
                  expenses: list[tuple[str, int, str]], submitted_on: dt.date, files: Sequence = (),
                  store=None) -> GrantReport:
    """The grantee's report on a paid tranche: what was done, each expense (item, amount, voucher reference), and
    the receipts as files already prepared (`vouchers.prepare_uploads`), stored in `store` like entries' vouchers."""
    require(session, actor, Action.RECORD_GRANT_APPLICATION, book)
    narrative = _text(narrative, "narrative", "报告内容", "the narrative", limit=8000, one_line=False)
    check_date(submitted_on, "submitted_on")
    if len(expenses) > MAX_LINES:
        raise InvalidInput(f"支出最多 {MAX_LINES} 行", f"at most {MAX_LINES} expenses", "expenses")
    clean = []
    for i, (item, fen, voucher) in enumerate(expenses, start=1):
        clean.append((_text(item, f"expenses[{i}].item", f"第 {i} 笔支出的用途", f"the item of expense {i}"),
                      _positive(fen, f"expenses[{i}].amount", f"第 {i} 笔支出的金额", f"the amount of expense {i}"),
                      _text(voucher, f"expenses[{i}].voucher", f"第 {i} 笔支出的凭证号", f"the voucher of expense {i}")))
    lock_book(session, book)
    _reread(session, application)
    refusal = report_refusal(session, application, seq)
    if refusal is not None:
        raise refusal
    tranche = next(t for t in tranches_of(session, application) if t.seq == seq)
    report = GrantReport(tranche_id=tranche.id, narrative=narrative, submitted_on=submitted_on, recorded_by_id=actor.id)
    session.add(report)
    session.flush()
    for no, (item, fen, voucher) in enumerate(clean, start=1):
        session.add(GrantReportExpense(report_id=report.id, line_no=no, item=item, amount_fen=fen, voucher=voucher))
    session.flush()
    session.refresh(report)
    audit(session, actor, book, "grant.report", f"grant:{application.id}", tranche=seq,
          total=fen_to_str(sum(f for _i, f, _v in clean)), files=len(files))
    for prepared in files:
        _attach_report_file(session, actor, book, report, prepared, store)
    return report


def get_report(session: Session, book: Book, report_id: int) -> tuple[GrantReport, GrantApplication]:
    row = session.execute(select(GrantReport, GrantApplication)
                          .join(GrantTranche, GrantTranche.id == GrantReport.tranche_id)
                          .join(GrantApplication, GrantApplication.id == GrantTranche.application_id)
                          .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
                          .where(GrantProgramme.book_id == book.id, GrantReport.id == int(report_id))).first()
    if row is None:
        raise NotFound(f"没有报告 {report_id}", f"no report {report_id}", "report")
    return row[0], row[1]


def decide_report(session: Session, actor: User, book: Book, report: GrantReport, accepted: bool, decided_on: dt.date,
                  note: str = "") -> GrantReportDecision:
    """Accept a report (the next tranche may then go) or send it back with what is missing (a new report follows)."""
    require(session, actor, Action.PAY_GRANT, book)
    note = _text(note, "note", "验收意见", "the note", limit=4000, required=not accepted, one_line=False)
    check_date(decided_on, "decided_on")
    lock_book(session, book)
    session.refresh(report)
    if report_decision(session, report) is not None:
        raise InvalidState("这份报告已验收或退回（可能刚被他人处理，请刷新）",
                           "this report has already been reviewed (perhaps just now; reload)", "report")
    row = GrantReportDecision(report_id=report.id, accepted=bool(accepted), note=note, decided_on=decided_on,
                              decided_by_id=actor.id)
    session.add(row)
    session.flush()
    audit(session, actor, book, "grant.report_accept" if accepted else "grant.report_return", f"report:{report.id}")
    return row


# --- closing a grant ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Unspent:
    held_fen: int  # paid to the grantee and not accounted for by accepted reports
    unpaid_fen: int  # committed and never paid

    @property
    def total_fen(self) -> int:
        return self.held_fen + self.unpaid_fen


def unspent_of(state: GrantState) -> Unspent:
    return Unspent(state.paid_fen - state.spent_fen, state.awarded_fen - state.paid_fen)


def close_refusal(session: Session, application: GrantApplication) -> InvalidState | None:
    if application.status != "awarded":
        return InvalidState("只有已资助且未结项的申请可以结项", "only an awarded grant that is not closed can be closed",
                            "application")
    for t in state_of(session, application).tranches:
        if t.release is not None and not t.paid:
            return InvalidState(f"第 {t.tranche.seq} 期的拨款分录尚在等待审批，结项前须先处理",
                                f"the entry paying tranche {t.tranche.seq} still awaits approval; settle it first", "tranche")
        if t.paid and t.accepted is None:
            return InvalidState(f"第 {t.tranche.seq} 期已拨付，其报告尚未验收通过，不能结项",
                                f"tranche {t.tranche.seq} was paid and its report is not accepted; the grant cannot close",
                                "tranche")
    return None


def close_grant(session: Session, actor: User, book: Book, application: GrantApplication, mode: str, closed_on: dt.date,
                reason: str = "", regrant_to: GrantApplication | None = None, bank: str = BANK) -> GrantClosure:
    """Close an awarded grant. Money unspent needs `return` (held money back to the bank, the unpaid commitment
    released, both to the pool) or `regrant` (the same, committed in the same entry to another awarded grant of the
    programme as an extra tranche); `complete` only when nothing is unspent."""
    require(session, actor, Action.PAY_GRANT, book)
    if mode not in CLOSE_MODES:
        raise InvalidInput("结项方式只能是 complete、return 或 regrant", "close with complete, return or regrant", "mode")
    reason = _text(reason, "reason", "说明", "the reason", limit=4000, required=mode != "complete", one_line=False)
    check_date(closed_on, "closed_on")
    lock_book(session, book)
    _reread(session, application)
    refusal = close_refusal(session, application)
    if refusal is not None:
        raise refusal
    state = state_of(session, application)
    unspent = unspent_of(state)
    programme = application.programme
    if mode == "complete" and unspent.total_fen:
        raise InvalidState(
            f"尚有 {format_fen(unspent.total_fen)} 未使用（受资助方持有 {format_fen(unspent.held_fen)}，未拨付 "
            f"{format_fen(unspent.unpaid_fen)}）：须退回（return）或转资助（regrant），不能直接结项",
            f"{format_fen(unspent.total_fen)} is unspent ({format_fen(unspent.held_fen)} held by the grantee, "
            f"{format_fen(unspent.unpaid_fen)} never paid): return it or re-grant it; a grant never closes on it silently",
            "mode")
    if mode != "complete" and not unspent.total_fen:
        raise InvalidState("没有未使用的资金，请用 complete 结项", "nothing is unspent: close it with complete", "mode")
    if mode == "regrant":
        if regrant_to is None:
            raise InvalidInput("转资助须指明接受的申请", "a re-grant names the grant that receives it", "regrant_to")
        session.refresh(regrant_to)
        if regrant_to.programme_id != programme.id or regrant_to.id == application.id or regrant_to.status != "awarded":
            raise InvalidInput("转资助只能给同一资助计划中另一项已资助、未结项的申请",
                               "a re-grant goes to another awarded, open grant of the same programme", "regrant_to")
        target = state_of(session, regrant_to)
        if target.awarded_fen + unspent.total_fen > programme.ceiling_fen:
            raise InvalidInput(f"转资助后该项资助将达 {format_fen(target.awarded_fen + unspent.total_fen)}，超过单项上限 "
                               f"{format_fen(programme.ceiling_fen)}",
                               f"the re-grant would take that grant to {format_fen(target.awarded_fen + unspent.total_fen)},"
                               f" above the ceiling of {format_fen(programme.ceiling_fen)}", "regrant_to")
    elif regrant_to is not None:
        raise InvalidInput("只有转资助才指明接受的申请", "only a re-grant names a receiving grant", "regrant_to")
    entry = None
    if unspent.total_fen:
        fund = programme.fund.code
        note = f"{application.applicant}：{application.title}"[:200]
        lines = [Line(bank, fund, unspent.held_fen, f"退回：{note}"[:200]),
                 Line(PAYABLE, fund, unspent.unpaid_fen, f"未拨付部分撤销：{note}"[:200]),
                 Line(EXPENSE, fund, -unspent.total_fen, f"未使用资助：{note}"[:200])]
        if mode == "regrant":
            other = f"转资助给：{regrant_to.applicant}：{regrant_to.title}"[:200]
            lines += [Line(EXPENSE, fund, unspent.total_fen, other), Line(PAYABLE, fund, -unspent.total_fen, other)]
            summary = f"资助结项并转资助 {programme.code}：{note}"
        else:
            summary = f"资助结项退回未使用资金 {programme.code}：{note}"
        entry = _book_entry(session, actor, book, closed_on, summary, lines,
                            waiver=(f"转资助决定（{programme.code} 第 {application.id} 号 → 第 {regrant_to.id} 号）为记账依据"
                                    if mode == "regrant" else None))
    row = GrantClosure(application_id=application.id, programme_id=programme.id, mode=mode, spent_fen=state.spent_fen,
                       returned_fen=unspent.held_fen, decommitted_fen=unspent.total_fen,
                       regranted_fen=unspent.total_fen if mode == "regrant" else 0,
                       regrant_to_id=regrant_to.id if mode == "regrant" else None,
                       entry_id=entry.id if entry else None, reason=reason, closed_on=closed_on, closed_by_id=actor.id)
    session.add(row)
    session.flush()
    if mode == "regrant":
        last = max((t.seq for t in tranches_of(session, regrant_to)), default=0)
        session.add(GrantTranche(application_id=regrant_to.id, seq=last + 1, planned_fen=unspent.total_fen))
    application.status = "closed"
    session.flush()
    audit(session, actor, book, f"grant.close_{mode}", f"grant:{application.id}", unspent=fen_to_str(unspent.total_fen),
          **({"entry": entry.id} if entry else {}))
    return row


# --- what a fund book publishes -------------------------------------------------------------------------------------

def _entry_ref(entry: Entry | None, through: dt.date) -> str | None:
    if entry is None or entry.status != EntryStatus.POSTED.value or entry.date > through:
        return None
    return entry.number


def public_doc(session: Session, book: Book, through: dt.date) -> dict:
    """Every awarded grant of the book's programmes as of `through` (a published month's last day): the programme,
    the grantee organisation (public once awarded), the award and its entry, each tranche with its release and its
    accepted report, and the closure. No reviewer's identity, no applicant's contact, no declined application."""
    programmes = []
    for programme in sorted(programmes_of(session, book), key=lambda p: p.code):
        if programme.opens_on > through:
            continue
        grants = []
        committed = paid = 0
        for application in applications_of(session, programme):
            state = state_of(session, application)
            decision = state.decision
            if decision is None or decision.decision != "award" or decision.decided_on > through:
                continue
            count, mean = average_score(session, application)
            tranches = []
            for t in state.tranches:
                release = t.release if t.paid and t.release.released_on <= through else None
                accepted = t.accepted
                if accepted is not None and accepted[1].decided_on > through:
                    accepted = None
                tranches.append({
                    "seq": t.tranche.seq, "planned": fen_to_str(t.tranche.planned_fen),
                    "released": fen_to_str(release.amount_fen) if release else None,
                    "released_on": release.released_on.isoformat() if release else None,
                    "entry": _entry_ref(release.entry, through) if release else None,
                    "report": None if accepted is None else {
                        "submitted_on": accepted[0].submitted_on.isoformat(),
                        "accepted_on": accepted[1].decided_on.isoformat(),
                        "narrative": accepted[0].narrative,
                        "expenses": [{"item": e.item, "amount": fen_to_str(e.amount_fen), "voucher": e.voucher}
                                     for e in accepted[0].expenses],
                        "total": fen_to_str(sum(e.amount_fen for e in accepted[0].expenses)),
                        **dict(zip(("files", "files_waiting"), _public_files(session, accepted[0]))),
                    },
                })
                paid += release.amount_fen if release else 0
            closure = state.closure if state.closure and state.closure.closed_on <= through else None
            regranted_in = int(session.scalar(select(func.coalesce(func.sum(GrantClosure.regranted_fen), 0)).where(
                GrantClosure.regrant_to_id == application.id, GrantClosure.closed_on <= through)))
            awarded = decision.amount_fen + regranted_in
            committed += awarded - (closure.decommitted_fen if closure else 0)
            grants.append({
                "id": application.id, "applicant": application.applicant, "community": application.community,
                "title": application.title, "purpose": application.purpose,
                "budget": [{"item": b.item, "amount": fen_to_str(b.amount_fen)} for b in application.budget],
                "asked": fen_to_str(application.amount_fen), "awarded": fen_to_str(awarded),
                "awarded_on": decision.decided_on.isoformat(), "reason": decision.reason,
                "entry": _entry_ref(award_entry(session, application), through),
                "reviews": count, "average_score": mean,
                "tranches": tranches,
                "closure": None if closure is None else {
                    "closed_on": closure.closed_on.isoformat(), "mode": closure.mode,
                    "spent": fen_to_str(closure.spent_fen), "returned": fen_to_str(closure.returned_fen),
                    "unspent": fen_to_str(closure.decommitted_fen), "reason": closure.reason,
                    "regranted_to": closure.regrant_to_id,
                    "entry": _entry_ref(closure_entry(session, application), through)},
            })
        programmes.append({
            "code": programme.code, "title": programme.title, "fund": programme.fund.code,
            "pool": fen_to_str(programme.pool_fen), "ceiling": fen_to_str(programme.ceiling_fen),
            "opens_on": programme.opens_on.isoformat(), "closes_on": programme.closes_on.isoformat(),
            "criteria": programme.criteria, "committed": fen_to_str(committed), "paid": fen_to_str(paid),
            "grants": grants,
        })
    return {"book": book.code, "through": through.isoformat(), "programmes": programmes}


# --- a report's files (0021) ----------------------------------------------------------------------------------------
# The receipts a grantee hands in with a report, kept as entries' vouchers are (voucher_files): the original privately
# (seen by those who may see originals, each read audited), public copies made from it. The copy made at upload is
# seq 1 and is never published: only a copy the committee made when it reviewed the file for redaction (boxes drawn,
# or none needed) is on the public page.

def _attach_report_file(session: Session, actor: User, book: Book, report: GrantReport, prepared, store) -> GrantReportFile:
    from .voucher_files import _after_rollback_remove, _write_all

    if store is None:
        raise InvalidState("没有配置凭证文件目录，不能保存附件", "no voucher folder is configured; files cannot be kept", "file")
    if session.scalar(select(GrantReportFile.id).where(GrantReportFile.report_id == report.id,
                                                       GrantReportFile.sha256 == prepared.sha256)):
        raise InvalidInput(f"这个文件（{prepared.filename}）已经附在这份报告上了",
                           f"this file ({prepared.filename}) is already attached to this report", "file")
    row = GrantReportFile(report_id=report.id, sha256=prepared.sha256, filename=prepared.filename,
                          media_type=prepared.kind.media_type, size=len(prepared.data), uploaded_by_id=actor.id)
    session.add(row)
    session.flush()  # the rows first: the guards speak before any file exists
    created = _write_all(store, [(store.original(prepared.sha256), prepared.data)]
                         + [(store.unredacted(prepared.sha256, no), p.jpeg) for no, p in enumerate(prepared.pages, start=1)]
                         + [(store.public(p.sha256), p.jpeg) for p in prepared.pages])
    _after_rollback_remove(session, created)
    session.add(GrantReportFilePublic(file_id=row.id, seq=1, redactions="[]",
                                      pages=json.dumps([p.meta for p in prepared.pages]), created_by_id=actor.id))
    session.flush()
    audit(session, actor, book, "grant.report_file", f"report:{report.id}", file=row.id, sha256=row.sha256,
          filename=row.filename, media_type=row.media_type, size=row.size, pages=len(prepared.pages))
    return row


def record_report_with_uploads(uow, book: Book, application_id: int, seq: int, narrative: str,
                               expenses: list[tuple[str, int, str]], submitted_on: dt.date, uploads: Sequence,
                               limits, key: str | None = None) -> tuple[GrantReport, bool]:
    """Record a report with the files a request brought (the office form, the API): every file is checked and
    decoded with no transaction held (as vouchers are), then the report and its files are written at once, or
    nothing is (a file refused refuses the report)."""
    from .vouchers import prepare_uploads

    with uow:
        require(uow.session, uow.actor, Action.RECORD_GRANT_APPLICATION, book)
        prepared = []
        if uploads:
            prepared, _refused = prepare_uploads(uow, book, None, uploads, limits)
        application = get_application(uow.session, book, application_id)
        request = {"application": application.id, "tranche": seq, "narrative": narrative, "submitted_on": submitted_on,
                   "expenses": [list(e) for e in expenses], "files": [p.sha256 for p in prepared]}
        report_id, replayed = keyed(uow.session, uow.actor, book, key, "report", request, lambda session, actor: record_report(
            session, actor, book, application, seq, narrative, expenses, submitted_on, files=prepared, store=uow.store))
        uow.commit()
        return uow.session.get(GrantReport, report_id), replayed


def files_of(session: Session, report: GrantReport) -> list[GrantReportFile]:
    return list(session.scalars(select(GrantReportFile).where(GrantReportFile.report_id == report.id)
                                .order_by(GrantReportFile.id)))


def newest_copies(session: Session, file_ids: list[int]) -> dict[int, GrantReportFilePublic]:
    found: dict[int, GrantReportFilePublic] = {}
    if file_ids:
        for public in session.scalars(select(GrantReportFilePublic).where(GrantReportFilePublic.file_id.in_(file_ids))
                                      .order_by(GrantReportFilePublic.seq.desc())):
            found.setdefault(public.file_id, public)
    return found


def reviewed(public: GrantReportFilePublic | None) -> bool:
    """A copy made when the committee reviewed the file (the upload's own copy is seq 1)."""
    return public is not None and public.seq >= 2


def get_report_file(session: Session, book: Book, file_id: int) -> tuple[GrantReportFile, GrantReport, GrantApplication]:
    row = session.execute(select(GrantReportFile, GrantReport, GrantApplication)
                          .join(GrantReport, GrantReport.id == GrantReportFile.report_id)
                          .join(GrantTranche, GrantTranche.id == GrantReport.tranche_id)
                          .join(GrantApplication, GrantApplication.id == GrantTranche.application_id)
                          .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
                          .where(GrantProgramme.book_id == book.id, GrantReportFile.id == int(file_id))).first()
    if row is None:
        raise NotFound(f"账簿 {book.code} 中没有报告附件 {file_id}", f"book {book.code} has no report file {file_id}", "file")
    return row[0], row[1], row[2]


def review_report_file(session: Session, actor: User, book: Book, file: GrantReportFile, raw_redactions, store) -> GrantReportFilePublic:
    """The committee reviews a report's file for redaction: the boxes (none, when nothing needs hiding) are burned
    into a new public copy made from the original; that copy is the one published."""
    from .voucher_files import PreparedPage, _after_rollback_remove, _write_all, burn_page, read_original_bytes, render_pages, sniff
    from .vouchers import parse_redactions

    require(session, actor, Action.REDACT_VOUCHER, book)
    data = read_original_bytes(store, file)
    sniffed = sniff(data, len(data))
    boxes = parse_redactions(raw_redactions, sniffed.pages)
    pages = render_pages(data, sniffed, lambda no, im: PreparedPage.of(burn_page(im, no, boxes)))
    created = _write_all(store, [(store.public(p.sha256), p.jpeg) for p in pages])
    _after_rollback_remove(session, created)
    lock_book(session, book)  # numbering the copy: two reviews at once take turns
    last = session.scalar(select(func.max(GrantReportFilePublic.seq)).where(GrantReportFilePublic.file_id == file.id)) or 0
    public = GrantReportFilePublic(file_id=file.id, seq=last + 1, redactions=json.dumps(boxes),
                                   pages=json.dumps([p.meta for p in pages]), created_by_id=actor.id)
    session.add(public)
    session.flush()
    audit(session, actor, book, "grant.report_file_review", f"report_file:{file.id}", boxes=len(boxes), seq=public.seq)
    return public


def report_file_page(session: Session, actor: User, book: Book, file: GrantReportFile, page: int, store) -> Path:
    """A page of the file's newest public copy (redactions burned in), for anyone with a role in the book."""
    require(session, actor, Action.READ_BOOK, book)
    public = newest_copies(session, [file.id]).get(file.id)
    pages = json.loads(public.pages) if public else []
    if not 1 <= page <= len(pages):
        raise NotFound(f"没有第 {page} 页", f"there is no page {page}", "page")
    path = store.public(pages[page - 1]["sha256"])
    if not path.is_file():
        raise NotFound("附件图片文件不见了，请联系管理员", "the file's image is missing; tell the administrator", "page")
    return path


def report_file_original(session: Session, actor: User, book: Book, file: GrantReportFile, store):
    """The original as handed in: for those who may see originals only; the read is audited."""
    from .voucher_files import _kind_of, _original_missing
    from .vouchers import OriginalFile

    require(session, actor, Action.SEE_ORIGINALS, book)
    path = store.original(file.sha256)
    if not path.is_file():
        raise _original_missing()
    audit(session, actor, book, "grant.report_file_original", f"report_file:{file.id}", sha256=file.sha256)
    kind = _kind_of(file)
    name = file.filename if Path(file.filename).suffix.lower() in kind.extensions else file.filename + kind.extension
    return OriginalFile(path, file.media_type, name)


def public_pages(doc: dict) -> list[str]:
    """The voucher pages a grants document shows ("vouchers/<sha256>.jpg"), for a publication to carry."""
    return sorted({page for p in doc["programmes"] for g in p["grants"] for t in g["tranches"] if t["report"]
                   for f in t["report"].get("files", []) for page in f["pages"]})


def _public_files(session: Session, report: GrantReport) -> tuple[list[dict], int]:
    """The report's files as residents see them: reviewed copies' pages only; how many wait for review."""
    files = files_of(session, report)
    newest = newest_copies(session, [f.id for f in files])
    shown = [{"pages": [f"vouchers/{p['sha256']}.jpg" for p in json.loads(newest[f.id].pages)]}
             for f in files if reviewed(newest.get(f.id))]
    return shown, len(files) - len(shown)


# --- a grant entry an approver rejected (0021) ----------------------------------------------------------------------
# An award's commitment, or a closure's entry, is made by the system and may wait for a second approver, who may
# reject it. The decision (or closure) stands; the fund manager books it again, by a new entry with the same lines
# (the rejected one stays, rejected). A release's entry rejected needs nothing of this: the tranche is simply released
# again (a rejected release does not count).

def _rebookings(session: Session, application: GrantApplication, kind: str) -> list[GrantRebooking]:
    return list(session.scalars(select(GrantRebooking).where(GrantRebooking.application_id == application.id,
                                                             GrantRebooking.kind == kind).order_by(GrantRebooking.id)))


def award_entry(session: Session, application: GrantApplication) -> Entry | None:
    """The award's commitment entry in force: the newest booking of it."""
    decision = decision_of(session, application)
    if decision is None or decision.entry is None:
        return None
    again = _rebookings(session, application, "award")
    return again[-1].entry if again else decision.entry


def closure_entry(session: Session, application: GrantApplication) -> Entry | None:
    closure = closure_of(session, application)
    if closure is None or closure.entry is None:
        return None
    again = _rebookings(session, application, "close")
    return again[-1].entry if again else closure.entry


def rebook_refusal(session: Session, application: GrantApplication, kind: str) -> InvalidState | None:
    """Why the award's (or closure's) entry cannot be booked again now: only when it was rejected."""
    if kind not in ("award", "close"):
        return InvalidState("只能重新提交资助承诺或结项的分录", "only an award's or a closure's entry is booked again", "kind")
    entry = award_entry(session, application) if kind == "award" else closure_entry(session, application)
    if kind == "award" and application.status != "awarded":
        return InvalidState("只有已资助、未结项的申请可以重新提交资助承诺分录",
                            "only an awarded grant that is not closed has its commitment booked again", "application")
    if entry is None or entry.status != EntryStatus.REJECTED.value:
        return InvalidState("这笔分录没有被退回，不需要重新提交", "this entry was not rejected; there is nothing to book again",
                            "entry")
    return None


def rebook(session: Session, actor: User, book: Book, application: GrantApplication, kind: str, booked_on: dt.date,
           reason: str = "") -> GrantRebooking:
    """Book a rejected award (or closure) entry again: a new entry with the rejected one's lines, dated `booked_on`,
    made by the system and approved by the fund manager acting (a second approver again above the threshold)."""
    require(session, actor, Action.DECIDE_GRANT if kind == "award" else Action.PAY_GRANT, book)
    reason = _text(reason, "reason", "说明", "the reason", limit=4000, required=False, one_line=False)
    check_date(booked_on, "booked_on")
    lock_book(session, book)
    _reread(session, application)
    refusal = rebook_refusal(session, application, kind)
    if refusal is not None:
        raise refusal
    rejected = award_entry(session, application) if kind == "award" else closure_entry(session, application)
    session.refresh(rejected)
    lines = [Line(l.account.code, l.fund.code, l.amount_fen, l.note) for l in rejected.lines]
    waiver = session.scalar(select(VoucherWaiver.reason).where(VoucherWaiver.entry_id == rejected.id).limit(1))
    entry = _book_entry(session, actor, book, booked_on, f"重新提交：{rejected.summary}", lines, waiver=waiver)
    row = GrantRebooking(application_id=application.id, kind=kind, rejected_entry_id=rejected.id, entry_id=entry.id,
                         reason=reason, booked_on=booked_on, booked_by_id=actor.id)
    session.add(row)
    session.flush()
    audit(session, actor, book, f"grant.rebook_{kind}", f"grant:{application.id}", rejected=rejected.id, entry=entry.id)
    return row



# --- the API's idempotency keys (0021) -------------------------------------------------------------------------------

def keyed(session: Session, actor: User, book: Book, key: str | None, operation: str, request: dict, act) -> tuple[int, bool]:
    """Run `act(session, actor)` (which returns the row it made) once per Idempotency-Key: (the row's id, whether it
    was made before). The same key sent with other content, or by someone else, is refused; under the book's lock,
    so two requests with one key make one row."""
    from ..domain.chain import sha256_hex

    if not key:
        return act(session, actor).id, False
    lock_book(session, book)
    digest = sha256_hex(json.dumps({"operation": operation, "request": request}, sort_keys=True, ensure_ascii=False,
                                   default=str).encode("utf-8"))
    found = session.scalar(select(GrantApiKey).where(GrantApiKey.book_id == book.id, GrantApiKey.key == key))
    if found is not None:
        if found.digest != digest or found.user_id != actor.id or found.operation != operation:
            raise IdempotencyConflict(f"幂等键 {key} 已用于另一个请求", f"the idempotency key {key} was used for another "
                                      "request", "idempotency_key")
        return found.result_id, True
    made = act(session, actor)
    session.add(GrantApiKey(book_id=book.id, user_id=actor.id, key=key, operation=operation, digest=digest,
                            result_id=made.id))
    session.flush()
    return made.id, False



def check_before_post(session: Session, book: Book, entry: Entry) -> None:
    """(hooks.BEFORE_POST) A grant entry that was rejected and then replaced (the award or closure booked again, the
    tranche released again) is refused if someone edits it back into approval: the grant would be paid or committed
    twice."""
    if entry.source != SOURCE:
        return
    if session.scalar(select(GrantRebooking.id).where(GrantRebooking.rejected_entry_id == entry.id)) is not None:
        raise InvalidState("这笔资助分录被退回后已重新提交过，不能再过账", "this grant entry was rejected and booked again "
                           "since; it cannot post as well", "entry")
    tranche_id = session.scalar(select(GrantRelease.tranche_id).where(GrantRelease.entry_id == entry.id))
    if tranche_id is not None and session.scalar(
            select(GrantRelease.id).join(Entry, Entry.id == GrantRelease.entry_id).where(
                GrantRelease.tranche_id == tranche_id, GrantRelease.entry_id != entry.id,
                Entry.status.in_([EntryStatus.SUBMITTED.value, EntryStatus.POSTED.value])).limit(1)) is not None:
        raise InvalidState("这一期资助款已经另行拨付，这笔被退回的拨款分录不能再过账",
                           "this tranche was released again since; this rejected release entry cannot post as well",
                           "entry")
