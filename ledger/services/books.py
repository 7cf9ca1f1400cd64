"""Books, their charts of accounts and their funds."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..db.schema import Account, Book, EntryLine, Fund, Membership, User
from ..domain.charts import CHARTS, DEFAULT_FUNDS
from ..domain.errors import DuplicateCode, InvalidInput, NotFound
from ..domain.model import DEFAULT_APPROVAL_THRESHOLD_FEN, AccountType, BookKind, check_date
from ..domain.permissions import Action
from ..domain.text import first_control
from .access import audit, require, require_admin
from . import witness
from .signing import keys_for

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


# The public site's own first path segments: a book coded "en" or "static" would have its pages at /en/… and
# /static/…, where the English site and the static files already are (its Chinese pages unreachable, and the
# static export of the whole site stopped at its first broken link).
PUBLIC_SITE_PATHS = ("en", "static")


def _check_code(code: str, field: str) -> str:
    code = (code or "").strip()
    if not _CODE.match(code):
        raise InvalidInput(
            f"代码“{code}”无效：只能用字母、数字、-、_，最长32位",
            f"code \"{code}\" is invalid: letters, digits, - and _ only, at most 32",
            field,
        )
    return code


def _check_name(name: str, field: str) -> str:
    """A book, account or fund name: one line of 1 to 200 characters.

    Names are written into exports (a beancount comment, an `open`'s metadata, spreadsheet
    cells): a newline or other control character in one could smuggle lines into those files."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("名称须为1到200个字符", "name must be 1 to 200 characters", field)
    bad = first_control(name)
    if bad is not None:
        raise InvalidInput(
            f"名称（{field}）须为一行文字，不能含换行、制表符等控制字符：第 {bad + 1} 个字符是 U+{ord(name[bad]):04X}",
            f"{field} must be a single line without control characters such as newlines or tabs: "
            f"character {bad + 1} is U+{ord(name[bad]):04X}",
            field,
        )
    return name


def create_book(
    session: Session,
    actor: User,
    code: str,
    name_zh: str,
    name_en: str,
    kind: str,
    approval_threshold_fen: int = DEFAULT_APPROVAL_THRESHOLD_FEN,
    first_month: tuple[int, int] | None = None,
) -> Book:
    """Open a new book with its kind's chart of accounts, default funds and signing key.

    `first_month` (default: this month) is where opening balances go; nothing can be
    dated before it."""
    require_admin(actor, Action.CREATE_BOOK)
    if first_month is None:
        today = dt.date.today()
        first_month = (today.year, today.month)
    start_date = check_date(dt.date(first_month[0], first_month[1], 1), "first_month")  # from parse_period
    code = _check_code(code, "code")
    if code.lower() in PUBLIC_SITE_PATHS:
        raise InvalidInput(
            f"账簿代码“{code}”是公示网站自用的地址（/{code}/），请换一个",
            f"book code \"{code}\" is an address the public site uses for itself (/{code}/): choose another", "code")
    try:
        book_kind = BookKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in BookKind)
        raise InvalidInput(f"未知账簿类型 {kind}（可选：{kinds}）", f"unknown book kind {kind} (one of: {kinds})", "kind") from None
    if session.scalar(select(Book).where(Book.code == code)):
        raise DuplicateCode(f"账簿代码 {code} 已存在", f"book code {code} already exists", "code")
    book = Book(
        code=code,
        name_zh=_check_name(name_zh, "name_zh"),
        name_en=_check_name(name_en or name_zh, "name_en"),
        kind=book_kind.value,
        approval_threshold_fen=approval_threshold_fen,
        start_date=start_date,
        # The private half stays in the key folder; a key left by an earlier attempt is kept.
        public_key=keys_for(session).ensure(code),
    )
    session.add(book)
    session.flush()
    for t in CHARTS[book_kind]:
        session.add(Account(book_id=book.id, code=t.code, name_zh=t.name_zh, name_en=t.name_en, type=t.type.value, cash=t.cash))
    for f in DEFAULT_FUNDS[book_kind]:
        session.add(Fund(book_id=book.id, code=f.code, name_zh=f.name_zh, name_en=f.name_en, restricted=f.restricted))
    session.flush()
    # A witness left by a book of this code that is no longer in the database (deleted by SQL, or a database
    # made afresh) is evidence: it is kept, renamed, and named in the audit record; the new book starts its own.
    earlier = witness.set_aside(keys_for(session), code)
    witness.touch(session, book)
    audit(session, actor, book, "book.create", code, kind=book_kind.value,
          **({"earlier_witness": earlier.name} if earlier else {}))
    return book


