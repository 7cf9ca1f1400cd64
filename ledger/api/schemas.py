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


class ProblemSchema(Schema):
    """One bad row or column of a refused file."""

    row = fields.Integer(required=True, allow_none=True, metadata={"description": "1 is the header row."})
    column = fields.String(required=True, allow_none=True)
    message = fields.Nested(MessageSchema, required=True)


class ApiErrorSchema(Schema):
    """Every error: a code, the message in Chinese and English, and the field at fault."""

    code = fields.String(required=True, metadata={"example": "unbalanced_entry"})
    message = fields.Nested(MessageSchema, required=True)
    field = fields.String(required=True, allow_none=True, metadata={"example": "lines[1].debit"})
    details = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "For request validation errors: every field at fault and what was wrong."},
    )
    problems = fields.List(
        fields.Nested(ProblemSchema),
        metadata={"description": "For a refused file (register, votes, bank statement): every bad row and column. "
                                 "Nothing of the file was saved."},
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


# ---------------------------------------------------------------- trust-property operations (信托制物业)
#
# The services of these operations hand back figures already as decimal strings of yuan (the CLI prints the same
# documents); `Yuan` documents such a string as money without converting it again.

PERCENT_PATTERN = r"^[0-9]{1,4}\.[0-9]{2}$"
AREA_PATTERN = r"^[0-9]{1,9}\.[0-9]{2}$"
RATE_PATTERN = r"^[0-9]{1,8}(\.[0-9]{1,4})?$"


class Yuan(fields.String):
    """A decimal string of yuan that a service already formatted (e.g. "1234.56")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(format="decimal", pattern=MONEY_PATTERN)
        kwargs["metadata"].setdefault("example", "1234.56")
        super().__init__(**kwargs)


class IsoDate(fields.String):
    """A date a service already wrote as YYYY-MM-DD."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(format="date")
        super().__init__(**kwargs)


def _text(pattern: str, **kwargs) -> fields.String:
    kwargs.setdefault("metadata", {})["pattern"] = pattern
    return fields.String(**kwargs)


class FileUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "XLSX, or CSV in UTF-8 (with or without BOM) or GBK."})


# units register


class OwnerSchema(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True)
    kind = fields.String(required=True)


class UnitSchema(Schema):
    building = fields.String(required=True)
    unit = fields.String(required=True, metadata={"description": "The unit's number in its building."})
    label = fields.String(required=True, metadata={"example": "3-1201"})
    area_m2 = _text(AREA_PATTERN, required=True, metadata={"description": "Floor area in ㎡, two decimals."})
    use = fields.String(required=True, validate=validate.OneOf(["residential", "shop", "parking"]))
    owners = fields.List(fields.Nested(OwnerSchema), required=True,
                         metadata={"description": "Private: names and phones."})


class RegisterTotalsSchema(Schema):
    units = fields.Integer(required=True)
    owners = fields.Integer(required=True, metadata={"description": "An owner of several units counts once."})
    area_m2 = _text(AREA_PATTERN, required=True)


class RegisterSchema(Schema):
    units = fields.List(fields.Nested(UnitSchema), required=True)
    totals = fields.Nested(RegisterTotalsSchema, required=True)


class RegisterImportSchema(Schema):
    added = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    owners_added = fields.Integer(required=True)


# fees


class FeeRateSchema(Schema):
    id = fields.Integer(required=True)
    use = fields.String(required=True, validate=validate.OneOf(["residential", "shop", "parking"]))
    basis = fields.String(required=True, validate=validate.OneOf(["per_m2", "fixed"]))
    rate = _text(RATE_PATTERN, required=True,
                 metadata={"description": "Yuan per ㎡ a month (per_m2) or a month (fixed), up to four decimals."})
    effective_from = fields.Date(required=True)


class FeeRateCreateSchema(Schema):
    use = fields.String(required=True, validate=validate.OneOf(["residential", "shop", "parking"]))
    basis = fields.String(required=True, validate=validate.OneOf(["per_m2", "fixed"]))
    rate = Text(required=True, validate=validate.Regexp(RATE_PATTERN, error="Must be a decimal string with at most four decimals, e.g. \"2.35\"."),
                metadata={"pattern": RATE_PATTERN, "example": "2.35",
                          "description": "Yuan per ㎡ a month (per_m2) or a month (fixed), as a decimal string."})
    effective_from = LedgerDate(required=True, metadata={"description": "The first day of a month."})


