"""The co-managed bank account (共管账户): import statements, match their rows to entries, draft an entry for a
row nothing explains, and reconcile a month.

A statement row is kept as the bank stated it and never changed; importing the same or an overlapping file
again adds nothing (each row's fingerprint is unique per book). A row is *matched* when a posted entry's line
on the bank account explains it (same amount, within three days), one row to one line.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import (
    Account, BankImport, BankMatch, BankProfile, BankStatementRow, Book, Entry, EntryLine, Fund, User, utcnow,
)
from ..domain.bankfiles import BUILTIN_PROFILES, FIELDS, Profile, StatementRefused, parse_statement, suggest_columns
from ..domain.errors import InvalidInput, InvalidState, LedgerError, NotFound
from ..domain.model import EntryInput, EntryStatus, Line
from ..domain.money import fen_to_str
from ..domain.permissions import Action
from .access import audit, require
from .posting import lock_book

BANK_PREFIX = "1002"
WINDOW_DAYS = 3
MAX_FILE_BYTES = 64 * 1024 * 1024


# -- profiles -----------------------------------------------------------------------------------------------------

def saved_profiles(session: Session, book: Book) -> list[Profile]:
    """The newest version of each profile saved for this book."""
    newest = (select(BankProfile.name, func.max(BankProfile.version).label("v"))
              .where(BankProfile.book_id == book.id).group_by(BankProfile.name).subquery())
    rows = session.scalars(select(BankProfile).join(newest, (newest.c.name == BankProfile.name) & (newest.c.v == BankProfile.version))
                           .where(BankProfile.book_id == book.id).order_by(BankProfile.name))
    return [Profile(p.name, json.loads(p.columns), p.version) for p in rows]


def profiles_of(session: Session, book: Book) -> list[Profile]:
    saved = saved_profiles(session, book)
    names = {p.name for p in saved}
    return saved + [p for p in BUILTIN_PROFILES if p.name not in names]


def save_profile(session: Session, actor: User, book: Book, name: str, columns: dict[str, str]) -> Profile:
    """Save a bank's layout; saving a changed layout under a used name makes its next version."""
    require(session, actor, Action.EDIT_BANK_PROFILES, book)
    name = (name or "").strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_" for c in name):
        raise InvalidInput("格式名须为1到64个字母、数字、- 或 _", "a profile name is 1 to 64 letters, digits, - or _", "name")
    columns = {k: v.strip() for k, v in columns.items() if v and v.strip()}
    profile = Profile(name, columns)
    profile.check()
    lock_book(session, book)
    current = session.scalar(select(BankProfile).where(BankProfile.book_id == book.id, BankProfile.name == name)
                             .order_by(BankProfile.version.desc()).limit(1))
    if current is not None and json.loads(current.columns) == columns:
        return Profile(name, columns, current.version)
    version = (current.version + 1) if current else 1
    session.add(BankProfile(book_id=book.id, name=name, version=version, columns=json.dumps(columns, ensure_ascii=False),
                            created_by_id=actor.id))
    session.flush()
    audit(session, actor, book, "bank.profile", f"{name}:v{version}")
    return Profile(name, columns, version)


def save_profile_and_import(session: Session, actor: User, book: Book, name: str, columns: dict[str, str],
                            filename: str, data: bytes, account_code: str = BANK_PREFIX) -> "ImportResult":
    """A file refused for its unknown layout: save the layout the treasurer mapped from its header (a new version
    when the name is used) and import the file with it, in one transaction, so a layout that does not read the
    file is not kept (StatementRefused names its rows and columns, and nothing is saved)."""
    require(session, actor, Action.EDIT_BANK_PROFILES, book)
    require(session, actor, Action.IMPORT_BANK_STATEMENT, book)
    profile = save_profile(session, actor, book, name, columns)
    return import_statement(session, actor, book, filename, data, account_code, profile.name)


# -- import -------------------------------------------------------------------------------------------------------

def bank_account(session: Session, book: Book, code: str) -> Account:
    account = session.scalar(select(Account).where(Account.book_id == book.id, Account.code == code))
    if account is None:
        raise NotFound(f"科目 {code} 不存在", f"account {code} does not exist", "account")
    if not account.code.startswith(BANK_PREFIX):
        raise InvalidInput(f"{code} 不是银行存款科目", f"{code} is not a bank account", "account")
    return account