def books_for(session: Session, user: User) -> list[Book]:
    """The books a user has a role in (every book, for an administrator)."""
    query = select(Book).order_by(Book.code)
    if not user.is_admin:
        query = query.where(exists().where(Membership.book_id == Book.id, Membership.user_id == user.id))
    return list(session.scalars(query))


def accounts_of(session: Session, book: Book, include_inactive: bool = True) -> list[Account]:
    query = select(Account).where(Account.book_id == book.id).order_by(Account.code)
    if not include_inactive:
        query = query.where(Account.active.is_(True))
    return list(session.scalars(query))


def funds_of(session: Session, book: Book) -> list[Fund]:
    return list(session.scalars(select(Fund).where(Fund.book_id == book.id).order_by(Fund.code)))


def get_account(session: Session, book: Book, code: str) -> Account:
    account = session.scalar(select(Account).where(Account.book_id == book.id, Account.code == code))
    if account is None:
        raise NotFound(f"账簿 {book.code} 中没有科目 {code}", f"book {book.code} has no account {code}", "account")
    return account


def add_account(
    session: Session, actor: User, book: Book, code: str, name_zh: str, name_en: str, type: str,
    parent_code: str | None = None, cash: bool = False,
) -> Account:
    require(session, actor, Action.EDIT_CHART, book)
    witness.touch(session, book, "settings")  # the settings the witness pins change: lock, check, then change
    code = _check_code(code, "code")
    try:
        account_type = AccountType(type)
    except ValueError:
        types = ", ".join(t.value for t in AccountType)
        raise InvalidInput(f"未知科目类型 {type}（可选：{types}）", f"unknown account type {type} (one of: {types})", "type") from None
    if session.scalar(select(Account).where(Account.book_id == book.id, Account.code == code)):
        raise DuplicateCode(f"科目代码 {code} 已存在", f"account code {code} already exists", "code")
    parent = get_account(session, book, parent_code) if parent_code else None
    if parent is not None and parent.type != account_type.value:
        raise InvalidInput("下级科目须与上级科目类型相同", "a sub-account must have its parent's type", "parent")
    account = Account(
        book_id=book.id, code=code, name_zh=_check_name(name_zh, "name_zh"), name_en=_check_name(name_en or name_zh, "name_en"),
        type=account_type.value, cash=cash, parent_id=parent.id if parent else None,
    )
    session.add(account)
    session.flush()
    audit(session, actor, book, "account.add", code)
    return account


def rename_account(session: Session, actor: User, book: Book, code: str, name_zh: str, name_en: str) -> Account:
    require(session, actor, Action.EDIT_CHART, book)
    account = get_account(session, book, code)
    old = (account.name_zh, account.name_en)
    account.name_zh = _check_name(name_zh, "name_zh")
    account.name_en = _check_name(name_en or name_zh, "name_en")
    audit(session, actor, book, "account.rename", code, old=list(old), new=[account.name_zh, account.name_en])
    return account


def set_account_active(session: Session, actor: User, book: Book, code: str, active: bool) -> Account:
    """Deactivate (or reactivate) an account. Accounts are never deleted once used."""
    require(session, actor, Action.EDIT_CHART, book)
    account = get_account(session, book, code)
    account.active = active
    audit(session, actor, book, "account.activate" if active else "account.deactivate", code)
    return account


def delete_account(session: Session, actor: User, book: Book, code: str) -> None:
    """Delete an account that was never used; a used one can only be deactivated."""
    require(session, actor, Action.EDIT_CHART, book)
    witness.touch(session, book, "settings")  # the settings the witness pins change: lock, check, then change
    account = get_account(session, book, code)
    used = session.scalar(select(exists().where(EntryLine.account_id == account.id)))
    children = session.scalar(select(exists().where(Account.parent_id == account.id)))
    if used or children:
        raise InvalidInput(
            f"科目 {code} 已被使用，不能删除，只能停用",
            f"account {code} has been used; it can be deactivated, never deleted",
            "code",
        )
    session.delete(account)
    audit(session, actor, book, "account.delete", code)


def add_fund(session: Session, actor: User, book: Book, code: str, name_zh: str, name_en: str, restricted: bool) -> Fund:
    require(session, actor, Action.EDIT_CHART, book)
    witness.touch(session, book, "settings")  # the settings the witness pins change: lock, check, then change
    code = _check_code(code, "code")
    if session.scalar(select(Fund).where(Fund.book_id == book.id, Fund.code == code)):
        raise DuplicateCode(f"基金代码 {code} 已存在", f"fund code {code} already exists", "code")
    fund = Fund(book_id=book.id, code=code, name_zh=_check_name(name_zh, "name_zh"),
                name_en=_check_name(name_en or name_zh, "name_en"), restricted=restricted)
    session.add(fund)
    session.flush()
    audit(session, actor, book, "fund.add", code, restricted=restricted)
    return fund
