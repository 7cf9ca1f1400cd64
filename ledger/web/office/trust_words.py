"""The audit log's words for the remuneration, budget and revenue actions (added to audit_words.ACTIONS)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _

from ..audit_words import ACTIONS, KEYS

ACTIONS.update({
    "remuneration.set": _("Recorded the trustee's remuneration contract"),
    "remuneration.accrue": _("Accrued the trustee's remuneration"),
    "budget.set": _("Recorded the annual budget"),
    "budget.overrun": _("Posted above a budget line (warning)"),
    "revenue.contract": _("Recorded a public-revenue contract"),
    "revenue.receive": _("Drafted a public-revenue receipt"),
    "revenue.end": _("Ended a public-revenue contract"),
    "revenue.terms": _("Changed a public-revenue contract's terms"),
    "register.unit_off": _("Took a unit off the register"),
    "register.unit_back": _("Put a unit back on the register"),
})

for _key, _words in {
    "account": _("account"), "fund": _("fund"), "budget": _("budget"), "actual": _("actual"), "overrun": _("overrun"),
    "calculation": _("calculation"), "period": _("period"), "contract": _("contract"), "year": _("year"),
    "lines": _("lines"), "total": _("total"), "resolution_id": _("resolution"), "monthly": _("monthly"),
    "percent_bp": _("percentage (basis points)"), "cap": _("monthly cap"), "effective_from": _("in force from"),
    "schedule": _("schedule"), "start": _("start"), "end": _("end"), "unit": _("unit"),
    "codes_revoked": _("access codes revoked"), "before": _("before"), "after": _("after"),
}.items():
    KEYS.setdefault(_key, _words)
