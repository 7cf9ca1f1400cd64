"""The audit log in words a committee reads: each action code and detail key said in the page's language."""
from __future__ import annotations

import json

from markupsafe import Markup

from flask_babel import lazy_gettext as _

ACTIONS = {
    "entry.create": _("Drafted an entry"), "entry.submit": _("Submitted an entry for approval"),
    "entry.edit": _("Edited an entry"), "entry.delete": _("Deleted a draft"), "entry.approve": _("Approved an entry"),
    "entry.reject": _("Returned an entry to its maker"), "entry.post": _("Entry posted"),
    "entries.import": _("Imported posted entries"), "period.close": _("Closed a month"),
    "bank.balance": _("Entered a bank statement balance"), "voucher.upload": _("Attached a voucher"),
    "voucher.delete": _("Removed a voucher"), "voucher.redact": _("Redacted a voucher"),
    "voucher.original": _("Viewed a voucher original"), "voucher.waive": _("Recorded why there is no voucher"),
    "flag.raise": _("Raised a flag"), "flag.answer": _("Answered a flag"),
    "flag.follow_up": _("Followed up a flag"), "flag.close": _("Closed a flag"),
    "entry.reverse": _("Drafted a red-ink reversal"), "period.close_note": _("Noted what was checked before closing"), "export": _("Exported a table"),
    "auth.login": _("Signed in"), "auth.failed": _("Failed to sign in"), "auth.logout": _("Signed out"),
    "auth.password_change": _("Changed their password"), "account.add": _("Added an account"),
    "account.rename": _("Renamed an account"), "account.activate": _("Reactivated an account"),
    "account.deactivate": _("Deactivated an account"), "account.delete": _("Deleted an unused account"),
    "fund.add": _("Added a fund"), "book.create": _("Opened the book"), "role.grant": _("Granted a role"),
    "user.create": _("Created a user"), "token.create": _("Made an API token"), "token.revoke": _("Revoked an API token"),
    "chain.adopt": _("Signed history posted before signatures existed"),
    "witness.accept": _("Accepted the database as the witness"),
    "publication.publish": _("Published a month"), "publication.sign_off": _("Signed off a publication"),
    "publication.objection": _("Objected to a publication"),
}
KEYS = {
    "reason": _("reason"), "amount": _("amount"), "answer": _("answer"), "comment": _("comment"), "role": _("role"),
    "format": _("format"), "rows": _("rows"), "posted": _("posted"), "skipped": _("skipped"), "kind": _("kind"),
    "lock_date": _("lock date"), "trial_balance_sha256": _("trial balance SHA-256"), "old": _("before"), "new": _("after"),
    "entries": _("entries"), "closes": _("closed months"), "restricted": _("restricted"), "path": _("file"),
    "reverses": _("reverses"), "purpose": _("purpose"), "boxes": _("boxes drawn"), "filename": _("file name"),
    "entry": _("entry id"), "owner": _("owner"), "name": _("name"), "differences": _("differences"),
    "earlier_witness": _("earlier witness (kept)"), "manifest_sha256": _("manifest SHA-256"), "files": _("files"),
    "supersedes": _("supersedes version"),
}


def describe(action: str) -> str:
    return str(ACTIONS.get(action, action))


def detail_text(detail: str | None) -> str:
    """`{"reason": "..."}` as `reason: ...`; anything unreadable as it is."""
    if not detail:
        return ""
    try:
        doc = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(doc, dict):
        return detail
    parts = []
    for key, value in doc.items():
        if isinstance(value, list):
            value = " → ".join(str(v) for v in value) if key in ("old", "new") else ", ".join(str(v) for v in value)
        parts.append(f"{KEYS.get(key, key)}: {value}")
    return "; ".join(parts)


def target_text(target: str | None, book=None) -> Markup:
    """`entry:171` as a link to that entry, `attachment:24` as words; anything else as it is (escaped)."""
    from flask import url_for

    if not target:
        return Markup("")
    kind, _sep, ident = target.partition(":")
    if kind == "entry" and ident.isdigit() and book is not None:
        return Markup('<a href="{}">{} #{}</a>').format(url_for("office.entry", code=book.code, entry_id=int(ident)),
                                                       _("entry"), ident)
    if kind in ("attachment", "flag", "token") and ident.isdigit():
        return Markup("{} #{}").format({"attachment": _("voucher"), "flag": _("flag"), "token": _("API token")}[kind], ident)
    return Markup("{}").format(target)
