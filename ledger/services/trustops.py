"""What the trust's remuneration, budget and revenue services share: the trust-book check and account lookups."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..db.schema import Account, Book
from ..domain.errors import InvalidInput, InvalidState
from ..domain.model import BookKind
from ..domain.text import first_control, single_line

CASH_CODES = ("1001", "1002", "1012")
FEE_CODES = ("1122", "2202")  # fees receivable and fees received in advance: a cash receipt credits one of them
GENERAL_FUND = "GEN"


def require_trust(book: Book) -> None:
    if book.kind != BookKind.TRUST.value:
        raise InvalidState(f"账簿 {book.code} 不是信托制物业账簿", f"book {book.code} is not a trust-property book", "book")


def account_by_code(session: Session, book: Book, code: str, field: str = "account") -> Account:
    account = session.scalar(select(Account).where(Account.book_id == book.id, Account.code == (code or "").strip()))
    if account is None:
        raise InvalidInput(f"账簿 {book.code} 没有科目 {code}", f"book {book.code} has no account {code}", field)
    return account


def cash_condition():
    """Cash accounts: those marked cash, and 1001 / 1002 / 1012 with their sub-accounts."""
    return or_(Account.cash.is_(True), *(Account.code.like(c + "%") for c in CASH_CODES))


def clean_code(value: str, field: str, where: tuple[str, str] = ("", "")) -> str:
    """An account or fund code as typed: trimmed; a control character (a NUL PostgreSQL would refuse) is refused."""
    value = (value or "").strip()
    if first_control(value) is not None or len(value) > 32:
        raise InvalidInput(f"{where[0]}代码“{value[:32]!r}”含有不允许的字符或过长", f"{where[1]}the code {value[:32]!r} holds a "
                           "character that is not allowed, or is too long", field)
    return value


def clean_text(value: str, limit: int) -> str:
    """Free text on one line, control characters as spaces, runs of spaces as one, at most `limit` characters."""
    return " ".join(single_line(value or "").split())[:limit]
