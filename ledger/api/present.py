"""Rows and report objects as the plain dicts the response schemas dump (money stays in fen)."""
from __future__ import annotations

from ..db.schema import Account, Book, Entry, Fund, Period, User
from ..domain.permissions import Action, this_submission
from ..services import access, entries as entry_service
from ..services.reports import FundBalance, LedgerRow, TrialBalance


def user_ref(user: User | None) -> dict | None:
    return None if user is None else {"username": user.username, "display_name": user.display_name}


def book(session, book: Book, actor: User) -> dict:
    return {
        "code": book.code, "name_zh": book.name_zh, "name_en": book.name_en, "kind": book.kind,
        "approval_threshold": book.approval_threshold_fen,
        "roles": sorted(r.value for r in access.roles_in(session, actor, book)),
    }


def account(a: Account, codes_by_id: dict[int, str]) -> dict:
    return {
        "code": a.code, "name_zh": a.name_zh, "name_en": a.name_en, "type": a.type, "cash": a.cash,
        "parent": codes_by_id.get(a.parent_id) if a.parent_id else None, "active": a.active,
    }


def fund(f: Fund) -> dict:
    return {"code": f.code, "name_zh": f.name_zh, "name_en": f.name_en, "restricted": f.restricted, "active": f.active}


def period(session, p: Period) -> dict:
    closer = session.get(User, p.closed_by_id) if p.closed_by_id else None
    return {
        "period": p.label, "year": p.year, "month": p.month, "status": p.status,
        "closed_at": p.closed_at, "closed_by": closer.username if closer else None,
    }


def entry_summary(e: Entry, book: Book) -> dict:
    return {
        "id": e.id, "book": book.code, "number": e.number, "status": e.status, "source": e.source,
        "date": e.date, "period": e.period.label, "summary": e.summary, "total_debit": e.total_debit_fen,
        "maker": user_ref(e.maker), "created_at": e.created_at, "submitted_at": e.submitted_at,
        "posted_at": e.posted_at,
    }


def _ref(e: Entry | None) -> dict | None:
    return None if e is None else {"id": e.id, "number": e.number, "status": e.status}


def entry(session, e: Entry, book: Book) -> dict:
    rejected_by = session.get(User, e.rejected_by_id) if e.rejected_by_id else None
    lines = [
        {
            "line_no": l.line_no, "account": l.account.code, "account_name_zh": l.account.name_zh,
            "account_name_en": l.account.name_en, "fund": l.fund.code, "amount": l.amount_fen,
            "debit": max(l.amount_fen, 0), "credit": max(-l.amount_fen, 0), "note": l.note,
        }
        for l in e.lines
    ]
    return dict(
        entry_summary(e, book),
        total_credit=sum(l["credit"] for l in lines),
        lines=lines,
        approvals=[{"user": user_ref(a.user), "decided_at": a.decided_at} for a in this_submission(e)],
        makers=[user_ref(m.user) for m in e.makers],
        approvals_needed=entry_service.approvals_needed(book, e),
        attachments=[attachment(a, sees_originals(session, book)) for a in e.attachments],
        rejected_reason=e.rejected_reason,
        rejected_by=rejected_by.username if rejected_by else None,
        reverses=_ref(e.reverses),
        reversed_by=_ref(e.reversed_by),
        hash=e.hash,
        prev_hash=e.prev_hash,
        signature=e.signature,
    )


def sees_originals(session, book) -> bool:
    """The same rule as the entry page: original file names and uploaders are for those who may see originals."""
    from .auth import actor

    return access.can(session, actor(), Action.SEE_ORIGINALS, book)


def attachment(a, private: bool) -> dict:
    # A file name can be a person's name ("张三身份证.jpg"): null for those who may not see originals.
    return {"id": a.id, "sha256": a.sha256, "filename": a.filename if private else None, "media_type": a.media_type,
            "size": a.size, "created_at": a.created_at}


def trial_balance(tb: TrialBalance) -> dict:
    return {
        "book": tb.book, "as_of": tb.as_of,
        "rows": [
            {"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "type": r.type,
             "debit": r.debit_fen, "credit": r.credit_fen, "balance": r.balance_fen}
            for r in tb.rows
        ],
        "total_debit": tb.total_debit_fen, "total_credit": tb.total_credit_fen,
    }


def fund_balance(f: FundBalance) -> dict:
    return {
        "code": f.code, "name_zh": f.name_zh, "name_en": f.name_en, "restricted": f.restricted,
        "cash": f.cash_fen, "net_assets": f.net_assets_fen, "income": f.income_fen, "expense": f.expense_fen,
    }


def ledger_row(r: LedgerRow) -> dict:
    return {
        "entry_id": r.entry_id, "number": r.number, "date": r.date, "summary": r.summary, "fund": r.fund,
        "note": r.note, "amount": r.fen, "debit": max(r.fen, 0), "credit": max(-r.fen, 0), "balance": r.balance_fen,
    }


def voucher(view, private: bool) -> dict:
    """A ledger.services.vouchers.VoucherView."""
    return dict(
        attachment(view.attachment, private), uploaded_by=view.uploaded_by if private else None,
        redacted=bool(view.redactions),
        pages=[{"page": n, "sha256": p["sha256"], "width": p["width"], "height": p["height"]}
               for n, p in enumerate(view.pages, start=1)],
    )


def checklist(session, check) -> dict:
    """A ledger.services.periods.Checklist."""
    return {
        "period": check.period.label, "status": check.period.status, "ready": check.ready,
        "submitted": [_ref(e) for e in check.submitted], "drafts": [_ref(e) for e in check.drafts],
        "missing_vouchers": [_ref(e) for e in check.missing_vouchers],
        "banks": [{"account": b.account.code, "book": b.book_fen, "statement": b.statement_fen, "ok": b.ok} for b in check.banks],
        "open_flags": [
            {"id": f.id, "entry": _ref(session.get(Entry, f.entry_id)), "comment": f.comment,
             "raised_by": f.raised_by.username}
            for f in check.open_flags
        ],
    }
