"""Marshmallow schemas of every request and response of the API.

Money crosses the API as a decimal string of yuan ("1234.56"), never a number:
`Money` dumps integer fen with `fen_to_str` and accepts only what `to_fen`
accepts, and the OpenAPI document shows it as `type: string, format: decimal`
with its pattern. Text fields refuse NUL and other control characters (which
PostgreSQL cannot store), so malformed input is a 422, never a 500.
"""
from __future__ import annotations

import datetime as dt
import re

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain.errors import InvalidAmount
from ..domain.model import MAX_DATE, MIN_DATE, AccountType, BookKind, EntryStatus, PeriodStatus, Role
from ..domain.money import fen_to_str, to_fen

# At most 999,999,999,999.99 yuan: inside what to_fen accepts, so the pattern is the whole rule.
MONEY_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"
_MONEY_RE = re.compile(MONEY_PATTERN[1:-1])
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"
_CODE_RE = re.compile(CODE_PATTERN[1:-1])
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
KEY_PATTERN = r"^[!-~]{1,128}$"  # printable ASCII, so it can travel in a header too
_KEY_RE = re.compile(KEY_PATTERN[1:-1])
# The ledger's one date rule lives in the domain (MIN_DATE..MAX_DATE); the schema says it in OpenAPI terms.
MAX_ID = 2**31 - 1


TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"


class Text(fields.String):
    """A string without NUL, other control characters (tab and newlines aside) or lone surrogates."""

    default_error_messages = {"control": "Must not contain control characters."}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", TEXT_PATTERN)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        for ch in text:
            o = ord(ch)
            if (o < 32 and ch not in "\t\n\r") or o == 127 or 0xD800 <= o <= 0xDFFF:
                raise self.make_error("control")
        return text


class Code(Text):
    """A book, account or fund code: letters, digits, - and _, at most 32."""

    default_error_messages = {"code": "Must be 1 to 32 letters, digits, - or _, starting with a letter or digit."}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(pattern=CODE_PATTERN, example="1002")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _CODE_RE.fullmatch(text):
            raise self.make_error("code")
        return text


class Money(fields.String):
    """Yuan as a decimal string; dumps integer fen, loads a checked decimal string."""

    default_error_messages = {"money": "Must be a decimal string of yuan with at most two decimals, e.g. \"1234.56\"."}

    def __init__(self, **kwargs):
        meta = kwargs.setdefault("metadata", {})
        meta.update(format="decimal", pattern=MONEY_PATTERN)
        meta.setdefault("example", "1234.56")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else fen_to_str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _MONEY_RE.fullmatch(text):
            raise self.make_error("money")
        try:
            to_fen(text)
        except InvalidAmount as e:
            raise ValidationError(e.message_en) from None
        return text


