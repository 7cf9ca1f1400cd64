"""`ledger` commands for the trustee's remuneration, budgets and public revenues."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .cli_common import cli_session, cli_work, refusals
from .domain.errors import InvalidInput
from .domain.money import fen_to_str, to_fen
from .domain.trustmath import parse_percent
from .services import access, budgets, remuneration as remuneration_service, revenues as revenue_service


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"日期“{value}”无效（YYYY-MM-DD）", f"date \"{value}\" is not valid (YYYY-MM-DD)", field) from None


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(f"无法读取文件 {path}：{e}", f"cannot read {path}: {e}", "file") from None


remuneration = click.Group("remuneration", help="The trustee's remuneration (酬金): the contract and its monthly accrual.")


@remuneration.command("set")
@click.option("--book", "book_code", required=True)
@click.option("--fixed", "monthly", default=None, help="A fixed sum a month, e.g. 8000.00.")
@click.option("--percent", default=None, help="A share of the fees collected in the month, e.g. 12 or 12.5.")
@click.option("--cap", default=None, help="At most this a month.")
@click.option("--from", "effective_from", required=True, help="In force from (YYYY-MM-DD).")
@click.option("--note", default="")
@click.option("--as", "username", default=None, help="A committee member.")
@refusals
def remuneration_set(book_code, monthly, percent, cap, effective_from, note, username):
    """Record the trustee's contract; it supersedes the one before from its date."""
    if (monthly is None) == (percent is None):
        raise InvalidInput("请给出 --fixed 或 --percent 之一", "give one of --fixed or --percent", "kind")
    with cli_work(username) as uow:
        contract = uow.run(
            remuneration_service.set_contract, access.get_book(uow.session, book_code),
            "fixed" if monthly is not None else "percent", _date(effective_from, "effective_from"),
            monthly_fen=to_fen(monthly, "fixed") if monthly is not None else None,
            percent_bp=parse_percent(percent) if percent is not None else None,
            cap_fen=to_fen(cap, "cap") if cap is not None else None, note=note)
        click.echo(f"contract {contract.id} in force from {contract.effective_from}")


@remuneration.command("list")
@click.option("--book", "book_code", required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def remuneration_list(book_code, fmt):
    """The trustee's contracts, newest first."""
    with cli_session() as session:
        rows = [dict(id=c.id, kind=c.kind, monthly=None if c.monthly_fen is None else fen_to_str(c.monthly_fen),
                     percent_bp=c.percent_bp, cap=None if c.cap_fen is None else fen_to_str(c.cap_fen),
                     effective_from=c.effective_from.isoformat(), note=c.note)
                for c in remuneration_service.contracts_of(session, access.get_book(session, book_code))]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['id']}\t{r['effective_from']}\t{r['kind']}\t{r['monthly'] or ''}\t{r['percent_bp'] or ''}\t{r['cap'] or ''}")


@remuneration.command("accrue")
@click.option("--book", "book_code", required=True)
@click.option("--period", required=True, help="YYYY-MM, a month that has ended.")
@click.option("--as", "username", required=True, help="The committee member who approves it.")
@refusals
def remuneration_accrue(book_code, period, username):
    """Accrue an ended month's remuneration ahead of its close (closing does it too)."""
    from .domain.model import parse_period

    year, month = parse_period(period)
    with cli_work(username) as uow:
        entry = uow.run(remuneration_service.accrue_month, access.get_book(uow.session, book_code), year, month)
        click.echo("nothing to accrue" if entry is None else f"{entry.number or entry.id} {entry.status}: {entry.lines[0].note}")


budget = click.Group("budget", help="The annual budget (年度预算) and budget against actual.")


@budget.command("set")
@click.option("--book", "book_code", required=True)
@click.option("--year", type=int, required=True)
@click.option("--file", "path", required=True, help="LINES.csv: account,fund,amount,on_overrun (warn|block).")
@click.option("--resolution", "resolution_id", type=int, default=None, help="The owners' resolution that approved it.")
@click.option("--note", default="")
@click.option("--as", "username", default=None)
@refusals
def budget_set(book_code, year, path, resolution_id, note, username):
    """Record the year's budget (it supersedes an earlier one for that year)."""
    lines = budgets.parse_lines_csv(_read(path))
    with cli_work(username) as uow:
        result = uow.run(budgets.set_budget, access.get_book(uow.session, book_code), year, lines, resolution_id, note)
        click.echo(f"budget {result.id} for {year}: {len(lines)} lines")


