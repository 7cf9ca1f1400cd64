"""SQLAlchemy 2.0 mappings of the ledger's tables.

Amounts are BIGINT fen. Entry lines carry their book's id so that reports can
sum a book's lines without touching other books.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by sign-out and a password change: a session cookie made before is no longer honoured.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user")


class Book(Base):
    """A book (核算主体): the trust of one compound, a community fund, a foundation."""

    __tablename__ = "books"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    approval_threshold_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The first day of the book's first month: opening balances go in that month, nothing before it.
    start_date: Mapped[dt.date] = mapped_column(Date)
    # Hex of the Ed25519 public key whose private half (outside the database) signs this book.
    public_key: Mapped[str | None] = mapped_column(String(64))
    # Above this many fen of expense, an entry must reference a passed owners' resolution (None: no threshold).
    resolution_threshold_fen: Mapped[int | None] = mapped_column(BigInteger)


class Membership(Base):
    """A user's role in a book."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "book_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    role: Mapped[str] = mapped_column(String(32))

    user: Mapped[User] = relationship(back_populates="memberships")
    book: Mapped[Book] = relationship()


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("book_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    cash: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Fund(Base):
    __tablename__ = "funds"
    __table_args__ = (UniqueConstraint("book_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Period(Base):
    __tablename__ = "periods"
    __table_args__ = (UniqueConstraint("book_id", "year", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class Entry(Base):
    """A journal entry (记账凭证). Once posted, the database refuses any change."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("book_id", "number"),
        UniqueConstraint("book_id", "chain_seq"),
        UniqueConstraint("book_id", "idempotency_key"),
        Index("ix_entries_book_status_date", "book_id", "status", "date"),
        Index("ix_entries_period_seq", "period_id", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual, import, reversal
    # Assigned at posting: per-period sequence and its number, book-wide chain position.
    seq: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(32))
    chain_seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    maker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    posted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    # The reversal points at what it reverses; the original is never touched again.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    request_digest: Mapped[str | None] = mapped_column(String(64))
    # The signed submission (chain.submission_message): approvals count only for the content submitted.
    # Which submission this is (1 for the first, one more each time it is sent back and submitted again); it is
    # in the signed submission digest, so approvals of an earlier round do not count. Never goes down (a guard).
    submission_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    submit_digest: Mapped[str | None] = mapped_column(String(64))
    submit_signature: Mapped[str | None] = mapped_column(String(128))
    # Ed25519 signature (hex) of `hash` by the book's key: SQL alone cannot forge a posted entry.
    signature: Mapped[str | None] = mapped_column(String(128))
    # The owners' resolution (业主大会决定) that approved this expense (migration 0015).
    resolution_id: Mapped[int | None] = mapped_column(ForeignKey("resolutions.id"))

    lines: Mapped[list["EntryLine"]] = relationship(
        back_populates="entry", order_by="EntryLine.line_no", lazy="selectin"
    )
    approvals: Mapped[list["Approval"]] = relationship(order_by="Approval.id", lazy="selectin")
    makers: Mapped[list["EntryMaker"]] = relationship(order_by="EntryMaker.id", lazy="selectin")
    attachments: Mapped[list["Attachment"]] = relationship(order_by="Attachment.id", lazy="selectin")
    maker: Mapped[User] = relationship(foreign_keys=[maker_id])
    rejected_by: Mapped["User | None"] = relationship(foreign_keys=[rejected_by_id])
    period: Mapped[Period] = relationship()
    reverses: Mapped["Entry | None"] = relationship(
        remote_side=[id], foreign_keys=[reverses_id], back_populates="reversed_by"
    )
    reversed_by: Mapped["Entry | None"] = relationship(
        foreign_keys=[reverses_id], back_populates="reverses", uselist=False
    )

    @property
    def total_debit_fen(self) -> int:
        return sum(l.amount_fen for l in self.lines if l.amount_fen > 0)


class EntryLine(Base):
    __tablename__ = "entry_lines"
    __table_args__ = (
        UniqueConstraint("entry_id", "line_no"),
        # Covering: a trial balance sums a book's lines from this index alone.
        Index("ix_lines_book_account_amount", "book_id", "account_id", "amount_fen"),
        Index("ix_lines_fund_account", "fund_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # debit > 0, credit < 0
    note: Mapped[str] = mapped_column(String(200), default="")

    entry: Mapped[Entry] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship(lazy="joined")
    fund: Mapped[Fund] = relationship(lazy="joined")


class Approval(Base):
    """One approver's yes to one submission of an entry. Append-only. An entry sent back and submitted
    again is approved again: a yes counts only for the submission it signed (see entries.counted_approvals)."""

    __tablename__ = "approvals"
    __table_args__ = (Index("ix_approvals_entry", "entry_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The submission approved (its digest) and the book key's signature of this yes (chain.approval_message):
    # a row added by SQL has none, and does not count.
    content_digest: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(128))

    user: Mapped[User] = relationship(lazy="joined")


class EntryMaker(Base):
    """Someone who created or edited an entry's content: none of them may approve it."""

    __tablename__ = "entry_makers"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class PeriodClose(Base):
    """The record that a month is closed: append-only, so a month is never reopened.

    It carries the closing trial balance (canonical JSON) and its SHA-256, the chain
    head at closing, and a signature by the book's key, so `verify` can prove that
    the month's balances are still what they were when it closed. Its `through_date`
    is the book's lock date from then on: nothing posts on or before it.
    """

    __tablename__ = "period_closes"
    __table_args__ = (UniqueConstraint("book_id", "year", "month"), Index("ix_period_closes_book_through", "book_id", "through_date"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    through_date: Mapped[dt.date] = mapped_column(Date)
    closed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chain_seq: Mapped[int] = mapped_column(Integer)  # entries posted before the close
    chain_head: Mapped[str] = mapped_column(String(64))
    trial_balance: Mapped[str] = mapped_column(Text)
    trial_balance_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))

    closed_by: Mapped[User] = relationship(lazy="joined")


class BookHead(Base):
    """The signed head of a book's chain: deleting or demoting the last entry shows.

    One row per book; it only moves forward (a guard refuses a step back)."""

    __tablename__ = "book_heads"

    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), primary_key=True)
    chain_seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Attachment(Base):
    """A voucher (原始凭证), stored by the SHA-256 of its original bytes."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(Base):
    """Who did what, when. Append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    book_id: Mapped[int | None] = mapped_column(ForeignKey("books.id"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[str | None] = mapped_column(Text)


class VoucherPublic(Base):
    """The public derivative of a voucher: re-encoded, EXIF stripped, redactions burned in.

    A new row each time the committee redraws the redaction boxes; the newest
    counts. The original (`attachments`) is never touched.
    """

    __tablename__ = "voucher_publics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), index=True)
    redactions: Mapped[str] = mapped_column(Text, default="[]")  # JSON: [{"page", "x", "y", "w", "h"}] in 0..1
    pages: Mapped[str] = mapped_column(Text)  # JSON: [{"sha256", "width", "height"}] one per page
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The copy's place among its attachment's copies (1, 2, ...) and the book key's signature of it for this
    # attachment (chain.public_copy_message): an older copy re-inserted by SQL is still older.
    seq: Mapped[int | None] = mapped_column(Integer)
    signature: Mapped[str | None] = mapped_column(String(128))


class VoucherWaiver(Base):
    """Why an expense entry has no voucher (a bus fare, a lost receipt), recorded for the close checklist."""

    __tablename__ = "voucher_waivers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Flag(Base):
    """A supervisor's question about an entry: a thread of answers and follow-ups until the one who raised it closes it.

    `answer`, `answered_by_id` and `answered_at` hold the committee's answer to the latest question, and are
    empty while the committee owes one (after the flag is raised, and again after each follow-up). Every
    message stays in `replies` (append-only); `closed_at` and `closed_by_id` say who was satisfied, when."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    entry: Mapped[Entry] = relationship(lazy="joined")
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id], lazy="joined")
    answered_by: Mapped["User | None"] = relationship(foreign_keys=[answered_by_id], lazy="joined")
    closed_by: Mapped["User | None"] = relationship(foreign_keys=[closed_by_id], lazy="joined")
    replies: Mapped[list["FlagReply"]] = relationship(order_by="FlagReply.id", lazy="selectin")

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def awaiting_answer(self) -> bool:
        """The committee owes an answer (to the question or to the latest follow-up)."""
        return self.closed_at is None and self.answer is None

    @property
    def open(self) -> bool:
        """Not yet closed by the one who raised it (or a supervisor)."""
        return self.closed_at is None


class FlagReply(Base):
    """One message in a flag's thread after the question: the committee's answer, the supervisor's
    follow-up, or the closing note. Append-only (a database guard refuses UPDATE and DELETE)."""

    __tablename__ = "flag_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))  # answer, follow_up, close
    text: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[User] = relationship(lazy="joined")


class BankBalance(Base):
    """The balance on the bank statement at a month's end, as entered for the close checklist."""

    __tablename__ = "bank_balances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    """A token an integration signs API requests with; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in the list, so a user can tell tokens apart
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")


class Publication(Base):
    """A closed month made public (公示): a signed manifest of files frozen on disk. Append-only: a correction is a
    new version that names the one it supersedes; the old one stays, marked superseded by the newer's row."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("book_id", "year", "month", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"))
    chain_seq: Mapped[int] = mapped_column(Integer)
    chain_head: Mapped[str] = mapped_column(String(64))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    folder: Mapped[str] = mapped_column(String(255))  # under the publications root: BOOK/YYYY-MM/vN
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class PublicationFile(Base):
    """One file of a publication, as its manifest lists it."""

    __tablename__ = "publication_files"
    __table_args__ = (UniqueConstraint("publication_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    path: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)


class PublicationOpinion(Base):
    """The supervisor's (监察人) word on a publication: a sign-off, or an objection with its reasons. Append-only;
    signed by the book's key, so a page or a copy cannot put words in the supervisor's mouth."""

    __tablename__ = "publication_opinions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # "sign_off" | "objection"
    text: Mapped[str] = mapped_column(Text)
    given_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    signature: Mapped[str] = mapped_column(String(128))

    user: Mapped[User] = relationship(lazy="joined")


# --- The trust's register of units and owners (房屋与业主). Private to the back office: owners' names and phones
# never reach a publication, the public site or an export (the public role cannot read these tables).


class Owner(Base):
    """An owner (业主): a person, or the developer, who holds one or more units. One owner counts once in a
    resolution's headcount however many units they hold (民法典第278条); the developer's unsold units are one owner."""

    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(16), default="person")  # "person" | "developer"
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Unit(Base):
    """A unit of the compound (房屋): a flat, a shop or a parking space, with its floor area from the property
    register in hundredths of a square metre (exact, like money in fen)."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("book_id", "building", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    building: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(32))
    area_centi_m2: Mapped[int] = mapped_column(BigInteger)  # 89.37 ㎡ is 8937
    use: Mapped[str] = mapped_column(String(16))  # "residential" | "shop" | "parking"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    owners: Mapped[list[Owner]] = relationship(secondary="unit_owners", order_by="Owner.id", lazy="selectin")

    @property
    def label(self) -> str:
        return f"{self.building}-{self.number}"


class UnitStatusChange(Base):
    """A unit taken off the register (sold and merged, demolished, entered in error) or put back, from the first day
    of a month on (migration 0017). Append-only; the newest change is the unit's standing (`units.active` follows
    it), and the changes in date order say whether the unit was on the register in any month (billing asks)."""

    __tablename__ = "unit_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class UnitOwner(Base):
    __tablename__ = "unit_owners"
    __table_args__ = (UniqueConstraint("unit_id", "owner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"), index=True)


# --- Fees, billing, payments, arrears and unit access codes (migration 0012). -------------------------------------


class FeeRate(Base):
    """A fee rate (收费标准) for one use of unit from a date on. Append-only: a new rate is a new row, and the rate in
    force on a month's first day is the latest row whose `effective_from` is on or before it.

    per_m2: `rate_centi_fen` is hundredths of a fen per ㎡ per month (2.35 yuan/㎡ is 23500); fixed: the monthly sum in
    hundredths of a fen (a parking space at 80.00 yuan is 800000)."""

    __tablename__ = "fee_rates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    use: Mapped[str] = mapped_column(String(16))  # "residential" | "shop" | "parking"
    basis: Mapped[str] = mapped_column(String(16))  # "per_m2" | "fixed"
    rate_centi_fen: Mapped[int] = mapped_column(BigInteger)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class EntryUnit(Base):
    """The per-unit sub-ledger: which units make up one line of a billing or payment entry (several rows per line:
    the entry's lines are aggregated, so a publication shows no unit). The rows of a line sum to it, and a digest of
    all the entry's rows with a private salt (`salt`) is in the note of one of its lines, so the chain commits to
    the detail without revealing it: `ledger verify` recomputes both, and the guards refuse any change once posted."""

    __tablename__ = "entry_units"
    __table_args__ = (Index("ix_entry_units_unit", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)  # a deleted draft
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    account_code: Mapped[str] = mapped_column(String(32))  # "1122" receivable or "2202" prepayment
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # debit positive
    billed_year: Mapped[int | None] = mapped_column(Integer)  # the month a charge is for
    billed_month: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(60), default="")  # a payment's WeChat/Alipay/bank reference
    salt: Mapped[str] = mapped_column(String(32))  # the same for every row of an entry; never published


# --- The co-managed bank account: statement profiles, rows, matches (migration 0013). -----------------------------
# (bank tables go here)


class BankProfile(Base):
    """A saved layout of one bank's statement (header name of each field), versioned: a change is a new version."""

    __tablename__ = "bank_profiles"
    __table_args__ = (UniqueConstraint("book_id", "name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    columns: Mapped[str] = mapped_column(Text)  # JSON: field -> header name
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class BankImport(Base):
    """One statement file imported: what it added and what it already held."""

    __tablename__ = "bank_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    profile_name: Mapped[str] = mapped_column(String(64))
    profile_version: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class BankStatementRow(Base):
    """A row of the co-managed account's statement, as the bank stated it (append-only; amount signed, in fen)."""

    __tablename__ = "bank_statement_rows"
    __table_args__ = (
        UniqueConstraint("book_id", "fingerprint"),
        Index("ix_bank_statement_rows_account_date", "book_id", "account_id", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    import_id: Mapped[int] = mapped_column(ForeignKey("bank_imports.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # its place in its file, oldest first
    date: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # income positive, spending negative
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    counterparty: Mapped[str] = mapped_column(String(200), default="")
    memo: Mapped[str] = mapped_column(String(500), default="")
    serial: Mapped[str] = mapped_column(String(64), default="")
    fingerprint: Mapped[str] = mapped_column(String(48))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class BankMatch(Base):
    """A statement row explained by an entry's line on the bank account: matched to a posted entry, or drafted
    from the row. Append-only; the entry is named by id (a draft may still be deleted, and then the row is
    unmatched again)."""

    __tablename__ = "bank_matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("bank_statement_rows.id"), index=True)
    entry_id: Mapped[int] = mapped_column(Integer, index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    how: Mapped[str] = mapped_column(String(16))  # "auto" | "draft"
    matched_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    matched_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# --- The trustee's remuneration, budgets and public revenues (migration 0014). --------------------------------------
# (remuneration, budget and revenue tables go here)


class TrusteeContract(Base):
    """The trustee's remuneration (酬金) as the contract states it: a fixed monthly sum, or a share of the property
    fees actually collected in the month (in basis points: 12% is 1200), optionally capped per month. Append-only:
    a new contract supersedes from its `effective_from`."""

    __tablename__ = "trustee_contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "fixed" | "percent"
    monthly_fen: Mapped[int | None] = mapped_column(BigInteger)
    percent_bp: Mapped[int | None] = mapped_column(Integer)
    cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Budget(Base):
    """An annual budget of a book as the owners approved it. Append-only: the newest for a year is the one in force.
    `resolution_id` names the owners' resolution that approved it (linked to that table when it exists)."""

    __tablename__ = "budgets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    resolution_id: Mapped[int | None] = mapped_column(ForeignKey("resolutions.id"))  # a foreign key from 0017
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    lines: Mapped[list["BudgetLine"]] = relationship(order_by="BudgetLine.id", lazy="selectin")


class BudgetLine(Base):
    """One account and fund of a budget: the annual sum (phased in equal twelfths, the remainder in December) and
    whether an overrun only warns or blocks posting."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    annual_fen: Mapped[int] = mapped_column(BigInteger)
    on_overrun: Mapped[str] = mapped_column(String(8))  # "warn" | "block"

    account: Mapped[Account] = relationship(lazy="joined")
    fund: Mapped[Fund] = relationship(lazy="joined")


class RevenueContract(Base):
    """A contract for public revenue (公共收益) from the common parts: who pays, for what, how much per period."""

    __tablename__ = "revenue_contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    counterparty: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    schedule: Mapped[str] = mapped_column(String(16))  # "monthly" | "quarterly" | "yearly"
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    account: Mapped[Account] = relationship(lazy="joined")


class RevenueTerms(Base):
    """New terms of a revenue contract from a date on (migration 0017): the amount per period and the schedule that
    hold from `effective_from` until the next terms or the contract's end. The contract's own amount and schedule
    are its first terms, from its start. Append-only: receipts expected before a change keep their amounts."""

    __tablename__ = "revenue_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("revenue_contracts.id"), index=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    schedule: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RevenueReceipt(Base):
    """An entry that receives money under a revenue contract."""

    __tablename__ = "revenue_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("revenue_contracts.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# --- Owners' resolutions and their votes (migration 0015). ---------------------------------------------------------


class Resolution(Base):
    """An owners' resolution (业主大会决定) as recorded, with its tally frozen at recording (append-only)."""

    __tablename__ = "resolutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    matter: Mapped[str] = mapped_column(String(16))  # "ordinary" | "special" (Art. 278 items 6-8)
    held_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # "passed" | "failed", computed from the votes
    tally: Mapped[str] = mapped_column(Text)  # JSON: the figures as exact fractions
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ResolutionVote(Base):
    """One unit's vote on a resolution (append-only)."""

    __tablename__ = "resolution_votes"
    __table_args__ = (UniqueConstraint("resolution_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    vote: Mapped[str] = mapped_column(String(16))  # "agree" | "against" | "abstain"


# --- My unit: the access codes printed on fee notices (migration 0016). -------------------------------------------


class UnitAccessCode(Base):
    """A unit's access code for the "my unit" page: only sha256(salt + code) is kept (the code is shown once, when
    issued). Revoked, never deleted; a unit has at most one live code (issuing a new one revokes the old)."""

    __tablename__ = "unit_access_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# --- Micro-projects and matching (issue 10, migration 0018). -------------------------------------------------------
# A matching pool (配捐池) of a fund book, its rule versions, the projects that pin one, their donations, refunds and
# each donation's match. The pool's committed_fen is kept by database triggers from the matches (ledger/db/guards.py)
# and a CHECK keeps it within what the pool holds: no path, SQL included, commits more than the pool holds.


class MatchingPool(Base):
    """A matching pool: money a funder (the district, a foundation) put in a restricted fund of the book to match
    donations. held_fen is what was deposited (each deposit an entry); committed_fen the live matches (pending and
    posted, less what was clawed back), kept by triggers on `matches`."""

    __tablename__ = "matching_pools"
    __table_args__ = (
        UniqueConstraint("book_id", "code"),
        CheckConstraint("held_fen >= 0", name="ck_matching_pools_held"),
        CheckConstraint("committed_fen >= 0 AND committed_fen <= held_fen", name="ck_matching_pools_committed"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    funder: Mapped[str] = mapped_column(String(200))  # who matches, as the explainer names them (政府, a foundation)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    held_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    committed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    fund: Mapped[Fund] = relationship(lazy="joined")


class PoolDeposit(Base):
    """Money put into a pool, by an entry (Dr bank / Cr government grant income on the pool's fund). Append-only."""

    __tablename__ = "matching_pool_deposits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("matching_pools.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MatchingRuleVersion(Base):
    """One version of a pool's rule, as matching.Rule.to_dict's canonical JSON and its SHA-256. Append-only: a rule
    is changed by adding a version; a project pins the version it runs under."""

    __tablename__ = "matching_rules"
    __table_args__ = (UniqueConstraint("pool_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("matching_pools.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    rule_json: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Project(Base):
    """A micro-project (微项目): its story, goal and deadline, its own restricted fund, and the rule version it runs
    under (never changed). Status: open -> funded | failed (settled); for quadratic rules the round's close records
    the matches first."""

    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("book_id", "code"),
        CheckConstraint("goal_fen > 0", name="ck_projects_goal"),
        CheckConstraint("stretch_fen IS NULL OR stretch_fen > goal_fen", name="ck_projects_stretch"),
        CheckConstraint("funding_mode IN ('all_or_nothing', 'keep_what_you_raise')", name="ck_projects_mode"),
        CheckConstraint("status IN ('open', 'funded', 'failed')", name="ck_projects_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("matching_pools.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("matching_rules.id"))
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    story: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[str] = mapped_column(String(200), default="")  # the building or area it serves
    team: Mapped[str] = mapped_column(String(200), default="")
    goal_fen: Mapped[int] = mapped_column(BigInteger)
    stretch_fen: Mapped[int | None] = mapped_column(BigInteger)
    deadline: Mapped[dt.date] = mapped_column(Date)
    funding_mode: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="open")
    settled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    settle_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"))  # the matches moved, or the refunds
    round_closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # quadratic: its matches recorded
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    fund: Mapped[Fund] = relationship(lazy="joined")
    rule: Mapped[MatchingRuleVersion] = relationship(lazy="joined")
    pool: Mapped[MatchingPool] = relationship(lazy="joined")
    budget_lines: Mapped[list["ProjectBudgetLine"]] = relationship(order_by="ProjectBudgetLine.id", lazy="selectin")


class ProjectBudgetLine(Base):
    """What a project will spend on, as announced (append-only)."""

    __tablename__ = "project_budget_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class Donation(Base):
    """A donation as recorded (append-only): its entry, the donor's display name or anonymity, and the donor's
    phone only as an HMAC keyed by a secret kept outside the database (donor_key: enough to apply per-donor caps
    and to see several donors sharing a phone, never to read the phone back). The receipt code is the donor's
    key to follow the money on the public site."""

    __tablename__ = "donations"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="ck_donations_amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    date: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))  # cash | bank | wechat | alipay
    reference: Mapped[str] = mapped_column(String(60), default="")
    display_name: Mapped[str] = mapped_column(String(60), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    donor_key: Mapped[str] = mapped_column(String(64), index=True)
    receipt_code: Mapped[str] = mapped_column(String(20), unique=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class DonationRefund(Base):
    """Money given back to a donor, by an entry (append-only): one donation asked back, or every donation of an
    all-or-nothing project that missed its goal."""

    __tablename__ = "donation_refunds"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="ck_donation_refunds_amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Match(Base):
    """A donation's match: pending (a commitment on the pool) when recorded, posted when its project is funded (entry_id
    moves the money), voided when the project fails; clawed_back_fen grows when the donation is refunded. Its amount
    never changes and it is never deleted (guards)."""

    __tablename__ = "matches"
    __table_args__ = (
        CheckConstraint("amount_fen >= 0 AND raw_fen >= 0", name="ck_matches_amount"),
        CheckConstraint("clawed_back_fen >= 0 AND clawed_back_fen <= amount_fen", name="ck_matches_clawed_back"),
        CheckConstraint("status IN ('pending', 'posted', 'voided')", name="ck_matches_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("matching_pools.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id"), unique=True)
    raw_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(32))  # matching.REASONS key: why below the rate
    status: Mapped[str] = mapped_column(String(16), default="pending")
    clawed_back_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# --- Grants (治理创新基金, issue 10; migration 0019). ------------------------------------------------------------------
# A programme of a fund book grants money from one restricted fund. Decided facts (reviewers named, conflicts, scores,
# decisions, the tranche plan, releases, reports and their acceptance, closures) are append-only rows; only an
# application's status moves. What a programme has committed (its awards, less what closures took back, plus what they
# re-granted) never exceeds its pool: the service refuses it under the book's lock, and a database trigger refuses
# the row that would (ledger/db/guards.py, GRANT_POOL), whatever writes it.


class GrantProgramme(Base):
    __tablename__ = "grant_programmes"
    __table_args__ = (
        UniqueConstraint("book_id", "code"),
        CheckConstraint("pool_fen > 0", name="ck_grant_programmes_pool"),
        CheckConstraint("ceiling_fen > 0 AND ceiling_fen <= pool_fen", name="ck_grant_programmes_ceiling"),
        CheckConstraint("closes_on >= opens_on", name="ck_grant_programmes_call"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    pool_fen: Mapped[int] = mapped_column(BigInteger)
    ceiling_fen: Mapped[int] = mapped_column(BigInteger)
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    criteria: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    fund: Mapped[Fund] = relationship(lazy="joined")


class GrantReviewer(Base):
    __tablename__ = "grant_reviewers"
    __table_args__ = (UniqueConstraint("programme_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("grant_programmes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class GrantApplication(Base):
    """An application from a community or group. `applicant` (an organisation) is public once awarded; `contact`
    (a person's name and phone) never leaves the back office."""

    __tablename__ = "grant_applications"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="ck_grant_applications_amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("grant_programmes.id"), index=True)
    applicant: Mapped[str] = mapped_column(String(200))
    community: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="submitted")  # submitted, awarded, declined, closed
    received_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    programme: Mapped[GrantProgramme] = relationship(lazy="joined")
    budget: Mapped[list["GrantBudgetLine"]] = relationship(order_by="GrantBudgetLine.line_no", lazy="selectin")


class GrantBudgetLine(Base):
    __tablename__ = "grant_budget_lines"
    __table_args__ = (UniqueConstraint("application_id", "line_no"),
                      CheckConstraint("amount_fen > 0", name="ck_grant_budget_lines_amount"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_applications.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class GrantConflict(Base):
    """A reviewer's declared conflict of interest on one application: for good, and it bars their score."""

    __tablename__ = "grant_conflicts"
    __table_args__ = (UniqueConstraint("application_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_applications.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class GrantReview(Base):
    __tablename__ = "grant_reviews"
    __table_args__ = (UniqueConstraint("application_id", "user_id"),
                      CheckConstraint("score >= 0 AND score <= 100", name="ck_grant_reviews_score"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_applications.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class GrantDecision(Base):
    """An award (a commitment: its entry Dr 5401 / Cr 2206 on the programme's fund) or a decline, with the reason."""

    __tablename__ = "grant_decisions"
    __table_args__ = (CheckConstraint("(decision = 'award' AND amount_fen > 0) OR (decision = 'decline' AND amount_fen = 0)",
                                      name="ck_grant_decisions_amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_applications.id"), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("grant_programmes.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    entry: Mapped["Entry | None"] = relationship(lazy="joined")


class GrantTranche(Base):
    """One planned payment of an award (the plan sums to the award; a re-grant adds one)."""

    __tablename__ = "grant_tranches"
    __table_args__ = (UniqueConstraint("application_id", "seq"),
                      CheckConstraint("planned_fen > 0", name="ck_grant_tranches_planned"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_applications.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    planned_fen: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class GrantRelease(Base):
    """A tranche paid: its entry Dr 2206 / Cr bank. One whose entry was rejected does not count (release again)."""

    __tablename__ = "grant_releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("grant_tranches.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    released_on: Mapped[dt.date] = mapped_column(Date)
    released_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    entry: Mapped["Entry"] = relationship(lazy="joined")


class GrantReport(Base):
    """The grantee's report on a tranche: what was done and what was spent (each expense with its voucher's reference)."""

    __tablename__ = "grant_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("grant_tranches.id"), index=True)
    narrative: Mapped[str] = mapped_column(Text)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    expenses: Mapped[list["GrantReportExpense"]] = relationship(order_by="GrantReportExpense.line_no", lazy="selectin")


class GrantReportExpense(Base):
    __tablename__ = "grant_report_expenses"
    __table_args__ = (UniqueConstraint("report_id", "line_no"),
                      CheckConstraint("amount_fen > 0", name="ck_grant_report_expenses_amount"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("grant_reports.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    voucher: Mapped[str] = mapped_column(String(200))  # the invoice's or receipt's number, as the grantee keeps it


class GrantReportDecision(Base):
    __tablename__ = "grant_report_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("grant_reports.id"), unique=True)
    accepted: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[dt.date] = mapped_column(Date)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class GrantClosure(Base):
    """A grant closed. What was not spent is `decommitted_fen`: taken off this grant by `entry_id` (money held by the
    grantee returned to the bank, the unpaid rest of the commitment released) and, for a re-grant, committed to
    `regrant_to_id` (`regranted_fen`). Nothing unspent ever leaves a grant without such an entry."""

    __tablename__ = "grant_closures"
    __table_args__ = (CheckConstraint("mode IN ('complete', 'return', 'regrant')", name="ck_grant_closures_mode"),
                      CheckConstraint("(mode = 'complete' AND decommitted_fen = 0) OR (mode <> 'complete' AND decommitted_fen > 0)",
                                      name="ck_grant_closures_unspent"),
                      CheckConstraint("(mode = 'regrant' AND regranted_fen = decommitted_fen AND regrant_to_id IS NOT NULL) "
                                      "OR (mode <> 'regrant' AND regranted_fen = 0 AND regrant_to_id IS NULL)",
                                      name="ck_grant_closures_regrant"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_applications.id"), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("grant_programmes.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    spent_fen: Mapped[int] = mapped_column(BigInteger)
    returned_fen: Mapped[int] = mapped_column(BigInteger)  # money the grantee held and paid back
    decommitted_fen: Mapped[int] = mapped_column(BigInteger)
    regranted_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    regrant_to_id: Mapped[int | None] = mapped_column(ForeignKey("grant_applications.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[dt.date] = mapped_column(Date)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    entry: Mapped["Entry | None"] = relationship(lazy="joined")


# --- funders and published-document freshness (0020) ---

class FunderCode(Base):
    """A donor's funder code in a book (append-only): the key to "all my donations here" on the public site. Made at
    the donor's first donation, random (like a receipt code), so it says nothing of the phone behind `donor_key`."""

    __tablename__ = "funder_codes"
    __table_args__ = (UniqueConstraint("book_id", "donor_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    donor_key: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PublishedDocument(Base):
    """Each version of a signed public document of the micro-projects (progress, receipt, funder, pool) as written
    (append-only): its path under the publications folder, the SHA-256 of its bytes and its sequence per path. The
    public site shows a document only if its bytes are the newest recorded for its path, so an older signed copy put
    back in the folder is refused."""

    __tablename__ = "published_documents"
    __table_args__ = (UniqueConstraint("path", "seq"), CheckConstraint("seq > 0", name="ck_published_documents_seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# --- grant report files (0021) ---
# A tranche report carries the grantee's receipts as files, kept like an entry's vouchers (ledger/services/
# voucher_files.py): the original privately by its SHA-256, public copies made from it. The copy made at upload
# (seq 1) is not reviewed; only a newer one, made when the committee reviewed it for redaction, is ever published.
# A grant entry an approver rejected is booked again by a rebooking (the decision or closure stands).

class GrantReportFile(Base):
    __tablename__ = "grant_report_files"
    __table_args__ = (UniqueConstraint("report_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("grant_reports.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class GrantReportFilePublic(Base):
    """A public copy of a report's file (redactions burned in); the newest counts, seq 1 is the unreviewed one."""

    __tablename__ = "grant_report_file_publics"
    __table_args__ = (UniqueConstraint("file_id", "seq"), CheckConstraint("seq >= 1", name="ck_grant_report_file_publics_seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("grant_report_files.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    redactions: Mapped[str] = mapped_column(Text, default="[]")
    pages: Mapped[str] = mapped_column(Text)  # JSON: [{"sha256", "width", "height"}]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class GrantRebooking(Base):
    """A grant's entry (an award's commitment, or a closure's) that an approver rejected, booked again by a new entry."""

    __tablename__ = "grant_rebookings"
    __table_args__ = (CheckConstraint("kind IN ('award', 'close')", name="ck_grant_rebookings_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    rejected_entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), unique=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    booked_on: Mapped[dt.date] = mapped_column(Date)
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    entry: Mapped["Entry"] = relationship(foreign_keys=[entry_id], lazy="joined")


class GrantApiKey(Base):
    """An Idempotency-Key a grant request of the API came with: the same request again answers with what it made
    then (`result_id`); the same key with other content is refused."""

    __tablename__ = "grant_api_keys"
    __table_args__ = (UniqueConstraint("book_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(128))
    operation: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# --- project spending by budget line (0022) ---

class ProjectSpend(Base):
    """A spend from a micro-project's restricted fund allocated to one of its budget lines (append-only): the entry
    that pays, the line it is spent against, and how much. An entry with expense lines on a project's fund posts only
    when its allocations cover exactly those lines and no budget line goes over (services/project_spending.py)."""

    __tablename__ = "project_spends"
    __table_args__ = (UniqueConstraint("entry_id", "budget_line_id"),
                      CheckConstraint("amount_fen > 0", name="ck_project_spends_amount"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), index=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("project_budget_lines.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