class BillingRunCreateSchema(Schema):
    period = Text(required=True, validate=validate.Regexp(PERIOD_PATTERN, error="Must be a month as YYYY-MM."),
                  metadata={"pattern": PERIOD_PATTERN, "example": "2026-03"})


class BilingualSchema(Schema):
    zh_CN = fields.String(required=True)
    en = fields.String(required=True)


class BillingRunSchema(Schema):
    period = fields.String(required=True, metadata={"pattern": PERIOD_PATTERN})
    created = fields.Boolean(required=True, metadata={"description": "False when the month was billed already."})
    entry = fields.Nested(EntryRefSchema, required=True, allow_none=True)
    units = fields.Integer(required=True)
    billed = Money(required=True)
    prepaid_used = Money(required=True)
    skipped = fields.List(fields.String(), required=True, metadata={"description": "Units with no rate in force."})
    message = fields.Nested(BilingualSchema, required=True)


class PaymentCreateSchema(Schema):
    unit = Text(required=True, validate=validate.Length(1, 64), metadata={"example": "3-1201"})
    amount = Money(required=True)
    date = LedgerDate(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(["cash", "bank", "wechat", "alipay"]))
    reference = Text(validate=validate.Length(0, 60), load_default="",
                     metadata={"description": "The WeChat Pay or Alipay reference, a receipt number."})
    idempotency_key = IdempotencyKey(
        metadata={"description": "Same as the Idempotency-Key header: the same payment sent again is recorded once."})


class PaymentSchema(Schema):
    unit = fields.String(required=True)
    amount = Money(required=True)
    to_receivable = Money(required=True, metadata={"description": "Settles the unit's oldest open fees."})
    to_prepaid = Money(required=True, metadata={"description": "The rest, prepaid (预收物业费) for later months."})
    entry = fields.Nested(EntryRefSchema, required=True)


class ArrearsQuerySchema(Schema):
    as_of = LedgerDate(metadata={"description": "Default today."})
    per_unit = fields.Boolean(metadata={"description": "Include each unit (needs the right to read arrears per "
                                                         "unit); default: when you have it."})


class CollectionSchema(Schema):
    billed = Yuan(required=True)
    collected = Yuan(required=True)
    rate = _text(PERCENT_PATTERN, required=True, allow_none=True,
                 metadata={"description": "收缴率, collected ÷ billed, per cent; null when nothing was billed."})
    fraction = fields.String(required=True, allow_none=True, metadata={"description": "The same, exact."})


class BucketsSchema(Schema):
    current = Yuan(required=True)
    m1_3 = Yuan(required=True, data_key="1-3", attribute="1-3")
    m4_6 = Yuan(required=True, data_key="4-6", attribute="4-6")
    m7_12 = Yuan(required=True, data_key="7-12", attribute="7-12")
    over12 = Yuan(required=True)
    total = Yuan(required=True)


class BuildingArrearsSchema(BucketsSchema):
    building = fields.String(required=True)
    collection = fields.Nested(CollectionSchema, required=True, metadata={"description": "In the as-of year."})


class UnitArrearsSchema(BucketsSchema):
    unit = fields.String(required=True)
    building = fields.String(required=True)
    prepaid = Yuan(required=True)


class MonthCollectionSchema(CollectionSchema):
    period = fields.String(required=True, metadata={"pattern": PERIOD_PATTERN})


class YearCollectionSchema(CollectionSchema):
    year = fields.Integer(required=True)


class ArrearsSchema(Schema):
    """Open fees by age (months since billed: current, 1-3, 4-6, 7-12, over 12) and the collection rate."""

    book = fields.String(required=True)
    as_of = IsoDate(required=True)
    buckets = fields.List(fields.String(), required=True)
    buildings = fields.List(fields.Nested(BuildingArrearsSchema), required=True)
    total = fields.Nested(BucketsSchema, required=True)
    months = fields.List(fields.Nested(MonthCollectionSchema), required=True)
    years = fields.List(fields.Nested(YearCollectionSchema), required=True)
    units = fields.List(fields.Nested(UnitArrearsSchema),
                        metadata={"description": "Only with per_unit: no owner is named."})


# bank


class StatementUploadSchema(FileUploadSchema):
    profile = Text(validate=validate.Length(1, 64), metadata={"description": "The bank's layout; default: detected."})
    account = Code(load_default="1002", metadata={"description": "The bank account (1002 or a sub-account)."})


class StatementGapSchema(Schema):
    after = IsoDate(required=True)
    held_balance = Yuan(required=True)
    file_opens_at = Yuan(required=True)
    missing = Yuan(required=True)


