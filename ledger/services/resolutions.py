"""Owners' resolutions (业主大会决定): tallied by Civil Code Art. 278 (ledger.domain.resolutions), recorded with their
per-unit votes (append-only), and required of an expense above the book's threshold before it posts."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Book, Entry, Resolution, ResolutionVote, Unit, User
from ..domain import resolutions as rules
from ..domain.errors import InvalidInput, InvalidState, LedgerError, NotFound
from ..domain.model import AccountType, parse_date
from ..domain.permissions import Action
from ..domain.register import Problem, RegisterFileError
from .access import audit, require
from .posting import lock_book
from .register import read_table, units_of

VOTE_COLUMNS = {"unit": ("unit", "房号", "房屋"), "vote": ("vote", "表决", "投票", "意见")}


class VotesFileError(RegisterFileError):
    code = "votes_file_invalid"

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        shown = problems[:20]
        self.message_zh = "表决文件有误：\n" + "\n".join(f"第{p.row}行“{p.column}”列：{p.message_zh}" for p in shown)
        self.message_en = "the votes file has errors:\n" + "\n".join(
            f"row {p.row}, column {p.column}: {p.message_en}" for p in shown)
        if len(problems) > len(shown):
            self.message_zh += f"\n……另有 {len(problems) - len(shown)} 处"
            self.message_en += f"\n... and {len(problems) - len(shown)} more"
        self.args = (f"{self.message_zh} / {self.message_en}",)


class ResolutionRequired(LedgerError):
    code = "resolution_required"


def shares(session: Session, book: Book, on: dt.date | None = None) -> tuple[list[rules.UnitShare], dict[str, Unit]]:
    """The votes' shares: the units on the register on `on` (today by default). A unit off the register has no
    vote, and an owner whose units are all off it is not counted among the owners."""
    units = units_of(session, book, on)
    return ([rules.UnitShare(u.id, u.area_centi_m2, tuple(o.id for o in u.owners)) for u in units],
            {u.label: u for u in units})


def read_votes(session: Session, book: Book, data: bytes, filename: str, on: dt.date | None = None) -> dict[int, str]:
    """unit id -> vote, from a CSV/XLSX with columns unit ("3-1201") and vote (agree/against/abstain, 同意/反对/弃权).
    An unknown unit, an unknown vote word or a unit voting twice is refused with its row."""
    rows = read_table(data, filename)
    problems: list[Problem] = []
    if not rows:
        raise VotesFileError([Problem(1, "unit", "文件是空的", "the file is empty")])
    header = [str(c or "").strip().lower() for c in rows[0]]
    where = {}
    for key, names in VOTE_COLUMNS.items():
        idx = next((i for i, h in enumerate(header) if h in names), None)
        if idx is None:
            problems.append(Problem(1, key, f"缺少“{key}”列", f"the column {key} is missing"))
        where[key] = idx
    if problems:
        raise VotesFileError(problems)
    _, by_label = shares(session, book, on)
    off = {u.label for u in session.scalars(select(Unit).where(Unit.book_id == book.id))} - set(by_label)
    votes: dict[int, str] = {}
    seen: dict[int, int] = {}
    for n, raw in enumerate(rows[1:], start=2):
        unit_text = str(raw[where["unit"]]).strip() if where["unit"] < len(raw) and raw[where["unit"]] else ""
        vote_text = str(raw[where["vote"]]).strip() if where["vote"] < len(raw) and raw[where["vote"]] else ""
        if not unit_text and not vote_text:
            continue
        unit = by_label.get(unit_text)
        if unit is None and unit_text in off:
            problems.append(Problem(n, "unit", f"房屋 {unit_text} 已停用，没有表决权",
                                    f"unit {unit_text} is off the register and has no vote"))
        elif unit is None:
            problems.append(Problem(n, "unit", f"名册中没有房屋“{unit_text}”", f"no unit '{unit_text}' on the register"))
        elif unit.id in seen:
            problems.append(Problem(n, "unit", f"房屋 {unit_text} 已在第{seen[unit.id]}行表决",
                                    f"unit {unit_text} already voted on row {seen[unit.id]}"))
        vote = rules.VOTE_WORDS.get(vote_text.lower())
        if vote is None:
            problems.append(Problem(n, "vote", f"表决“{vote_text}”应为 同意、反对 或 弃权",
                                    f"vote '{vote_text}' must be agree, against or abstain"))
        if unit is not None and vote is not None and unit.id not in seen:
            seen[unit.id] = n
            votes[unit.id] = vote
    if problems:
        raise VotesFileError(problems)
    return votes


def _matter(matter: str) -> str:
    if matter not in rules.MATTERS:
        raise InvalidInput("事项应为 ordinary（一般）或 special（特别，第278条第6-8项）",
                           "the matter must be ordinary or special (Art. 278 items 6-8)", "matter")
    return matter


def tally_file(session: Session, actor: User, book: Book, data: bytes, filename: str, matter: str) -> rules.Tally:
    """The Art. 278 tally of a votes file against the register, recording nothing."""
    require(session, actor, Action.READ_REGISTER, book)
    _matter(matter)
    units, _ = shares(session, book)
    return rules.tally(units, read_votes(session, book, data, filename), matter)


def record(session: Session, actor: User, book: Book, title: str, matter: str, held_on: dt.date, data: bytes,
           filename: str) -> Resolution:
    """Record a resolution with its per-unit votes; passed or failed as the votes decide. Append-only."""
    require(session, actor, Action.RECORD_RESOLUTION, book)
    title = " ".join((title or "").split())
    if not title or len(title) > 200 or "\x00" in title:
        raise InvalidInput("标题不能为空，最多200字", "the title must not be empty (200 characters at most)", "title")
    _matter(matter)
    held_on = parse_date(held_on, "held_on")
    lock_book(session, book)
    units, _ = shares(session, book, held_on)
    votes = read_votes(session, book, data, filename, held_on)
    result = rules.tally(units, votes, matter)
    resolution = Resolution(book_id=book.id, title=title, matter=matter, held_on=held_on,
                            status="passed" if result.passed else "failed",
                            tally=json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True), recorded_by_id=actor.id)
    session.add(resolution)
    session.flush()
    for unit_id, vote in sorted(votes.items()):
        session.add(ResolutionVote(resolution_id=resolution.id, unit_id=unit_id, vote=vote))
    session.flush()
    audit(session, actor, book, "resolution_record", str(resolution.id), status=resolution.status, matter=matter)
    return resolution


def resolutions_of(session: Session, book: Book) -> list[Resolution]:
    return list(session.scalars(select(Resolution).where(Resolution.book_id == book.id)
                                .order_by(Resolution.held_on.desc(), Resolution.id.desc())))


def get_resolution(session: Session, book: Book, resolution_id: int) -> Resolution:
    found = session.get(Resolution, resolution_id)
    if found is None or found.book_id != book.id:
        raise NotFound(f"账簿 {book.code} 中没有业主大会决定 {resolution_id}",
                       f"book {book.code} has no resolution {resolution_id}", "resolution")
    return found


def tally_of(resolution: Resolution) -> dict:
    return json.loads(resolution.tally)


def votes_of(session: Session, resolution: Resolution) -> list[tuple[Unit, str]]:
    rows = session.execute(select(Unit, ResolutionVote.vote).join(ResolutionVote, ResolutionVote.unit_id == Unit.id)
                           .where(ResolutionVote.resolution_id == resolution.id).order_by(Unit.building, Unit.number))
    return [(u, v) for u, v in rows]


def set_threshold(session: Session, actor: User, book: Book, fen: int | None) -> None:
    """Above this amount of expense an entry must reference a passed resolution; None removes the threshold."""
    require(session, actor, Action.RECORD_RESOLUTION, book)
    if fen is not None and fen < 0:
        raise InvalidInput("门槛金额不能为负", "the threshold cannot be negative", "amount")
    lock_book(session, book)
    session.refresh(book)
    before = book.resolution_threshold_fen
    book.resolution_threshold_fen = fen
    audit(session, actor, book, "resolution_threshold", None, before=before, after=fen)


def _refuse_unpassed(book: Book, resolution: Resolution, field: str = "resolution") -> None:
    if resolution.book_id != book.id:
        raise InvalidInput("只能引用本账簿的业主大会决定", "only a resolution of this book can be referenced", field)
    if resolution.status != "passed":
        raise ResolutionRequired(f"业主大会决定 {resolution.id}（{resolution.title}）未通过，不能引用",
                                 f"resolution {resolution.id} ({resolution.title}) did not pass and cannot be referenced",
                                 field)


def passed_resolution(session: Session, book: Book, resolution_id: int, field: str = "resolution") -> Resolution:
    """The resolution a budget or an expense cites: of this book, and passed (a failed one cannot be cited)."""
    found = get_resolution(session, book, resolution_id)
    _refuse_unpassed(book, found, field)
    return found


def link(session: Session, actor: User, book: Book, entry: Entry, resolution_id: int) -> Entry:
    """Reference a passed resolution from a draft or rejected entry (by its maker's rights)."""
    from .entries import _reread

    lock_book(session, book)
    _reread(session, book, entry)
    require(session, actor, Action.EDIT_ENTRY, book, entry)
    if entry.status not in ("draft", "rejected"):
        raise InvalidState("只能给草稿或被退回的凭证引用业主大会决定",
                           "only a draft or rejected entry can reference a resolution", "entry")
    resolution = get_resolution(session, book, resolution_id)
    _refuse_unpassed(book, resolution)
    entry.resolution_id = resolution.id
    audit(session, actor, book, "resolution_link", str(entry.id), resolution=resolution.id)
    return entry


def expense_fen(session: Session, entry: Entry) -> int:
    """The entry's debits to expense accounts."""
    return sum(l.amount_fen for l in entry.lines if l.amount_fen > 0 and l.account.type == AccountType.EXPENSE.value)


def check_before_post(session: Session, book: Book, entry: Entry) -> None:
    """BEFORE_POST: an expense above the book's threshold must reference a passed resolution of this book; a failed
    one can never be referenced."""
    if entry.resolution_id is not None:
        resolution = session.get(Resolution, entry.resolution_id)
        _refuse_unpassed(book, resolution)
        return
    threshold = book.resolution_threshold_fen
    if threshold is None:
        return
    spent = expense_fen(session, entry)
    if spent > threshold:
        from ..domain.money import format_fen

        raise ResolutionRequired(
            f"支出 {format_fen(spent)} 元超过需业主大会决定的门槛 {format_fen(threshold)} 元：请先引用已通过的决定",
            f"an expense of {format_fen(spent)} is above the threshold of {format_fen(threshold)} that needs an owners' "
            "resolution: reference a passed resolution first", "resolution")
