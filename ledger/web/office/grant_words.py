"""The audit log's words for the grants of a fund book (issue 10), added to audit_words.ACTIONS and KEYS."""
from __future__ import annotations

from flask_babel import lazy_gettext as _

from ..audit_words import ACTIONS, KEYS

ACTIONS.update({
    "grant.programme": _("Opened a grant programme"), "grant.reviewer": _("Named a grant reviewer"),
    "grant.apply": _("Recorded a grant application"), "grant.conflict": _("Declared a conflict of interest"),
    "grant.score": _("Scored a grant application"), "grant.award": _("Awarded a grant"),
    "grant.decline": _("Declined a grant application"), "grant.release": _("Released a grant tranche"),
    "grant.report": _("Recorded a grant report"), "grant.report_accept": _("Accepted a grant report"),
    "grant.report_return": _("Returned a grant report"), "grant.close_complete": _("Closed a grant"),
    "grant.close_return": _("Closed a grant, the unspent returned"),
    "grant.close_regrant": _("Closed a grant, the unspent re-granted"),
    # 0021: a report's files, and a rejected entry booked again
    "grant.report_file": _("Attached a file to a grant report"),
    "grant.report_file_review": _("Reviewed a grant report's file for redaction"),
    "grant.report_file_original": _("Read the original of a grant report's file"),
    "grant.rebook_award": _("Booked a rejected grant commitment again"),
    "grant.rebook_close": _("Booked a rejected grant closing entry again"),
})
for _key, _words in {"pool": _("pool"), "ceiling": _("ceiling"), "reviewer": _("reviewer"), "programme": _("programme"),
                     "amount": _("amount"), "score": _("score"), "tranche": _("tranche"), "unspent": _("unspent"),
                     "entry": _("entry"), "files": _("files"), "rejected": _("rejected entry")}.items():
    KEYS.setdefault(_key, _words)