@dataclass
class ImportResult:
    added: int = 0
    duplicates: int = 0
    refused: list[dict] = field(default_factory=list)
    profile: str = ""
    import_id: int | None = None
    months: list[str] = field(default_factory=list)
    gap: dict | None = None  # the file does not follow on from the rows already held: a statement is missing

    def to_dict(self) -> dict:
        return {"added": self.added, "duplicates": self.duplicates, "refused": self.refused, "profile": self.profile,
                "import_id": self.import_id, "months": self.months, "gap": self.gap}


def import_statement(session: Session, actor: User, book: Book, filename: str, data: bytes,
                     account_code: str = BANK_PREFIX, profile: str | None = None) -> ImportResult:
    """Import a statement file: every row new to the book is added, rows already held are counted as
    duplicates. A bad file raises StatementRefused (its `problems` name rows and columns) and adds nothing."""
    require(session, actor, Action.IMPORT_BANK_STATEMENT, book)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput("文件过大", "the file is too large", "file")
    account = bank_account(session, book, account_code)
    statement = parse_statement(data, profiles_of(session, book), f"{book.id}:{account.code}", profile, filename)
    lock_book(session, book)
    rows = statement.rows
    held = set(session.scalars(select(BankStatementRow.fingerprint).where(
        BankStatementRow.book_id == book.id, BankStatementRow.account_id == account.id,
        BankStatementRow.date >= rows[0].date, BankStatementRow.date <= rows[-1].date)))
    new = [(seq, r) for seq, r in enumerate(rows, start=1) if r.fingerprint not in held]
    result = ImportResult(added=len(new), duplicates=len(rows) - len(new), profile=f"{statement.profile.name}",
                          months=sorted({f"{r.date:%Y-%m}" for _, r in new}))
    result.gap = _gap(session, book, account, statement.rows, statement.opening_fen)
    batch = BankImport(book_id=book.id, account_id=account.id, filename=(filename or "")[:255],
                       file_sha256=hashlib.sha256(data).hexdigest(), profile_name=statement.profile.name,
                       profile_version=statement.profile.version, added=result.added, duplicates=result.duplicates,
                       imported_by_id=actor.id)
    session.add(batch)
    session.flush()
    result.import_id = batch.id
    if new:
        _insert_rows(session, book.id, account.id, batch.id, new)
    audit(session, actor, book, "bank.import", f"import:{batch.id}", added=result.added, duplicates=result.duplicates,
          file=(filename or "")[:100])
    return result


def _gap(session: Session, book: Book, account: Account, rows: list, opening: int | None) -> dict | None:
    """Whether the file's first row follows the last row held before its first day (said, not refused: an
    earlier month may simply not be imported yet)."""
    before = session.execute(select(BankStatementRow.date, BankStatementRow.balance_fen).where(
        BankStatementRow.book_id == book.id, BankStatementRow.account_id == account.id, BankStatementRow.date < rows[0].date)
        .order_by(BankStatementRow.date.desc(), BankStatementRow.import_id.desc(), BankStatementRow.seq.desc()).limit(1)).first()
    if before is None:
        return None
    start = opening if opening is not None else rows[0].balance_fen - rows[0].amount_fen
    if start == before.balance_fen:
        return None
    return {"after": before.date.isoformat(), "held_balance": fen_to_str(before.balance_fen), "file_opens_at": fen_to_str(start),
            "missing": fen_to_str(start - before.balance_fen)}


_ROW_COLUMNS = ("book_id", "account_id", "import_id", "seq", "date", "amount_fen", "balance_fen", "counterparty", "memo",
                "serial", "fingerprint", "imported_at")


