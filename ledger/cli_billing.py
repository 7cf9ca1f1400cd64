"""`ledger` commands for fees, billing, payments and arrears."""
from __future__ import annotations

import datetime as dt
import json
import re

import click

from .cli_common import cli_work, refusals
from .domain.errors import InvalidInput
from .domain.fees import parse_rate, rate_to_str
from .domain.model import parse_date
from .domain.money import fen_to_str, to_fen
from .services import access, billing as svc


billing = click.Group("billing", help="Fees: rates, the monthly billing run, payments and arrears (物业费).")

_FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
_AS = click.option("--as", "username", default=None, help="Act as this user (default: the system administrator).")


def _period(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
    if not m:
        raise InvalidInput(f"期间“{text}”无效，应为 YYYY-MM", f"period \"{text}\" is not valid; use YYYY-MM", "period")
    return int(m.group(1)), int(m.group(2))


@billing.command("rate")
@click.option("--book", "book_code", required=True)
@click.option("--use", type=click.Choice(["residential", "shop", "parking"]), required=True)
@click.option("--per-m2", "per_m2", default=None, help="Yuan per ㎡ per month, up to 4 decimals (e.g. 2.35).")
@click.option("--fixed", default=None, help="Yuan per month, e.g. 80.00 for a parking space.")
@click.option("--from", "effective_from", required=True, help="First day of a month, YYYY-MM-01.")
@_AS
@refusals
def billing_rate(book_code, use, per_m2, fixed, effective_from, username):
    """Record a fee rate from a date on (earlier rates stay)."""
    if (per_m2 is None) == (fixed is None):
        raise click.UsageError("give exactly one of --per-m2 and --fixed")
    basis, value = ("per_m2", per_m2) if per_m2 is not None else ("fixed", fixed)
    rate = parse_rate(value, "per_m2" if per_m2 is not None else "fixed")
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        row = uow.run(svc.set_rate, book, use, basis, rate, parse_date(effective_from, "from"))
        click.echo(f"rate {row.use} {row.basis} {rate_to_str(row.rate_centi_fen)} from {row.effective_from}")


@billing.command("rates")
@click.option("--book", "book_code", required=True)
@_FORMAT
@_AS
@refusals
def billing_rates(book_code, fmt, username):
    """List the fee rates, oldest first."""
    with cli_work(username) as uow:
        book = access.book_for(uow.session, uow.actor, book_code)
        rows = [{"use": r.use, "basis": r.basis, "rate": rate_to_str(r.rate_centi_fen),
                 "from": r.effective_from.isoformat()} for r in svc.rates_of(uow.session, book)]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['from']}  {r['use']:<12} {r['basis']:<7} {r['rate']}")


@billing.command("run")
@click.option("--book", "book_code", required=True)
@click.option("--period", required=True, help="YYYY-MM")
@_AS
@_FORMAT
@refusals
def billing_run(book_code, period, username, fmt):
    """Bill every unit for a month (one entry, submitted for approval); a second run creates nothing."""
    year, month = _period(period)
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        r = uow.run(svc.run_billing, book, year, month)
        doc = {"period": r.period, "created": r.created, "entry_id": r.entry.id if r.entry else None,
               "status": r.entry.status if r.entry else None, "units": r.units, "billed": fen_to_str(r.billed_fen),
               "prepaid_used": fen_to_str(r.prepaid_used_fen), "skipped": list(r.skipped),
               "message": {"zh": r.message[0], "en": r.message[1]}}
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{r.message[0]}\n{r.message[1]}")
        if r.skipped:
            click.echo(f"no rate in force for: {', '.join(r.skipped)}")


@billing.command("pay")
@click.option("--book", "book_code", required=True)
@click.option("--unit", required=True, help="Building-number, e.g. 3-1201.")
@click.option("--amount", required=True, help="Yuan, e.g. 500.00")
@click.option("--channel", type=click.Choice(["cash", "bank", "wechat", "alipay"]), required=True)
@click.option("--reference", default="")
@click.option("--date", "date_text", default=None, help="YYYY-MM-DD (default: today).")
@_AS
@_FORMAT
@refusals
def billing_pay(book_code, unit, amount, channel, reference, date_text, username, fmt):
    """Record a unit's payment: its open fees first, the rest as prepayment (submitted for approval)."""
    fen = to_fen(amount, "amount")
    date = parse_date(date_text, "date") if date_text else dt.date.today()
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        r = uow.run(svc.record_payment, book, unit, fen, date, channel, reference)
        doc = {"unit": r.unit, "entry_id": r.entry.id, "status": r.entry.status, "amount": fen_to_str(fen),
               "to_receivable": fen_to_str(r.to_receivable_fen), "to_prepaid": fen_to_str(r.to_prepaid_fen)}
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{doc['unit']}: {doc['amount']} = {doc['to_receivable']} fees + {doc['to_prepaid']} prepaid "
                   f"(entry {doc['entry_id']}, {doc['status']})")


