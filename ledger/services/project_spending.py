"""Spending on a micro-project (issue 10): only from its restricted fund, with vouchers, against its budget lines.

A spend is an ordinary entry (Dr an expense account / Cr cash or a payable, all on the project's fund P-CODE) made by
`record_spend` through the entry services, so the maker/approver rules, the vouchers and the lock date apply as to
any entry; beside it, `project_spends` rows allocate its amount to the project's budget lines.

`check_before_post` (a BEFORE_POST hook, services/hooks.py) is the one place the rule is enforced, under the book's
lock, whatever path made the entry: an entry with expense lines on a project's fund posts only if
- the project is funded (before settling, an all-or-nothing project may still have to give every donation back, and
  a failed one has: its fund is the donors' money, not the project's);
- its allocations cover exactly those lines' amount (a plain entry on P-CODE, with no allocation, is refused);
- it has at least one voucher;
- no budget line's posted spending would go over the line's amount.

A reversal of a posted spend posts freely (its lines are the spend's, negated) and gives its lines back.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..db.schema import Account, Book, Entry, Project, ProjectBudgetLine, ProjectSpend, User
from ..domain.errors import InvalidInput, LedgerError
from ..domain.model import EntryInput, EntryStatus, Line, parse_date
from ..domain.money import fen_to_str, format_fen
from ..domain.permissions import Action
from .access import audit, can, require
from .posting import check_open_date, lock_book

FUNDED = "funded"
PAID_FROM_TYPES = ("asset", "liability")  # cash or bank (a cash account), or a payable
WAITING = (EntryStatus.DRAFT.value, EntryStatus.SUBMITTED.value)


class SpendRefused(LedgerError):
    status = 409


def _projects():
    from . import projects  # imported late: projects imports the entry services, which import the hooks

    return projects


# --- what may be done ------------------------------------------------------------------------------------------------

def may_spend(session: Session, user: User | None, book: Book, project: Project) -> bool:
    """Whether `record_spend` would let this user spend from the project now (the page shows the form exactly then)."""
    return (user is not None and project.status == FUNDED
            and can(session, user, Action.MAKE_ENTRY, book) and can(session, user, Action.ATTACH_VOUCHER, book)
            and any(f.left_fen > 0 for f in line_figures(session, project)))  # a line with something left


def _refuse_unfunded(project: Project) -> None:
    _projects().refuse_payout_unless_funded(project)  # the rule's one home; asked here before anyone approves


# --- figures per budget line ------------------------------------------------------------------------------------------

@dataclass
class LineFigures:
    line: ProjectBudgetLine
    spent_fen: int  # posted (less posted reversals)
    waiting_fen: int  # drafted or submitted, not yet posted

    @property
    def budget_fen(self) -> int:
        return self.line.amount_fen

    @property
    def left_fen(self) -> int:
        return self.line.amount_fen - self.spent_fen


def _sums(session: Session, project: Project, statuses: tuple[str, ...], exclude_entry: int | None = None
          ) -> dict[int, int]:
    rows = session.execute(
        select(ProjectSpend.budget_line_id, func.sum(ProjectSpend.amount_fen))
        .join(Entry, Entry.id == ProjectSpend.entry_id)
        .join(ProjectBudgetLine, ProjectBudgetLine.id == ProjectSpend.budget_line_id)
        .where(ProjectBudgetLine.project_id == project.id, Entry.status.in_(statuses),
               *([Entry.id != exclude_entry] if exclude_entry is not None else []))
        .group_by(ProjectSpend.budget_line_id)).all()
    return {line_id: int(fen) for line_id, fen in rows}


def _reversed(session: Session, project: Project) -> dict[int, int]:
    """What posted reversals gave back to each line: the allocations of the spends they reverse."""
    reversal = aliased(Entry)
    rows = session.execute(
        select(ProjectSpend.budget_line_id, func.sum(ProjectSpend.amount_fen))
        .join(ProjectBudgetLine, ProjectBudgetLine.id == ProjectSpend.budget_line_id)
        .join(reversal, reversal.reverses_id == ProjectSpend.entry_id)
        .where(ProjectBudgetLine.project_id == project.id, reversal.status == EntryStatus.POSTED.value)
        .group_by(ProjectSpend.budget_line_id)).all()
    return {line_id: int(fen) for line_id, fen in rows}


def line_figures(session: Session, project: Project, exclude_entry: int | None = None) -> list[LineFigures]:
    """Each budget line: its amount, what was spent against it (posted), what waits (drafted or submitted), left."""
    posted = _sums(session, project, (EntryStatus.POSTED.value,), exclude_entry)
    back = _reversed(session, project)
    waiting = _sums(session, project, WAITING, exclude_entry)
    return [LineFigures(b, posted.get(b.id, 0) - back.get(b.id, 0), waiting.get(b.id, 0)) for b in project.budget_lines]


def allocations_of(session: Session, entry_ids) -> dict[int, list[tuple[str, int]]]:
    """Entry id -> [(budget line label, fen)], in line order."""
    ids = list(entry_ids)
    if not ids:
        return {}
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for entry_id, label, fen in session.execute(
            select(ProjectSpend.entry_id, ProjectBudgetLine.label, ProjectSpend.amount_fen)
            .join(ProjectBudgetLine, ProjectBudgetLine.id == ProjectSpend.budget_line_id)
            .where(ProjectSpend.entry_id.in_(ids)).order_by(ProjectSpend.entry_id, ProjectBudgetLine.id)):
        out[entry_id].append((label, int(fen)))
    return out


# --- recording a spend -------------------------------------------------------------------------------------------------

def _account(session: Session, book: Book, code: str, field: str, types: tuple[str, ...], zh: str, en: str) -> Account:
    account = session.scalar(select(Account).where(Account.book_id == book.id, Account.code == (code or "").strip()))
    if account is None or account.type not in types or not account.active:
        raise InvalidInput(f"{field}：科目“{code}”不是本账簿可用的{zh}", f"{field}: \"{code}\" is not an active {en} of this book",
                           field)
    return account


def record_spend(session: Session, actor: User, book: Book, project_code: str, allocations: list[tuple[int, int]],
                 account: str, paid_from: str, date, summary: str, vouchers: list, store, submit: bool = True) -> Entry:
    """Draft (and submit, by default) a spend from the project's fund: one entry, Dr `account` (an expense) / Cr
    `paid_from` (cash, bank or a payable), for the sum of `allocations` [(budget line id, fen)], with the prepared
    `vouchers` (vouchers.prepare_uploads) attached before it is submitted. It goes for approval like any entry; the
    posting check decides again when it posts."""
    from .entries import create_entry, submit_entry
    from .vouchers import attach_voucher

    projects = _projects()
    require(session, actor, Action.MAKE_ENTRY, book)
    date = parse_date(date, "date")
    summary = projects._text(summary, "summary", 200)
    if not allocations:
        raise InvalidInput("请选择预算项目并填写金额", "choose a budget line and give an amount", "budget_line")
    for _line, fen in allocations:
        projects._amount(fen, "amount")
    if not vouchers:
        raise InvalidInput("微项目的每笔支出都须附原始凭证（发票或收据的照片）",
                           "every spend of a micro-project needs a voucher (a photo of the invoice or receipt)", "file")
    lock_book(session, book)
    project = projects.get_project(session, book, project_code)
    session.refresh(project)
    _refuse_unfunded(project)
    lines = {b.id: b for b in project.budget_lines}
    seen = set()
    for line_id, _fen in allocations:
        if line_id not in lines:
            raise InvalidInput(f"预算项目 {line_id} 不属于项目 {project.code}", f"budget line {line_id} is not one of "
                               f"project {project.code}'s", "budget_line")
        if line_id in seen:
            raise InvalidInput(f"预算项目“{lines[line_id].label}”重复", f"budget line \"{lines[line_id].label}\" appears "
                               "twice", "budget_line")
        seen.add(line_id)
    expense = _account(session, book, account, "account", ("expense",), "支出科目", "expense account")
    source = _account(session, book, paid_from, "paid_from", PAID_FROM_TYPES, "现金、银行或应付科目",
                      "cash, bank or payable account")
    if source.type == "asset" and not source.cash:
        raise InvalidInput(f"paid_from：科目“{paid_from}”不是现金或银行科目", f"paid_from: \"{paid_from}\" is not a cash or "
                           "bank account", "paid_from")
    check_open_date(session, book, date)
    # Refused now, with the same words the posting check would use, rather than after an approver's signature.
    _check_lines(session, project, [(lines[i], fen) for i, fen in allocations], None)
    total = sum(fen for _, fen in allocations)
    fund = project.fund.code
    entry = create_entry(session, actor, book, EntryInput(date=date, summary=summary, lines=(
        Line(expense.code, fund, total), Line(source.code, fund, -total))), source="project_spend")
    for line_id, fen in allocations:
        session.add(ProjectSpend(entry_id=entry.id, budget_line_id=line_id, amount_fen=fen, created_by_id=actor.id))
    session.flush()
    for prepared in vouchers:
        attach_voucher(session, actor, book, entry, prepared, store)
    if submit:
        submit_entry(session, actor, book, entry)
    audit(session, actor, book, "project.spend", project.code, entry=entry.id, amount=fen_to_str(total),
          lines={lines[i].label: fen_to_str(fen) for i, fen in allocations})
    return entry


def record_spend_with_uploads(uow, book: Book, project_code: str, allocations: list[tuple[int, int]], account: str,
                              paid_from: str, date, summary: str, uploads, limits, submit: bool = True) -> Entry:
    """The office form and the command line: decode the files first (no transaction held), then record the spend."""
    from .vouchers import prepare_uploads

    with uow:
        require(uow.session, uow.actor, Action.MAKE_ENTRY, book)
        prepared, _refused = prepare_uploads(uow, book, None, uploads, limits)
        entry = record_spend(uow.session, uow.actor, book, project_code, allocations, account, paid_from, date, summary,
                             prepared, uow.store, submit=submit)
        uow.commit()
        return entry


# --- the posting check ---------------------------------------------------------------------------------------------------

def _check_lines(session: Session, project: Project, mine: list[tuple[ProjectBudgetLine, int]],
                 entry: Entry | None) -> None:
    figures = {f.line.id: f for f in line_figures(session, project, exclude_entry=entry.id if entry else None)}
    for line, fen in mine:
        spent = figures[line.id].spent_fen
        if spent + fen > line.amount_fen:
            which_zh = f"凭证 {entry.id} " if entry is not None else "本笔"
            which_en = f"entry {entry.id}" if entry is not None else "this spend"
            raise SpendRefused(
                f"超出预算项目，不能支出：项目 {project.code} 的“{line.label}”预算 {format_fen(line.amount_fen)}，"
                f"已支出 {format_fen(spent)}，{which_zh}又支出 {format_fen(fen)}，超出 {format_fen(spent + fen - line.amount_fen)}",
                f"over the budget line, cannot spend: project {project.code}'s \"{line.label}\" has a budget of "
                f"{format_fen(line.amount_fen)}, {format_fen(spent)} spent, and {which_en} would add {format_fen(fen)}, "
                f"{format_fen(spent + fen - line.amount_fen)} over", "budget_line")


def check_before_post(session: Session, book: Book, entry: Entry) -> None:
    """BEFORE_POST (under the book's lock): an entry with expense lines on a project's fund posts only as a spend
    of a funded project, allocated exactly to its budget lines, with a voucher, within each line."""
    projects = _projects()
    if book.kind not in projects.FUND_BOOK_KINDS:
        return
    fund_ids = {l.fund_id for l in entry.lines}
    spends = list(session.scalars(select(ProjectSpend).where(ProjectSpend.entry_id == entry.id)))
    by_fund = {p.fund_id: p for p in session.scalars(select(Project).where(Project.book_id == book.id,
                                                                          Project.fund_id.in_(fund_ids)))}
    if not by_fund and not spends:
        return
    if entry.source == "reversal" and entry.reverses is not None and session.scalar(
            select(func.count()).select_from(ProjectSpend).where(ProjectSpend.entry_id == entry.reverses.id)):
        return  # a posted spend taken back (its lines negated: entries._check_reverses): its lines are given back
    lines_of = {b.id: b for b in session.scalars(select(ProjectBudgetLine).where(
        ProjectBudgetLine.id.in_({s.budget_line_id for s in spends})))} if spends else {}
    for project in by_fund.values():
        session.refresh(project)
        expense = sum(l.amount_fen for l in entry.lines if l.fund_id == project.fund_id and l.account.type == "expense")
        mine = [(lines_of[s.budget_line_id], s.amount_fen) for s in spends
                if lines_of[s.budget_line_id].project_id == project.id]
        if expense == 0 and not mine:
            continue  # donations, matches, refunds: no spending
        allocated = sum(fen for _, fen in mine)
        if allocated != expense:
            raise SpendRefused(
                f"项目 {project.code} 的专项基金只能按预算项目支出：本凭证在该基金上的支出 {format_fen(expense)}，"
                f"已分配到预算项目的 {format_fen(allocated)}；请用“记录项目支出”录入",
                f"project {project.code}'s fund is spent only against its budget lines: this entry spends "
                f"{format_fen(expense)} from it and allocates {format_fen(allocated)} to budget lines; record it as the "
                "project's spending", "budget_line")
        _refuse_unfunded(project)
        if not entry.attachments:
            raise SpendRefused(
                f"项目 {project.code} 的支出须附原始凭证，本凭证没有附件，不能过账",
                f"a spend of project {project.code} needs a voucher: this entry has none, so it cannot post", "file")
        _check_lines(session, project, mine, entry)
    stray = [s for s in spends if lines_of[s.budget_line_id].project_id not in {p.id for p in by_fund.values()}]
    if stray:
        raise SpendRefused("本凭证的预算分配所属项目与其基金不符", "this entry's budget lines belong to a project whose fund it "
                           "does not use", "budget_line")


# --- what the pages and the public document read ---------------------------------------------------------------------------

def budget_table(session: Session, project: Project) -> dict:
    """The office's budget table: each line's budget, spent, waiting and left, and the totals, in fen."""
    rows = line_figures(session, project)
    return {"rows": rows, "budget": sum(r.budget_fen for r in rows), "spent": sum(r.spent_fen for r in rows),
            "waiting": sum(r.waiting_fen for r in rows), "left": sum(r.left_fen for r in rows)}


def paid_from_accounts(session: Session, book: Book) -> list[Account]:
    return list(session.scalars(select(Account).where(
        Account.book_id == book.id, Account.active.is_(True),
        (Account.cash.is_(True)) | (Account.type == "liability")).order_by(Account.code)))


def expense_accounts(session: Session, book: Book) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.book_id == book.id, Account.active.is_(True),
                                                      Account.type == "expense").order_by(Account.code)))


def budget_line_by_label(project: Project, label: str) -> ProjectBudgetLine:
    for b in project.budget_lines:
        if b.label == (label or "").strip():
            return b
    raise InvalidInput(f"项目 {project.code} 没有预算项目“{label}”（有：{'、'.join(b.label for b in project.budget_lines)}）",
                       f"project {project.code} has no budget line \"{label}\"", "budget_line")
