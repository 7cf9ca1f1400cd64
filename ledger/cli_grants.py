"""`ledger grants …`: a fund book's grant round (issue 10) from the command line, through the same service as the
pages. Every command takes --as USER (the fund manager, a reviewer, the treasurer) and --format json."""
from __future__ import annotations

import datetime as dt
import json

import click

from .cli_common import cli_session, cli_work, refusals
from .domain.errors import InvalidInput
from .domain.money import fen_to_str, to_fen
from .services import access, grants


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"日期“{value}”无效（YYYY-MM-DD）", f"date \"{value}\" is not valid (YYYY-MM-DD)", field) from None


def _out(fmt: str, doc: dict, text: str) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2) if fmt == "json" else text)


def _programme_doc(session, programme) -> dict:
    f = grants.figures(session, programme)
    return {"id": programme.id, "code": programme.code, "title": programme.title, "fund": programme.fund.code,
            "pool": fen_to_str(f.pool_fen), "ceiling": fen_to_str(programme.ceiling_fen),
            "committed": fen_to_str(f.committed_fen), "uncommitted": fen_to_str(f.uncommitted_fen),
            "paid": fen_to_str(f.paid_fen), "opens_on": programme.opens_on.isoformat(),
            "closes_on": programme.closes_on.isoformat(), "applications": f.counts}


def _application_doc(session, application) -> dict:
    state = grants.state_of(session, application)
    count, mean = grants.average_score(session, application)
    unspent = grants.unspent_of(state)
    return {
        "id": application.id, "programme": application.programme.code, "applicant": application.applicant,
        "title": application.title, "status": application.status, "asked": fen_to_str(application.amount_fen),
        "scores": count, "average_score": mean, "awarded": fen_to_str(state.awarded_fen),
        "paid": fen_to_str(state.paid_fen), "spent": fen_to_str(state.spent_fen), "unspent": fen_to_str(unspent.total_fen),
        "tranches": [{"seq": t.tranche.seq, "planned": fen_to_str(t.tranche.planned_fen),
                      "entry": (t.release.entry.number or t.release.entry.status) if t.release else None,
                      "paid": t.paid, "report_accepted": t.accepted is not None,
                      "report_waiting": t.waiting.id if t.waiting else None} for t in state.tranches],
    }


grants_group = click.Group("grants", help="A fund book's grant programmes (治理创新基金): applications, reviews, awards, "
                                          "tranches and reports.")
_fmt = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
_as = click.option("--as", "username", default=None, help="Who acts (a fund manager, a reviewer, the treasurer).")
_book = click.option("--book", "book_code", required=True)


@grants_group.command("programme-create")
@_book
@click.option("--code", required=True)
@click.option("--title", required=True)
@click.option("--fund", "fund_code", required=True, help="A restricted fund's code (made if new).")
@click.option("--pool", required=True, help="e.g. 100000.00")
@click.option("--ceiling", required=True, help="The most one grant may get.")
@click.option("--opens", required=True, help="The call opens (YYYY-MM-DD).")
@click.option("--closes", required=True, help="The call closes (YYYY-MM-DD).")
@click.option("--criteria", default="")
@_as
@_fmt
@refusals
def programme_create(book_code, code, title, fund_code, pool, ceiling, opens, closes, criteria, username, fmt):
    """Open a grant programme on a restricted fund of a fund book."""
    with cli_work(username) as uow:
        programme = uow.run(grants.create_programme, access.get_book(uow.session, book_code), code, title, fund_code,
                            to_fen(pool, "pool"), to_fen(ceiling, "ceiling"), _date(opens, "opens"),
                            _date(closes, "closes"), criteria)
        _out(fmt, _programme_doc(uow.session, programme), f"programme {programme.code} ({programme.id}) open")


@grants_group.command("reviewer-add")
@_book
@click.option("--programme", required=True, help="The programme's code or id.")
@click.option("--user", "reviewer", required=True)
@_as
@_fmt
@refusals
def reviewer_add(book_code, programme, reviewer, username, fmt):
    """Name a reviewer of a programme (someone with a role in the book)."""
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        row = uow.run(grants.add_reviewer, book, grants.get_programme(uow.session, book, programme), reviewer)
        _out(fmt, {"programme": programme, "reviewer": reviewer, "id": row.id}, f"{reviewer} reviews {programme}")