@budget.command("report")
@click.option("--book", "book_code", required=True)
@click.option("--year", type=int, required=True)
@click.option("--month", type=int, default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def budget_report(book_code, year, month, fmt):
    """Budget against actual for a month and the year to date."""
    with cli_session() as session:
        book = access.get_book(session, book_code)
        result = budgets.report(session, book, year, month)
        if fmt == "json":
            click.echo(json.dumps(result.as_json(book), ensure_ascii=False, indent=2))
            return
        for row in result.rows():
            click.echo("\t".join(str(row[c] if row[c] is not None else "") for c in budgets.COLUMNS))


revenues = click.Group("revenues", help="Public revenues (公共收益): contracts, receipts, what is overdue.")


@revenues.command("add")
@click.option("--book", "book_code", required=True)
@click.option("--counterparty", required=True)
@click.option("--kind", type=click.Choice(list(revenue_service.KINDS)), required=True)
@click.option("--account", required=True, help="The income account, 42xx.")
@click.option("--amount", required=True, help="Per period, e.g. 3000.00.")
@click.option("--schedule", type=click.Choice(list(revenue_service.SCHEDULES)), required=True)
@click.option("--start", required=True, help="YYYY-MM-DD: the first receipt falls due that day.")
@click.option("--end", default=None, help="YYYY-MM-DD, if the contract ends.")
@click.option("--as", "username", default=None)
@refusals
def revenues_add(book_code, counterparty, kind, account, amount, schedule, start, end, username):
    """Record a public-revenue contract."""
    with cli_work(username) as uow:
        contract = uow.run(revenue_service.add_contract, access.get_book(uow.session, book_code), counterparty, kind, account,
                           to_fen(amount, "amount"), schedule, _date(start, "start"), _date(end, "end") if end else None)
        click.echo(f"contract {contract.id}")


@revenues.command("list")
@click.option("--book", "book_code", required=True)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def revenues_list(book_code, as_of, fmt):
    """Each contract: expected against received, overdue receipts flagged."""
    with cli_session() as session:
        rows = [s.as_json() for s in revenue_service.standings(session, access.get_book(session, book_code),
                                                               _date(as_of, "as_of") if as_of else None)]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        late = [d["date"] for d in r["dues"] if d["overdue"]]
        click.echo(f"{r['id']}\t{r['counterparty']}\t{r['kind']}\t{r['account']}\texpected {r['expected']}\t"
                   f"received {r['received']}\toverdue {r['overdue']}" + (f" ({', '.join(late)})" if late else ""))


@revenues.command("receive")
@click.option("--book", "book_code", required=True)
@click.option("--contract", "contract_id", type=int, required=True)
@click.option("--date", "date_", required=True)
@click.option("--amount", required=True)
@click.option("--fund", default="GEN")
@click.option("--summary", default="")
@click.option("--key", default=None, help="Idempotency key: the same receipt sent twice is drafted once.")
@click.option("--as", "username", default=None)
@refusals
def revenues_receive(book_code, contract_id, date_, amount, fund, summary, key, username):
    """Draft the receipt, Dr 1002 / Cr 42xx, submitted for approval and linked to the contract."""
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        contract = revenue_service.get_contract(uow.session, book, contract_id)
        entry = uow.run(revenue_service.receive, book, contract, _date(date_, "date"), to_fen(amount, "amount"), fund,
                        summary, key)
        click.echo(f"entry {entry.id} {entry.status}")


@revenues.command("end")
@click.option("--book", "book_code", required=True)
@click.option("--contract", "contract_id", type=int, required=True)
@click.option("--date", "end", required=True, help="YYYY-MM-DD: the last day of the contract; nothing is expected after.")
@click.option("--reason", default="")
@click.option("--as", "username", default=None)
@refusals
def revenues_end(book_code, contract_id, end, reason, username):
    """End a revenue contract on a day (earlier than a fixed term said, never later)."""
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        contract = revenue_service.get_contract(uow.session, book, contract_id)
        contract = uow.run(revenue_service.end_contract, book, contract, _date(end, "end"), reason)
        click.echo(f"contract {contract.id} ends on {contract.end_date.isoformat()}")


@revenues.command("terms")
@click.option("--book", "book_code", required=True)
@click.option("--contract", "contract_id", type=int, required=True)
@click.option("--from", "effective_from", required=True, help="YYYY-MM-DD: the first receipt on the new terms falls due.")
@click.option("--amount", required=True, help="Per period, e.g. 3500.00.")
@click.option("--schedule", type=click.Choice(list(revenue_service.SCHEDULES)), required=True)
@click.option("--as", "username", default=None)
@refusals
def revenues_terms(book_code, contract_id, effective_from, amount, schedule, username):
    """New terms of a revenue contract from a date on; receipts expected before it keep their amounts."""
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        contract = revenue_service.get_contract(uow.session, book, contract_id)
        terms = uow.run(revenue_service.change_terms, book, contract, _date(effective_from, "from"),
                        to_fen(amount, "amount"), schedule)
        click.echo(f"contract {contract.id}: {fen_to_str(terms.amount_fen)} {terms.schedule} from "
                   f"{terms.effective_from.isoformat()}")
