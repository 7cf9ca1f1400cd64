"""Every refusal the ledger can make, each with a bilingual message.

A refusal names what was wrong (`code`), says it in Chinese and English, and where
(`field`, e.g. ``lines[2].amount``). Services raise these before changing anything,
so a refused operation leaves the books as they were.
"""
from __future__ import annotations


class LedgerError(Exception):
    """Base of all ledger refusals."""

    code = "ledger_error"
    status = 400  # the HTTP status an adapter should answer with

    def __init__(self, message_zh: str, message_en: str, field: str | None = None):
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field
        super().__init__(f"{message_zh} / {message_en}")

    def message(self, locale: str = "zh_CN") -> str:
        return self.message_en if locale.startswith("en") else self.message_zh

    def located(self, where_zh: str, where_en: str, field_prefix: str) -> "LedgerError":
        """The same refusal, said of one record of a file or batch."""
        field = f"{field_prefix}.{self.field}" if self.field else field_prefix
        return type(self)(f"{where_zh}：{self.message_zh}", f"{where_en}: {self.message_en}", field)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "message": {"zh_CN": self.message_zh, "en": self.message_en},
            "field": self.field,
        }


class InvalidAmount(LedgerError):
    code = "invalid_amount"


class InvalidInput(LedgerError):
    code = "invalid_input"


class UnbalancedEntry(LedgerError):
    code = "unbalanced_entry"


class FundUnbalanced(LedgerError):
    code = "fund_unbalanced"


class RestrictedFundOverdrawn(LedgerError):
    code = "restricted_fund_overdrawn"


class UnknownAccount(LedgerError):
    code = "unknown_account"


class UnknownFund(LedgerError):
    code = "unknown_fund"


class InactiveAccount(LedgerError):
    code = "inactive_account"


class NotFound(LedgerError):
    code = "not_found"
    status = 404


class PeriodClosed(LedgerError):
    code = "period_closed"
    status = 409


class PeriodNotReady(LedgerError):
    code = "period_not_ready"
    status = 409


class InvalidState(LedgerError):
    code = "invalid_state"
    status = 409


class PermissionDenied(LedgerError):
    code = "permission_denied"
    status = 403


class SelfApproval(PermissionDenied):
    code = "self_approval"


class DuplicateApproval(LedgerError):
    code = "duplicate_approval"
    status = 409


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"
    status = 409


class DuplicateCode(LedgerError):
    code = "duplicate_code"
    status = 409


class AuthenticationFailed(LedgerError):
    code = "authentication_failed"
    status = 401