def _lines(values, parts: int, field: str) -> list[list[str]]:
    out = []
    for i, raw in enumerate(values, start=1):
        cells = [c.strip() for c in raw.split("|")]
        if len(cells) != parts:
            raise InvalidInput(f"--{field} 第 {i} 项应为 {parts} 段，用 | 分隔：{raw}",
                               f"--{field} number {i} needs {parts} parts separated by |: {raw}", field)
        out.append(cells)
    return out


@grants_group.command("apply")
@_book
@click.option("--programme", required=True)
@click.option("--applicant", required=True, help="The applying organisation (public once awarded).")
@click.option("--title", required=True)
@click.option("--purpose", required=True)
@click.option("--amount", required=True, help="The amount asked: the budget's total.")
@click.option("--budget", "budget_lines", multiple=True, required=True, help="ITEM|AMOUNT, once per budget line.")
@click.option("--received", required=True, help="YYYY-MM-DD, within the call.")
@click.option("--community", default="")
@click.option("--contact", default="", help="Kept private.")
@_as
@_fmt
@refusals
def apply(book_code, programme, applicant, title, purpose, amount, budget_lines, received, community, contact, username, fmt):
    """Record an application as received."""
    budget = [(item, to_fen(fen, f"budget[{i}]")) for i, (item, fen) in enumerate(_lines(budget_lines, 2, "budget"), start=1)]
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        application = uow.run(grants.record_application, book, grants.get_programme(uow.session, book, programme),
                              applicant, title, purpose, to_fen(amount, "amount"), budget, _date(received, "received"),
                              community=community, contact=contact)
        _out(fmt, _application_doc(uow.session, application), f"application {application.id} recorded")


def _application(uow, book_code, application_id):
    book = access.get_book(uow.session, book_code)
    return book, grants.get_application(uow.session, book, application_id)


@grants_group.command("score")
@_book
@click.option("--application", "application_id", type=int, required=True)
@click.option("--score", "points", type=int, required=True, help="0 to 100.")
@click.option("--comment", default="")
@_as
@_fmt
@refusals
def score(book_code, application_id, points, comment, username, fmt):
    """A reviewer's score and comment (once; a declared conflict bars it)."""
    with cli_work(username) as uow:
        book, application = _application(uow, book_code, application_id)
        review = uow.run(grants.score, book, application, points, comment)
        _out(fmt, {"application": application_id, "score": review.score}, f"scored {review.score}")


@grants_group.command("conflict")
@_book
@click.option("--application", "application_id", type=int, required=True)
@click.option("--reason", default="")
@_as
@_fmt
@refusals
def conflict(book_code, application_id, reason, username, fmt):
    """A reviewer declares a conflict of interest on an application (for good)."""
    with cli_work(username) as uow:
        book, application = _application(uow, book_code, application_id)
        uow.run(grants.declare_conflict, book, application, reason)
        _out(fmt, {"application": application_id, "conflict": True}, "conflict declared")


@grants_group.command("decide")
@_book
@click.option("--application", "application_id", type=int, required=True)
@click.option("--award/--decline", "award", required=True)
@click.option("--reason", required=True)
@click.option("--date", "on", required=True)
@click.option("--amount", default=None, help="The award (default: the amount asked).")
@click.option("--tranches", default=None, help="Amounts separated by commas (default: one tranche).")
@_as
@_fmt
@refusals
def decide(book_code, application_id, award, reason, on, amount, tranches, username, fmt):
    """Award (booked as a commitment) or decline, with the reason."""
    plan = [to_fen(x, f"tranches[{i}]") for i, x in enumerate(tranches.split(","), start=1)] if tranches else None
    with cli_work(username) as uow:
        book, application = _application(uow, book_code, application_id)
        row = uow.run(grants.decide, book, application, "award" if award else "decline", reason, _date(on, "date"),
                      to_fen(amount, "amount") if amount else None, plan)
        doc = _application_doc(uow.session, application)
        doc["entry"] = (row.entry.number or row.entry.status) if row.entry else None
        _out(fmt, doc, f"{row.decision} {fen_to_str(row.amount_fen)} (entry {doc['entry']})")


