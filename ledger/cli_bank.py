"""`ledger` commands for the co-managed bank account."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_common import cli_session, cli_work, refusals
from .domain.bankfiles import StatementRefused
from .services import access
from .services import bank as bank_service


bank = click.Group("bank", help="The co-managed bank account (共管账户): statements, matching, reconciliation.")


def _echo_json(doc) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2))


@bank.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--book", "book_code", required=True)
@click.option("--account", "account_code", default="1002", show_default=True, help="The bank account (1002…).")
@click.option("--profile", default=None, help="The statement layout (default: detected from the header).")
@click.option("--as", "username", default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@refusals
def bank_import(file, book_code, account_code, profile, username, fmt):
    """Import a bank statement (CSV or XLSX); rows already imported are counted, not added again."""
    with cli_work(username) as uow:
        try:
            result = uow.run(bank_service.import_statement, access.get_book(uow.session, book_code), file.name,
                             file.read_bytes(), account_code, profile)
        except StatementRefused as e:
            doc = {"added": 0, "duplicates": 0, "refused": e.problems}
            if fmt == "json":
                _echo_json(doc)
            else:
                for p in e.problems:
                    click.echo(f"refused: {p['zh']}\n  {p['en']}", err=True)
            sys.exit(1)
    if fmt == "json":
        _echo_json(result.to_dict())
    else:
        click.echo(f"added {result.added}, duplicates {result.duplicates} ({result.profile})")


@bank.command("profiles")
@click.option("--book", "book_code", default=None, help="Also the layouts saved for this book.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@refusals
def bank_profiles(book_code, fmt):
    """The statement layouts the importer knows (built-in and saved)."""
    with cli_session() as session:
        profiles = (bank_service.profiles_of(session, access.get_book(session, book_code)) if book_code
                    else list(bank_service.BUILTIN_PROFILES))
    rows = [{"name": p.name, "version": p.version, "builtin": p.builtin, "columns": p.columns} for p in profiles]
    if fmt == "json":
        _echo_json(rows)
    else:
        for r in rows:
            cols = ", ".join(f"{k}={v}" for k, v in r["columns"].items())
            click.echo(f"{r['name']} v{r['version']}{' (built-in)' if r['builtin'] else ''}: {cols}")


@bank.command("profile-save")
@click.option("--book", "book_code", required=True)
@click.option("--name", required=True)
@click.argument("columns", nargs=-1, required=True, metavar="FIELD=HEADER...")
@click.option("--as", "username", default=None)
@refusals
def bank_profile_save(book_code, name, columns, username):
    """Save a bank's layout (fields: date income spending amount balance counterparty memo serial)."""
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        profile = uow.run(bank_service.save_profile, book, name, bank_service.check_profile_columns(list(columns)))
    click.echo(f"saved {profile.name} v{profile.version}")


@bank.command("match")
@click.option("--book", "book_code", required=True)
@click.option("--period", required=True, metavar="YYYY-MM")
@click.option("--account", "account_code", default="1002", show_default=True)
@click.option("--as", "username", default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@refusals
def bank_match(book_code, period, account_code, username, fmt):
    """Match the month's statement rows to posted entries on the bank account."""
    year, month = bank_service.parse_period(period)
    with cli_work(username) as uow:
        result = uow.run(bank_service.match_month, access.get_book(uow.session, book_code), year, month, account_code)
    if fmt == "json":
        _echo_json(result)
    else:
        click.echo(f"matched {result['matched']}, unmatched {result['unmatched']}")


@bank.command("draft")
@click.option("--book", "book_code", required=True)
@click.option("--row", "row_id", required=True, type=click.IntRange(1, 2**62))
@click.option("--account", "counter_code", required=True, help="The counter-account (e.g. 2203 预收账款).")
@click.option("--fund", "fund_code", default="GEN", show_default=True)
@click.option("--as", "username", default=None)
@refusals
def bank_draft(book_code, row_id, counter_code, fund_code, username):
    """Draft an entry for a statement row no entry explains."""
    with cli_work(username) as uow:
        entry = uow.run(bank_service.draft_entry, access.get_book(uow.session, book_code), row_id, counter_code, fund_code)
        click.echo(f"drafted entry {entry.id} for row {row_id}")


@bank.command("fee-payment")
@click.option("--book", "book_code", required=True)
@click.option("--row", "row_id", required=True, type=click.IntRange(1, 2**62))
@click.option("--unit", "unit_label", default="", help="The unit paid for (default: the one the memo or payer names).")
@click.option("--as", "username", default=None)
@refusals
def bank_fee_payment(book_code, row_id, unit_label, username):
    """Book a statement row as a unit's property-fee payment (oldest fees first, the rest prepaid), for approval."""
    with cli_work(username) as uow:
        entry = uow.run(bank_service.fee_payment_from_row, access.get_book(uow.session, book_code), row_id, unit_label)
        click.echo(f"entry {entry.id}: row {row_id} booked as a fee payment, awaiting approval")


@bank.command("reconcile")
@click.option("--book", "book_code", required=True)
@click.option("--period", required=True, metavar="YYYY-MM")
@click.option("--account", "account_code", default="1002", show_default=True)
@click.option("--as", "username", default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@refusals
def bank_reconcile(book_code, period, account_code, username, fmt):
    """The month's reconciliation: bank closing balance, book balance, and what explains the difference."""
    year, month = bank_service.parse_period(period)
    with cli_work(username) as uow:
        rec = bank_service.reconcile(uow.session, uow.actor, access.get_book(uow.session, book_code), year, month, account_code)
        doc = rec.to_dict()
    if fmt == "json":
        _echo_json(doc)
    else:
        click.echo(f"{doc['period']} {doc['account']}: bank {doc['bank_closing']}, book {doc['book_balance']}, "
                   f"{'reconciled' if doc['reconciled'] else 'NOT reconciled'}")
        for r in doc["unmatched_bank_rows"]:
            click.echo(f"  bank row {r['id']} {r['date']} {r['amount']} {r['counterparty']} {r['memo']}")
        for ln in doc["unmatched_book_lines"]:
            click.echo(f"  book {ln['entry']} {ln['date']} {ln['amount']} {ln['summary']}")