def _insert_rows(session: Session, book_id: int, account_id: int, import_id: int, new: list) -> None:
    """One bulk write: COPY on PostgreSQL (placeholders cost more in the driver than the rows on the server, as
    entries.py measured), one executemany on SQLite. The unique fingerprint per book still refuses a row twice."""
    now = utcnow()
    values = ([book_id, account_id, import_id, seq, r.date, r.amount_fen, r.balance_fen, r.counterparty, r.memo,
               r.serial, r.fingerprint, now] for seq, r in new)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy(f"COPY bank_statement_rows ({', '.join(_ROW_COLUMNS)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        return
    # SQLite: the driver's executemany with the text SQLAlchemy itself stores for dates and times.
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    sql = (f"INSERT INTO bank_statement_rows ({', '.join(_ROW_COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(_ROW_COLUMNS))})")
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.executemany(sql, ([*row[:4], row[4].isoformat(), *row[5:11], stamp] for row in values))
    finally:
        cur.close()


# -- the month's rows and matching --------------------------------------------------------------------------------

def _month(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not (1 <= month <= 12) or not (2000 <= year <= 2999):
        raise InvalidInput(f"期间 {year}-{month} 无效", f"period {year}-{month} is not valid", "period")
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> tuple[int, int]:
    try:
        year, month = (int(x) for x in (text or "").split("-"))
    except ValueError:
        raise InvalidInput(f"期间“{text}”应为 YYYY-MM", f"period {text!r} should be YYYY-MM", "period") from None
    _month(year, month)
    return year, month


def _live_matches(session: Session, book: Book):
    """Matches whose entry still exists and is not rejected: (row_id, entry_id, line_no, how, status)."""
    return (select(BankMatch.row_id, BankMatch.entry_id, BankMatch.line_no, BankMatch.how, Entry.status)
            .join(Entry, Entry.id == BankMatch.entry_id)
            .where(BankMatch.book_id == book.id, Entry.status != EntryStatus.REJECTED.value))


@dataclass
class RowView:
    row: BankStatementRow
    entry_id: int | None = None
    entry_number: str | None = None
    status: str = "unmatched"  # "matched" (posted entry) | "drafted" (entry not yet posted) | "unmatched"


def rows_of_month(session: Session, book: Book, account: Account, year: int, month: int) -> list[RowView]:
    start, end = _month(year, month)
    rows = list(session.scalars(select(BankStatementRow).where(
        BankStatementRow.book_id == book.id, BankStatementRow.account_id == account.id,
        BankStatementRow.date >= start, BankStatementRow.date <= end)
        .order_by(BankStatementRow.date, BankStatementRow.import_id, BankStatementRow.seq)))
    links = {}
    numbers = {}
    if rows:
        in_month = (select(BankStatementRow.id).where(
            BankStatementRow.book_id == book.id, BankStatementRow.account_id == account.id,
            BankStatementRow.date >= start, BankStatementRow.date <= end))
        query = _live_matches(session, book).add_columns(Entry.number).where(BankMatch.row_id.in_(in_month))
        for row_id, entry_id, _no, _how, status, number in session.execute(query).all():
            links[row_id] = (entry_id, status)
            numbers[entry_id] = number
    views = []
    for r in rows:
        if r.id in links:
            entry_id, status = links[r.id]
            views.append(RowView(r, entry_id, numbers.get(entry_id), "matched" if status == EntryStatus.POSTED.value else "drafted"))
        else:
            views.append(RowView(r))
    return views


def _bank_lines(session: Session, book: Book, account: Account, start: dt.date, end: dt.date):
    """Posted lines on the account dated in [start, end]: (entry_id, line_no, date, amount, summary, number)."""
    return session.execute(
        select(EntryLine.entry_id, EntryLine.line_no, Entry.date, EntryLine.amount_fen, Entry.summary, Entry.number)
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(EntryLine.book_id == book.id, EntryLine.account_id == account.id, Entry.status == EntryStatus.POSTED.value,
               Entry.date >= start, Entry.date <= end)
        .order_by(Entry.date, Entry.id, EntryLine.line_no)).all()


def match_month(session: Session, actor: User, book: Book, year: int, month: int, account_code: str = BANK_PREFIX) -> dict:
    """Match the month's unmatched rows to posted lines on the bank account: the exact amount, a date within
    three days, the row's serial in the entry's summary preferred, then the nearest date; one row to one line."""
    require(session, actor, Action.MATCH_BANK_ROWS, book)
    account = bank_account(session, book, account_code)
    start, end = _month(year, month)
    lock_book(session, book)
    rows = [v.row for v in rows_of_month(session, book, account, year, month) if v.status == "unmatched"]
    taken = {(e, n) for _r, e, n, _h, _s in session.execute(_live_matches(session, book))}
    window = dt.timedelta(days=WINDOW_DAYS)
    lines = [ln for ln in _bank_lines(session, book, account, start - window, end + window) if (ln[0], ln[1]) not in taken]
    by_amount: dict[int, list] = {}
    for ln in lines:
        by_amount.setdefault(ln[3], []).append(ln)
    made = []
    for r in rows:
        candidates = [ln for ln in by_amount.get(r.amount_fen, []) if abs((ln[2] - r.date).days) <= WINDOW_DAYS]
        if not candidates:
            continue
        best = min(candidates, key=lambda ln: (not (r.serial and r.serial in ln[4]), abs((ln[2] - r.date).days), ln[0], ln[1]))
        by_amount[r.amount_fen].remove(best)
        session.add(BankMatch(book_id=book.id, row_id=r.id, entry_id=best[0], line_no=best[1], how="auto", matched_by_id=actor.id))
        made.append({"row": r.id, "entry": best[5], "amount": fen_to_str(r.amount_fen)})
    session.flush()
    audit(session, actor, book, "bank.match", f"{year:04d}-{month:02d}:{account.code}", matched=len(made))
    return {"matched": len(made), "unmatched": len(rows) - len(made), "matches": made}


def get_row(session: Session, book: Book, row_id: int) -> BankStatementRow:
    row = session.get(BankStatementRow, row_id) if 0 < row_id < 2**62 else None
    if row is None or row.book_id != book.id:
        raise NotFound(f"银行流水行 {row_id} 不存在", f"bank row {row_id} does not exist", "row")
    return row


def draft_entry(session: Session, actor: User, book: Book, row_id: int, counter_code: str, fund_code: str = "GEN",
                summary: str = "") -> Entry:
    """A draft entry for a row nothing explains: the bank account debited for income (credited for spending),
    the counter-account given the other side; linked to the row, it goes through approval like any entry."""
    from . import entries  # entries imports periods, which reads this module's closing balances

    require(session, actor, Action.MATCH_BANK_ROWS, book)
    lock_book(session, book)
    row = get_row(session, book, row_id)
    if session.execute(_live_matches(session, book).where(BankMatch.row_id == row.id)).first():
        raise InvalidState(f"银行流水行 {row.id} 已有对应凭证", f"bank row {row.id} already has its entry", "row")
    account = session.get(Account, row.account_id)
    counter = session.scalar(select(Account).where(Account.book_id == book.id, Account.code == (counter_code or "").strip()))
    if counter is None:
        raise NotFound(f"科目 {counter_code} 不存在", f"account {counter_code} does not exist", "account")
    if counter.id == account.id:
        raise InvalidInput("对方科目不能是银行账户本身", "the counter-account cannot be the bank account itself", "account")
    if not session.scalar(select(Fund.id).where(Fund.book_id == book.id, Fund.code == fund_code)):
        raise NotFound(f"基金 {fund_code} 不存在", f"fund {fund_code} does not exist", "fund")
    text = (summary or " ".join(x for x in (row.memo, row.counterparty) if x) or "银行流水").strip()[:200]
    if row.serial and row.serial not in text:
        text = f"{text} [{row.serial}]"[:200]
    data = EntryInput(date=row.date, summary=text, lines=(Line(account.code, fund_code, row.amount_fen),
                                                           Line(counter.code, fund_code, -row.amount_fen)))
    entry = entries.create_entry(session, actor, book, data)
    session.add(BankMatch(book_id=book.id, row_id=row.id, entry_id=entry.id, line_no=1, how="draft", matched_by_id=actor.id))
    session.flush()
    audit(session, actor, book, "bank.draft", f"row:{row.id}", entry=entry.id)
    return entry


def fee_payment_from_row(session: Session, actor: User, book: Book, row_id: int, unit_label: str = "") -> Entry:
    """A property-fee payment drafted from a statement row in one step: the unit is the one given, else the one the
    memo names ("3-1201", "3栋1201室") or, failing that, the one unit of the payer named as an owner in the
    register. The payment is allocated like one typed in by hand (oldest open fees first, the rest prepaid) and
    goes to approval; the row is linked to it."""
    from . import billing
    from ..db.schema import Owner, Unit, UnitOwner
    from ..domain.fees import CHANNELS, units_named_in

    require(session, actor, Action.MATCH_BANK_ROWS, book)
    lock_book(session, book)
    row = get_row(session, book, row_id)
    if session.execute(_live_matches(session, book).where(BankMatch.row_id == row.id)).first():
        raise InvalidState(f"银行流水行 {row.id} 已有对应凭证", f"bank row {row.id} already has its entry", "row")
    if row.amount_fen <= 0:
        raise InvalidInput(f"银行流水行 {row.id} 是支出，不是缴费", f"bank row {row.id} is a payment out, not a fee received", "row")
    account = session.get(Account, row.account_id)
    if account.code != CHANNELS["bank"]:
        raise InvalidInput(f"物业费只能记入 {CHANNELS['bank']} 账户，此行属于 {account.code}",
                           f"fees are received on account {CHANNELS['bank']}; this row is on {account.code}", "row")
    label = (unit_label or "").strip()
    if not label:
        units = session.execute(select(Unit.building, Unit.number).where(Unit.book_id == book.id)).all()
        named = units_named_in(f"{row.memo} {row.counterparty}", [(b, n) for b, n in units])
        if not named and row.counterparty.strip():
            owned = session.execute(
                select(Unit.building, Unit.number).join(UnitOwner, UnitOwner.unit_id == Unit.id)
                .join(Owner, Owner.id == UnitOwner.owner_id)
                .where(Unit.book_id == book.id, Owner.name == row.counterparty.strip())).all()
            named = [tuple(u) for u in owned]
        if len(named) != 1:
            said = "找到多个房屋" if named else "找不到房号"
            raise InvalidInput(f"银行流水行 {row.id}：摘要和付款人中{said}，请指定房屋（如 3-1201）",
                               f"bank row {row.id}: the memo and payer name {'several units' if named else 'no unit'}; "
                               "say which unit (e.g. 3-1201)", "unit")
        label = f"{named[0][0]}-{named[0][1]}"
    paid = billing.record_payment(session, actor, book, label, row.amount_fen, row.date, "bank", reference=row.serial[:60])
    session.add(BankMatch(book_id=book.id, row_id=row.id, entry_id=paid.entry.id, line_no=1, how="draft",
                          matched_by_id=actor.id))
    session.flush()
    audit(session, actor, book, "bank.fee_payment", f"row:{row.id}", entry=paid.entry.id, unit=paid.unit)
    return paid.entry


# -- reconciliation -----------------------------------------------------------------------------------------------

def statement_closing(session: Session, book_id: int, account_id: int, year: int, month: int) -> int | None:
    """The bank's balance at the month's end from imported rows, when rows cover the month; else None."""
    start, end = _month(year, month)
    in_month = session.scalar(select(BankStatementRow.id).where(
        BankStatementRow.book_id == book_id, BankStatementRow.account_id == account_id,
        BankStatementRow.date >= start, BankStatementRow.date <= end).limit(1))
    if in_month is None:
        return None
    return session.scalar(select(BankStatementRow.balance_fen).where(
        BankStatementRow.book_id == book_id, BankStatementRow.account_id == account_id, BankStatementRow.date <= end)
        .order_by(BankStatementRow.date.desc(), BankStatementRow.import_id.desc(), BankStatementRow.seq.desc()).limit(1))


@dataclass
class Reconciliation:
    account: Account
    year: int
    month: int
    bank_fen: int | None
    book_fen: int
    unmatched_rows: list[BankStatementRow]
    unmatched_lines: list  # (entry_id, line_no, date, amount, summary, number)

    @property
    def reconciled(self) -> bool:
        return self.bank_fen is not None and self.bank_fen == self.book_fen

    @property
    def difference_fen(self) -> int | None:
        return None if self.bank_fen is None else self.bank_fen - self.book_fen

    def to_dict(self) -> dict:
        return {
            "period": f"{self.year:04d}-{self.month:02d}", "account": self.account.code,
            "bank_closing": None if self.bank_fen is None else fen_to_str(self.bank_fen),
            "book_balance": fen_to_str(self.book_fen),
            "difference": None if self.difference_fen is None else fen_to_str(self.difference_fen),
            "unmatched_bank_rows": [
                {"id": r.id, "date": r.date.isoformat(), "amount": fen_to_str(r.amount_fen), "balance": fen_to_str(r.balance_fen),
                 "counterparty": r.counterparty, "memo": r.memo, "serial": r.serial} for r in self.unmatched_rows],
            "unmatched_book_lines": [
                {"entry": ln[5], "line": ln[1], "date": ln[2].isoformat(), "amount": fen_to_str(ln[3]), "summary": ln[4]}
                for ln in self.unmatched_lines],
            "reconciled": self.reconciled,
        }


def reconcile(session: Session, actor: User, book: Book, year: int, month: int, account_code: str = BANK_PREFIX) -> Reconciliation:
    """The month's reconciliation: the bank's closing balance, the book's, and the items that explain them apart.
    Its rows name payers (owners among them): read by those who may read the register."""
    require(session, actor, Action.READ_REGISTER, book)
    return _reconcile(session, book, bank_account(session, book, account_code), year, month)


def _reconcile(session: Session, book: Book, account: Account, year: int, month: int) -> Reconciliation:
    start, end = _month(year, month)
    book_fen = session.scalar(
        select(func.coalesce(func.sum(EntryLine.amount_fen), 0)).join(Entry, Entry.id == EntryLine.entry_id)
        .where(EntryLine.book_id == book.id, EntryLine.account_id == account.id, Entry.status == EntryStatus.POSTED.value,
               Entry.date <= end))
    views = rows_of_month(session, book, account, year, month)
    taken = {(e, n) for _r, e, n, _h, s in session.execute(_live_matches(session, book)) if s == EntryStatus.POSTED.value}
    lines = [ln for ln in _bank_lines(session, book, account, start, end) if (ln[0], ln[1]) not in taken]
    return Reconciliation(account, year, month, statement_closing(session, book.id, account.id, year, month),
                          int(book_fen), [v.row for v in views if v.status != "matched"], lines)


def check_profile_columns(pairs: list[str]) -> dict[str, str]:
    """`field=header` pairs from the command line or a form."""
    columns = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key.strip() not in FIELDS:
            raise InvalidInput(f"“{pair}”应为 字段=表头，字段为 {', '.join(FIELDS)} 之一",
                               f"{pair!r} should be field=header, the field one of {', '.join(FIELDS)}", "columns")
        columns[key.strip()] = value.strip()
    return columns


__all__ = ["StatementRefused", "LedgerError", "import_statement", "save_profile_and_import", "suggest_columns", "FIELDS", "match_month", "draft_entry", "reconcile",
           "profiles_of", "save_profile", "statement_closing"]


# What a publication may show of a reconciling item: its kind in neutral words. Never the row's counterparty or
# memo (a payer is often an owner, by name) nor the entry's summary.
ITEM_KINDS = {
    "bank_in": ("银行已收款，账上尚未记录", "received by the bank, not yet in the books"),
    "bank_out": ("银行已付款，账上尚未记录", "paid by the bank, not yet in the books"),
    "bank_in_drafted": ("银行已收款，凭证待审批", "received by the bank, its entry awaiting approval"),
    "bank_out_drafted": ("银行已付款，凭证待审批", "paid by the bank, its entry awaiting approval"),
    "book_in": ("账上已记收款，银行尚未到账", "received in the books, not yet on the bank statement"),
    "book_out": ("账上已记付款，银行尚未付出", "paid in the books, not yet on the bank statement"),
}


def published_reconciliations(session: Session, book: Book, year: int, month: int) -> list[dict]:
    """What a publication shows of the month's reconciliation, for each bank account whose statement rows cover
    the month: the bank's closing balance, the book's, the difference, and each reconciling item's date, amount
    and kind (an entry number where the item is an entry, which is published anyway). Integer fen. No permission
    is asked: publishing asks its own, and nothing here names a payer."""
    out = []
    accounts = session.scalars(select(Account).where(Account.book_id == book.id, Account.code.like(BANK_PREFIX + "%"))
                               .order_by(Account.code))
    for account in accounts:
        if statement_closing(session, book.id, account.id, year, month) is None:
            continue
        rec = _reconcile(session, book, account, year, month)
        drafted = {v.row.id for v in rows_of_month(session, book, account, year, month) if v.status == "drafted"}
        items = []
        for r in rec.unmatched_rows:
            kind = ("bank_in" if r.amount_fen > 0 else "bank_out") + ("_drafted" if r.id in drafted else "")
            items.append({"kind": kind, "date": r.date.isoformat(), "fen": r.amount_fen, "entry": None})
        for _entry_id, _line_no, date, fen, _summary, number in rec.unmatched_lines:
            items.append({"kind": "book_in" if fen > 0 else "book_out", "date": date.isoformat(), "fen": fen,
                          "entry": number})
        items.sort(key=lambda item: item["date"])
        for item in items:
            item["description_zh"], item["description_en"] = ITEM_KINDS[item["kind"]]
        out.append({"account": account.code, "name_zh": account.name_zh, "name_en": account.name_en,
                    "bank_closing_fen": rec.bank_fen, "book_fen": rec.book_fen, "difference_fen": rec.difference_fen,
                    "reconciled": rec.reconciled, "items": items})
    return out