class StatementImportSchema(Schema):
    added = fields.Integer(required=True)
    duplicates = fields.Integer(required=True, metadata={"description": "Rows already imported: not added again."})
    refused = fields.List(fields.Nested(ProblemSchema), required=True,
                          metadata={"description": "Always empty here: a file with a bad row is refused whole (400)."})
    profile = fields.String(required=True)
    import_id = fields.Integer(required=True)
    months = fields.List(fields.String(), required=True)
    gap = fields.Nested(StatementGapSchema, required=True, allow_none=True,
                        metadata={"description": "The file does not follow on from the rows held: a statement is "
                                                 "missing."})


class BankAccountQuerySchema(Schema):
    account = Code(load_default="1002")


class BankMatchBodySchema(Schema):
    account = Code(load_default="1002")


class BankMatchItemSchema(Schema):
    row = fields.Integer(required=True)
    entry = fields.String(required=True, allow_none=True, metadata={"description": "The entry's number."})
    amount = Yuan(required=True)


class BankMatchSchema(Schema):
    matched = fields.Integer(required=True)
    unmatched = fields.Integer(required=True)
    matches = fields.List(fields.Nested(BankMatchItemSchema), required=True)


class BankRowSchema(Schema):
    id = fields.Integer(required=True)
    date = IsoDate(required=True)
    amount = Yuan(required=True, metadata={"description": "Signed: money in positive."})
    balance = Yuan(required=True)
    counterparty = fields.String(required=True)
    memo = fields.String(required=True)
    serial = fields.String(required=True)


class BookLineSchema(Schema):
    entry = fields.String(required=True, allow_none=True)
    line = fields.Integer(required=True)
    date = IsoDate(required=True)
    amount = Yuan(required=True)
    summary = fields.String(required=True)


class ReconciliationSchema(Schema):
    period = fields.String(required=True, metadata={"pattern": PERIOD_PATTERN})
    account = fields.String(required=True)
    bank_closing = Yuan(required=True, allow_none=True, metadata={"description": "Null when no row covers the month."})
    book_balance = Yuan(required=True)
    difference = Yuan(required=True, allow_none=True)
    unmatched_bank_rows = fields.List(fields.Nested(BankRowSchema), required=True)
    unmatched_book_lines = fields.List(fields.Nested(BookLineSchema), required=True)
    reconciled = fields.Boolean(required=True)


# budgets


class BudgetQuerySchema(Schema):
    month = fields.Integer(validate=validate.Range(1, 12),
                           metadata={"description": "Default: this month for this year, else December."})


class BudgetFiguresSchema(Schema):
    budget = Yuan(required=True)
    actual = Yuan(required=True)
    variance = Yuan(required=True, metadata={"description": "Actual less budget."})
    percent = fields.String(required=True, allow_none=True, metadata={"description": "Actual ÷ budget × 100, one decimal."})


class BudgetMonthSchema(BudgetFiguresSchema):
    month = fields.Integer(required=True)


class BudgetLineSchema(Schema):
    account = fields.String(required=True)
    account_name = fields.String(required=True)
    fund = fields.String(required=True)
    on_overrun = fields.String(required=True, validate=validate.OneOf(["warn", "block"]))
    annual = Yuan(required=True)
    month = fields.Nested(BudgetFiguresSchema, required=True)
    ytd = fields.Nested(BudgetFiguresSchema, required=True)
    months = fields.List(fields.Nested(BudgetMonthSchema), required=True)


class BudgetTotalsSchema(Schema):
    month = fields.Nested(BudgetFiguresSchema, required=True)
    ytd = fields.Nested(BudgetFiguresSchema, required=True)


class BudgetKindTotalsSchema(Schema):
    income = fields.Nested(BudgetTotalsSchema, required=True)
    expense = fields.Nested(BudgetTotalsSchema, required=True)


class BudgetReportSchema(Schema):
    book = fields.String(required=True)
    year = fields.Integer(required=True)
    month = fields.Integer(required=True)
    budget_id = fields.Integer(required=True, allow_none=True, metadata={"description": "Null: no budget for the year."})
    resolution_id = fields.Integer(required=True, allow_none=True)
    lines = fields.List(fields.Nested(BudgetLineSchema), required=True)
    totals = fields.Nested(BudgetKindTotalsSchema, required=True)


# owners' resolutions


class FigureSchema(Schema):
    fraction = fields.String(required=True, metadata={"example": "2/3", "description": "Exact: what the rule decides on."})
    decimal = fields.String(required=True, metadata={"example": "0.666667"})
    percent = fields.String(required=True, metadata={"example": "66.67%"})