@grants_group.command("release")
@_book
@click.option("--application", "application_id", type=int, required=True)
@click.option("--tranche", type=int, required=True)
@click.option("--date", "on", required=True)
@_as
@_fmt
@refusals
def release(book_code, application_id, tranche, on, username, fmt):
    """Release a tranche (after the previous tranche's report is accepted)."""
    with cli_work(username) as uow:
        book, application = _application(uow, book_code, application_id)
        row = uow.run(grants.release, book, application, tranche, _date(on, "date"))
        entry = row.entry.number or row.entry.status
        _out(fmt, {"application": application_id, "tranche": tranche, "amount": fen_to_str(row.amount_fen), "entry": entry},
             f"tranche {tranche}: {fen_to_str(row.amount_fen)} (entry {entry})")


@grants_group.command("report")
@_book
@click.option("--application", "application_id", type=int, required=True)
@click.option("--tranche", type=int, required=True)
@click.option("--narrative", required=True)
@click.option("--expense", "expense_lines", multiple=True, help="ITEM|AMOUNT|VOUCHER, once per expense.")
@click.option("--date", "on", required=True)
@_as
@_fmt
@refusals
def report(book_code, application_id, tranche, narrative, expense_lines, on, username, fmt):
    """Record the grantee's report on a paid tranche."""
    expenses = [(item, to_fen(fen, f"expense[{i}]"), voucher)
                for i, (item, fen, voucher) in enumerate(_lines(expense_lines, 3, "expense"), start=1)]
    with cli_work(username) as uow:
        book, application = _application(uow, book_code, application_id)
        row = uow.run(grants.record_report, book, application, tranche, narrative, expenses, _date(on, "date"))
        _out(fmt, {"report": row.id, "application": application_id, "tranche": tranche}, f"report {row.id} recorded")


@grants_group.command("review-report")
@_book
@click.option("--report", "report_id", type=int, required=True)
@click.option("--accept/--return", "accepted", required=True)
@click.option("--date", "on", required=True)
@click.option("--note", default="")
@_as
@_fmt
@refusals
def review_report(book_code, report_id, accepted, on, note, username, fmt):
    """Accept a report (the next tranche may go) or return it with what is missing."""
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        found, _application_row = grants.get_report(uow.session, book, report_id)
        uow.run(grants.decide_report, book, found, accepted, _date(on, "date"), note)
        _out(fmt, {"report": report_id, "accepted": accepted}, "accepted" if accepted else "returned")


@grants_group.command("close")
@_book
@click.option("--application", "application_id", type=int, required=True)
@click.option("--mode", type=click.Choice(grants.CLOSE_MODES), required=True)
@click.option("--date", "on", required=True)
@click.option("--reason", default="")
@click.option("--regrant-to", "regrant_to", type=int, default=None)
@_as
@_fmt
@refusals
def close(book_code, application_id, mode, on, reason, regrant_to, username, fmt):
    """Close a grant: complete, or return / re-grant what was not spent (by an entry)."""
    with cli_work(username) as uow:
        book, application = _application(uow, book_code, application_id)
        target = grants.get_application(uow.session, book, regrant_to) if regrant_to else None
        row = uow.run(grants.close_grant, book, application, mode, _date(on, "date"), reason, target)
        entry = (row.entry.number or row.entry.status) if row.entry else None
        _out(fmt, {"application": application_id, "mode": mode, "unspent": fen_to_str(row.decommitted_fen),
                   "returned": fen_to_str(row.returned_fen), "entry": entry},
             f"closed ({mode}); unspent {fen_to_str(row.decommitted_fen)}; entry {entry}")


@grants_group.command("list")
@_book
@_fmt
@refusals
def list_programmes(book_code, fmt):
    """The book's programmes: pool, committed, paid, applications by state."""
    with cli_session() as session:
        book = access.get_book(session, book_code)
        docs = [dict(_programme_doc(session, p), grants=[_application_doc(session, a) for a in grants.applications_of(session, p)])
                for p in grants.programmes_of(session, book)]
    if fmt == "json":
        click.echo(json.dumps(docs, ensure_ascii=False, indent=2))
    else:
        for d in docs:
            click.echo(f"{d['code']}\tpool {d['pool']}\tcommitted {d['committed']}\tpaid {d['paid']}\t{d['title']}")
            for g in d["grants"]:
                click.echo(f"  {g['id']}\t{g['status']}\tasked {g['asked']}\tawarded {g['awarded']}\tpaid {g['paid']}\t{g['title']}")