class UtcDateTime(fields.DateTime):
    """Timestamps are stored as naive UTC; say so on the way out (RFC 3339 wants an offset)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc).isoformat()


class LedgerDate(fields.Date):
    default_error_messages = {"range": f"Must be between {MIN_DATE} and {MAX_DATE}."}

    def _deserialize(self, value, attr, data, **kwargs):
        date = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_DATE <= date <= MAX_DATE:
            raise self.make_error("range")
        return date


class IdempotencyKey(Text):
    default_error_messages = {"key": "Must be 1 to 128 printable ASCII characters."}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(pattern=KEY_PATTERN)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _KEY_RE.fullmatch(text):
            raise self.make_error("key")
        return text


def _enum(values) -> validate.OneOf:
    return validate.OneOf([v.value if hasattr(v, "value") else v for v in values])


# ---------------------------------------------------------------- errors


class MessageSchema(Schema):
    zh_CN = fields.String(required=True)
    en = fields.String(required=True)


class ApiErrorSchema(Schema):
    """Every error: a code, the message in Chinese and English, and the field at fault."""

    code = fields.String(required=True, metadata={"example": "unbalanced_entry"})
    message = fields.Nested(MessageSchema, required=True)
    field = fields.String(required=True, allow_none=True, metadata={"example": "lines[1].debit"})
    details = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "For request validation errors: every field at fault and what was wrong."},
    )


# ---------------------------------------------------------------- people and books


class UserRefSchema(Schema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)


class MeSchema(UserRefSchema):
    is_admin = fields.Boolean(required=True)
    auth = fields.String(required=True, validate=validate.OneOf(["token", "session"]))


class BookSchema(Schema):
    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    kind = fields.String(required=True, validate=_enum(BookKind))
    approval_threshold = Money(
        required=True,
        metadata={"description": "Entries whose total debit is above this need two approvers."},
    )
    roles = fields.List(fields.String(validate=_enum(Role)), required=True, metadata={"description": "Your roles in this book."})


class AccountSchema(Schema):
    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    type = fields.String(required=True, validate=_enum(AccountType))
    cash = fields.Boolean(required=True)
    parent = fields.String(required=True, allow_none=True, metadata={"description": "The parent account's code."})
    active = fields.Boolean(required=True)


class AccountCreateSchema(Schema):
    code = Code(required=True)
    name_zh = Text(required=True, validate=validate.Length(1, 200))
    name_en = Text(validate=validate.Length(0, 200), load_default="")
    type = fields.String(required=True, validate=_enum(AccountType))
    parent = Code(load_default=None, allow_none=True)
    cash = fields.Boolean(load_default=False)


class FundSchema(Schema):
    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    restricted = fields.Boolean(required=True)
    active = fields.Boolean(required=True)


class FundCreateSchema(Schema):
    code = Code(required=True)
    name_zh = Text(required=True, validate=validate.Length(1, 200))
    name_en = Text(validate=validate.Length(0, 200), load_default="")
    restricted = fields.Boolean(load_default=False)


class PeriodSchema(Schema):
    period = fields.String(required=True, metadata={"pattern": PERIOD_PATTERN, "example": "2026-03"})
    year = fields.Integer(required=True)
    month = fields.Integer(required=True)
    status = fields.String(required=True, validate=_enum(PeriodStatus))
    closed_at = UtcDateTime(required=True, allow_none=True)
    closed_by = fields.String(required=True, allow_none=True, metadata={"description": "Username."})


# ---------------------------------------------------------------- entries


class LineInSchema(Schema):
    """One line: a debit or a credit (non-negative), or a signed amount (debit positive)."""

    account = Text(required=True, validate=validate.Length(1, 32), metadata={"example": "1002"})
    fund = Text(required=True, validate=validate.Length(1, 32), metadata={"example": "GEN"})
    debit = Money(allow_none=True)
    credit = Money(allow_none=True)
    amount = Money(allow_none=True, metadata={"description": "Signed: a debit is positive, a credit negative."})
    note = Text(validate=validate.Length(0, 200), load_default="")


class EntryWriteSchema(Schema):
    date = LedgerDate(required=True)
    summary = Text(required=True, validate=validate.Length(1, 200), metadata={"description": "摘要"})
    lines = fields.List(fields.Nested(LineInSchema), required=True, validate=validate.Length(max=500))


class EntryCreateSchema(EntryWriteSchema):
    submit = fields.Boolean(load_default=False, metadata={"description": "Submit for approval at once."})
    idempotency_key = IdempotencyKey(
        metadata={"description": "Same as the Idempotency-Key header; give either, or both with the same value."}
    )


class IdempotencyHeaderSchema(Schema):
    idempotency_key = IdempotencyKey(
        data_key="Idempotency-Key",
        metadata={"description": "Sending the same request again with the same key returns the entry made the first time."},
    )


class RejectSchema(Schema):
    reason = Text(required=True, validate=validate.Length(1, 1000))


class ReverseSchema(Schema):
    date = LedgerDate(metadata={"description": "Date of the reversing entry; default today."})
    idempotency_key = IdempotencyKey()


class LineOutSchema(Schema):
    line_no = fields.Integer(required=True)
    account = fields.String(required=True)
    account_name_zh = fields.String(required=True)
    account_name_en = fields.String(required=True)
    fund = fields.String(required=True)
    amount = Money(required=True, metadata={"description": "Signed: debit positive."})
    debit = Money(required=True)
    credit = Money(required=True)
    note = fields.String(required=True)


class ApprovalSchema(Schema):
    user = fields.Nested(UserRefSchema, required=True)
    decided_at = UtcDateTime(required=True)


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    sha256 = fields.String(required=True, metadata={"pattern": "^[0-9a-f]{64}$"})
    filename = fields.String(required=True, allow_none=True,
                             metadata={"description": "The original's file name; null unless you may see originals."})
    media_type = fields.String(required=True)
    size = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)


class EntryRefSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=_enum(EntryStatus))


class EntrySummarySchema(Schema):
    id = fields.Integer(required=True)
    book = fields.String(required=True)
    number = fields.String(required=True, allow_none=True, metadata={"example": "记-2026-03-0001"})
    status = fields.String(required=True, validate=_enum(EntryStatus))
    source = fields.String(required=True, validate=validate.OneOf(["manual", "import", "reversal", "opening"]))
    date = fields.Date(required=True)
    period = fields.String(required=True)
    summary = fields.String(required=True)
    total_debit = Money(required=True)
    maker = fields.Nested(UserRefSchema, required=True)
    created_at = UtcDateTime(required=True)
    submitted_at = UtcDateTime(required=True, allow_none=True)
    posted_at = UtcDateTime(required=True, allow_none=True)


class EntrySchema(EntrySummarySchema):
    total_credit = Money(required=True)
    lines = fields.List(fields.Nested(LineOutSchema), required=True)
    approvals = fields.List(fields.Nested(ApprovalSchema), required=True)
    makers = fields.List(fields.Nested(UserRefSchema), required=True,
                         metadata={"description": "Everyone who created or edited the entry; none of them may approve it."})
    approvals_needed = fields.Integer(required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    rejected_reason = fields.String(required=True, allow_none=True)
    rejected_by = fields.String(required=True, allow_none=True, metadata={"description": "Username."})
    reverses = fields.Nested(EntryRefSchema, required=True, allow_none=True)
    reversed_by = fields.Nested(EntryRefSchema, required=True, allow_none=True)
    hash = fields.String(required=True, allow_none=True)
    prev_hash = fields.String(required=True, allow_none=True)
    signature = fields.String(required=True, allow_none=True,
                              metadata={"description": "Ed25519 signature (hex) of b'entry:' + hash by the book's key."})


class PageSchema(Schema):
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    has_more = fields.Boolean(required=True)


class EntryPageSchema(PageSchema):
    items = fields.List(fields.Nested(EntrySummarySchema), required=True)


class EntryQuerySchema(Schema):
    status = fields.String(
        load_default=EntryStatus.POSTED.value,
        validate=validate.OneOf([s.value for s in EntryStatus] + ["all"]),
        metadata={"description": "Default posted; `all` for every status."},
    )
    year = fields.Integer(validate=validate.Range(MIN_DATE.year, MAX_DATE.year))
    month = fields.Integer(validate=validate.Range(1, 12), metadata={"description": "Needs year."})
    account = Code(metadata={"description": "Entries with a line on this account."})
    fund = Code(metadata={"description": "Entries with a line in this fund."})
    text = Text(validate=validate.Length(1, 100), metadata={"description": "In the summary or the number."})
    min_amount = Money(metadata={"description": "On the entry's total debit."})
    max_amount = Money()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 10_000_000))

    @validates_schema
    def _month_needs_year(self, data, **kwargs):
        if "month" in data and "year" not in data:
            raise ValidationError("Give year with month.", "month")


# ---------------------------------------------------------------- reports


class AsOfQuerySchema(Schema):
    as_of = LedgerDate(metadata={"description": "Posted on or before this date; default everything."})


class TrialBalanceRowSchema(Schema):
    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    type = fields.String(required=True, validate=_enum(AccountType))
    debit = Money(required=True)
    credit = Money(required=True)
    balance = Money(required=True, metadata={"description": "Signed: debit positive."})


class TrialBalanceSchema(Schema):
    book = fields.String(required=True)
    as_of = fields.Date(required=True, allow_none=True)
    rows = fields.List(fields.Nested(TrialBalanceRowSchema), required=True)
    total_debit = Money(required=True)
    total_credit = Money(required=True)


class FundBalanceSchema(Schema):
    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    restricted = fields.Boolean(required=True)
    cash = Money(required=True)
    net_assets = Money(required=True)
    income = Money(required=True)
    expense = Money(required=True)


class LedgerQuerySchema(Schema):
    fund = Code()
    start = LedgerDate()
    end = LedgerDate()
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 100_000_000))


class LedgerRowSchema(Schema):
    entry_id = fields.Integer(required=True)
    number = fields.String(required=True)
    date = fields.Date(required=True)
    summary = fields.String(required=True)
    fund = fields.String(required=True)
    note = fields.String(required=True)
    amount = Money(required=True, metadata={"description": "Signed: debit positive."})
    debit = Money(required=True)
    credit = Money(required=True)
    balance = Money(required=True, metadata={"description": "Running, after this line."})


class AccountLedgerSchema(PageSchema):
    book = fields.String(required=True)
    account = fields.Nested(AccountSchema, required=True)
    fund = fields.String(required=True, allow_none=True)
    start = fields.Date(required=True, allow_none=True)
    end = fields.Date(required=True, allow_none=True)
    opening = Money(required=True, metadata={"description": "Balance before `start`."})
    rows = fields.List(fields.Nested(LedgerRowSchema), required=True)


# ---------------------------------------------------------------- vouchers and the close checklist


class VoucherPageSchema(Schema):
    page = fields.Integer(required=True)
    sha256 = fields.String(required=True, metadata={"pattern": "^[0-9a-f]{64}$"})
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)


class VoucherSchema(AttachmentSchema):
    """A voucher with its public derivative: one JPEG per page, redactions burned in, no EXIF."""

    uploaded_by = fields.String(required=True, allow_none=True,
                                metadata={"description": "Display name; null unless you may see originals."})
    redacted = fields.Boolean(required=True)
    pages = fields.List(fields.Nested(VoucherPageSchema), required=True)


class VoucherUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "JPEG, PNG, WebP, HEIC or PDF."})


class BankBalanceSchema(Schema):
    account = Code(required=True, metadata={"example": "1002"})
    balance = Money(required=True, metadata={"description": "The month-end balance on the bank statement."})


class BankCheckSchema(Schema):
    account = fields.String(required=True)
    book = Money(required=True, metadata={"description": "The account's balance in the book at the month's end."})
    statement = Money(required=True, allow_none=True, metadata={"description": "As entered from the statement."})
    ok = fields.Boolean(required=True)


class FlagRefSchema(Schema):
    id = fields.Integer(required=True)
    entry = fields.Nested(EntryRefSchema, required=True)
    comment = fields.String(required=True)
    raised_by = fields.String(required=True)


class ChecklistSchema(Schema):
    """What must hold before a month closes; `ready` when nothing blocks it."""

    period = fields.String(required=True, metadata={"pattern": PERIOD_PATTERN})
    status = fields.String(required=True, validate=_enum(PeriodStatus))
    ready = fields.Boolean(required=True)
    submitted = fields.List(fields.Nested(EntryRefSchema), required=True, metadata={"description": "Blocks closing."})
    drafts = fields.List(fields.Nested(EntryRefSchema), required=True, metadata={"description": "Shown, not blocking."})
    missing_vouchers = fields.List(fields.Nested(EntryRefSchema), required=True,
                                   metadata={"description": "Posted expense entries with neither a voucher nor a reason."})
    banks = fields.List(fields.Nested(BankCheckSchema), required=True)
    open_flags = fields.List(fields.Nested(FlagRefSchema), required=True, metadata={"description": "Shown, not blocking."})