class ShareSchema(Schema):
    area = fields.Nested(FigureSchema, required=True)
    owners = fields.Nested(FigureSchema, required=True)
    required = fields.String(required=True)
    met = fields.Boolean(required=True)


class AreaOwnersSchema(Schema):
    area_centi_m2 = fields.Integer(required=True, metadata={"description": "Hundredths of a ㎡."})
    owners = fields.Integer(required=True)


class VotedSchema(AreaOwnersSchema):
    units = fields.Integer(required=True)


class TallySchema(Schema):
    """Civil Code Art. 278: participation (≥ 2/3 of area and owners) and approval (ordinary > 1/2, special ≥ 3/4)."""

    matter = fields.String(required=True, validate=validate.OneOf(["ordinary", "special"]))
    totals = fields.Nested(AreaOwnersSchema, required=True)
    voted = fields.Nested(VotedSchema, required=True)
    agreed = fields.Nested(AreaOwnersSchema, required=True)
    votes = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                        metadata={"description": "Units by vote: agree, against, abstain."})
    participation = fields.Nested(ShareSchema, required=True)
    approval = fields.Nested(ShareSchema, required=True)
    passed = fields.Boolean(required=True)


class TallyUploadSchema(FileUploadSchema):
    matter = fields.String(required=True, validate=validate.OneOf(["ordinary", "special"]),
                           metadata={"description": "special: Art. 278 items 6-8."})


class ResolutionSummarySchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    matter = fields.String(required=True, validate=validate.OneOf(["ordinary", "special"]))
    held_on = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["passed", "failed"]))
    recorded_at = UtcDateTime(required=True)


class UnitVoteSchema(Schema):
    unit = fields.String(required=True)
    vote = fields.String(required=True, validate=validate.OneOf(["agree", "against", "abstain"]))


class ResolutionSchema(ResolutionSummarySchema):
    tally = fields.Nested(TallySchema, required=True)
    votes = fields.List(fields.Nested(UnitVoteSchema), required=True, allow_none=True,
                        metadata={"description": "Each unit's vote; null unless you may read the register."})


# public revenues


class RevenueQuerySchema(Schema):
    as_of = LedgerDate(metadata={"description": "Default today."})


class RevenueDueSchema(Schema):
    date = IsoDate(required=True)
    amount = Yuan(required=True)
    paid = Yuan(required=True)
    overdue = fields.Boolean(required=True)


class RevenueReceiptSchema(Schema):
    entry = fields.String(required=True, allow_none=True)
    date = IsoDate(required=True)
    amount = Yuan(required=True)


class RevenueContractSchema(Schema):
    id = fields.Integer(required=True)
    counterparty = fields.String(required=True)
    kind = fields.String(required=True)
    account = fields.String(required=True)
    amount = Yuan(required=True, metadata={"description": "Per period."})
    schedule = fields.String(required=True, validate=validate.OneOf(["monthly", "quarterly", "yearly"]))
    start = IsoDate(required=True)
    end = IsoDate(required=True, allow_none=True)
    expected = Yuan(required=True, metadata={"description": "Due on or before as_of."})
    received = Yuan(required=True, metadata={"description": "Posted receipts."})
    overdue = Yuan(required=True)
    dues = fields.List(fields.Nested(RevenueDueSchema), required=True)
    receipts = fields.List(fields.Nested(RevenueReceiptSchema), required=True)


# the trustee's remuneration


class TrusteeContractSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["fixed", "percent"]))
    monthly = Money(required=True, allow_none=True)
    percent = fields.String(required=True, allow_none=True, metadata={"example": "12.5"})
    cap = Money(required=True, allow_none=True, metadata={"description": "At most this a month."})
    effective_from = fields.Date(required=True)
    note = fields.String(required=True)


class RemunerationSchema(Schema):
    period = fields.String(required=True, metadata={"pattern": PERIOD_PATTERN})
    contract = fields.Nested(TrusteeContractSchema, required=True, allow_none=True,
                             metadata={"description": "In force on the month's last day; null: none."})
    collected_fees = Money(required=True, metadata={"description": "Property fees collected in the month (the base of "
                                                                    "a percentage)."})
    amount = Money(required=True, allow_none=True)
    calculation = fields.String(required=True, allow_none=True, metadata={"description": "As written on the accrual."})
    accrual = fields.Nested(EntryRefSchema, required=True, allow_none=True,
                            metadata={"description": "The month's accrual entry, submitted or posted."})