@billing.command("refund")
@click.option("--book", "book_code", required=True)
@click.option("--year", required=True, type=click.IntRange(2000, 2999))
@click.option("--resolution", "resolution_id", required=True, type=click.IntRange(1, 2**62),
              help="The passed owners' resolution that decided the refund.")
@click.option("--amount", default=None, help="Yuan to refund (default: the whole surplus).")
@click.option("--date", "date_text", required=True, help="YYYY-MM-DD, after the year's end.")
@_AS
@_FORMAT
@refusals
def billing_refund(book_code, year, resolution_id, amount, date_text, username, fmt):
    """Refund a year's surplus to the units pro rata by floor area (to the fen, largest remainder), for approval."""
    fen = to_fen(amount, "amount") if amount is not None else None
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        r = uow.run(svc.refund_surplus, book, year, resolution_id, parse_date(date_text, "date"), fen)
        doc = {"year": year, "surplus": fen_to_str(r.surplus_fen), "refunded": fen_to_str(r.refunded_fen),
               "entry_id": r.entry.id, "status": r.entry.status,
               "shares": {label: fen_to_str(fen) for label, fen in sorted(r.shares.items())}}
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{year}: surplus {doc['surplus']}, refunded {doc['refunded']} to {len(doc['shares'])} units "
                   f"(entry {doc['entry_id']}, {doc['status']})")


@billing.command("arrears")
@click.option("--book", "book_code", required=True)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--buildings-only", is_flag=True, help="Leave the units out (for those who may not read them).")
@_AS
@_FORMAT
@refusals
def billing_arrears(book_code, as_of, buildings_only, username, fmt):
    """Open fees per building and per unit by age, and the collection rate (收缴率) per month and year."""
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        doc = svc.arrears(uow.session, uow.actor, book, parse_date(as_of, "as_of") if as_of else None,
                          per_unit=not buildings_only)
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    heads = ["current", "1-3", "4-6", "7-12", "over12", "total"]
    click.echo(f"{'building':<10}" + "".join(f"{h:>12}" for h in heads) + f"{'rate %':>9}")
    for b in doc["buildings"]:
        click.echo(f"{b['building']:<10}" + "".join(f"{b[h]:>12}" for h in heads) + f"{b['collection']['rate'] or '-':>9}")
    for m in doc["months"]:
        click.echo(f"{m['period']}  billed {m['billed']}  collected {m['collected']}  {m['rate']}%")


@billing.command("reminder")
@click.option("--book", "book_code", required=True)
@click.option("--unit", required=True)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True, help="The PDF to write.")
@_AS
@refusals
def billing_reminder(book_code, unit, as_of, out, username):
    """Print a unit's payment reminder (催缴通知) as a PDF: open fees by month; reminders only (Civil Code Art. 944)."""
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        pdf = svc.reminder_pdf(uow.session, uow.actor, book, unit, parse_date(as_of, "as_of") if as_of else None)
    with open(out, "wb") as f:
        f.write(pdf)
    click.echo(f"wrote {out}")


@billing.command("code")
@click.option("--book", "book_code", required=True)
@click.option("--unit", required=True, help="Building-number, e.g. 3-1201.")
@_AS
@refusals
def billing_code(book_code, unit, username):
    """Issue a unit's access code for the "my unit" page (its earlier code stops working). Shown this once only."""
    from .services import unit_access

    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        label, code = uow.run(unit_access.issue, book, unit)
    click.echo(f"{label}: {code}")
    click.echo(f"查询地址 / address: {unit_access.office_url()}/my-unit  (此码只显示这一次 / shown this once only)")


@billing.command("revoke-code")
@click.option("--book", "book_code", required=True)
@click.option("--unit", required=True, help="Building-number, e.g. 3-1201.")
@_AS
@refusals
def billing_revoke_code(book_code, unit, username):
    """Revoke a unit's access code (the "my unit" page no longer opens with it)."""
    from .services import unit_access

    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        uow.run(unit_access.revoke, book, unit)
    click.echo(f"{unit}: revoked")
