"""`ledger projects …`: micro-projects with matching (issue 10), the basics from the command line. Each command writes
through services/projects.py, as the back office does."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from . import config
from .cli_common import cli_session, cli_work, refusals
from .domain.errors import InvalidInput
from .domain.money import fen_to_str, to_fen
from .services import access, projects as svc


def _date(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期“{value}”无效（YYYY-MM-DD）", f"date \"{value}\" is not valid (YYYY-MM-DD)", field) from None


def _read_json(path: str):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise InvalidInput(f"无法读取 {path}：{e}", f"cannot read {path}: {e}", "file") from None


projects_group = click.Group("projects", help="Micro-projects with matching (微项目与配捐): pools, projects, donations.")


@projects_group.command("pool")
@click.option("--book", "book_code", required=True)
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--funder", default="政府", help="Who matches, as the explainer names them.")
@click.option("--as", "username", default=None, help="A fund manager.")
@refusals
def pool_create(book_code, code, name, funder, username):
    """Open a matching pool with its own restricted fund."""
    with cli_work(username) as uow:
        pool = uow.run(svc.create_pool, access.get_book(uow.session, book_code), code, name, funder)
        click.echo(f"pool {pool.code}, fund {pool.fund.code}")


@projects_group.command("deposit")
@click.option("--book", "book_code", required=True)
@click.option("--pool", "pool_code", required=True)
@click.option("--amount", required=True)
@click.option("--date", "date_", required=True)
@click.option("--note", default="")
@click.option("--as", "username", default=None)
@refusals
def pool_deposit(book_code, pool_code, amount, date_, note, username):
    """Put money into a pool (an entry for approval)."""
    with cli_work(username) as uow:
        row = uow.run(svc.deposit, access.get_book(uow.session, book_code), pool_code, to_fen(amount, "amount"),
                      _date(date_, "date"), note)
        click.echo(f"deposit {fen_to_str(row.amount_fen)}, entry {row.entry_id} awaiting approval")


@projects_group.command("rule")
@click.option("--book", "book_code", required=True)
@click.option("--pool", "pool_code", required=True)
@click.option("--rule", "rule_path", required=True, type=click.Path(dir_okay=False), help="RULE.json")
@click.option("--as", "username", default=None)
@refusals
def rule_add(book_code, pool_code, rule_path, username):
    """Publish a version of the pool's rule (never changed once published)."""
    with cli_work(username) as uow:
        row = uow.run(svc.add_rule, access.get_book(uow.session, book_code), pool_code, _read_json(rule_path))
        click.echo(f"rule v{row.version} {row.kind} sha256:{row.digest}")


@projects_group.command("list")
@click.option("--book", "book_code", required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def project_list(book_code, fmt):
    """Each project with its raised, matched, goal and deadline."""
    with cli_session() as session:
        book = access.get_book(session, book_code)
        rows = []
        for p in svc.projects_of(session, book):
            f = svc.progress(session, p)
            rows.append({"code": p.code, "title": p.title, "status": p.status, "raised": fen_to_str(f.raised_fen),
                         "matched": fen_to_str(f.matched_fen), "goal": fen_to_str(p.goal_fen),
                         "deadline": p.deadline.isoformat()})
    if fmt == "json":
        click.echo(json.dumps({"projects": rows}, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['code']}\t{r['status']}\t{r['raised']}/{r['goal']}\tmatched {r['matched']}\t{r['deadline']}\t{r['title']}")


@projects_group.command("pool-status")
@click.option("--book", "book_code", required=True)
@click.option("--pool", "pool_code", required=True)
@refusals
def pool_status(book_code, pool_code):
    """Held, committed, posted, voided, clawed back and remaining, as JSON."""
    with cli_session() as session:
        pool = svc.get_pool(session, access.get_book(session, book_code), pool_code)
        figures = {k: fen_to_str(v) for k, v in svc.pool_figures(session, pool).items()}
    click.echo(json.dumps(figures, ensure_ascii=False, indent=2))


@projects_group.command("settle")
@click.option("--book", "book_code", required=True)
@click.option("--project", "project_code", required=True)
@click.option("--date", "date_", default=None)
@click.option("--as", "username", default=None, help="A fund manager.")
@refusals
def project_settle(book_code, project_code, date_, username):
    """Settle a project: post its matches (funded) or refund its donors and void them (failed)."""
    with cli_work(username, vouchers=True) as uow:
        project = uow.run(svc.settle_project, access.get_book(uow.session, book_code), project_code,
                          _date(date_, "date"), publish_root=config.publications_dir(), store=uow.store)
        click.echo(f"{project.code} {project.status}, entry {project.settle_entry_id}")


@projects_group.command("publish")
@click.option("--book", "book_code", required=True)
@click.option("--project", "project_code", required=True)
@click.option("--as", "username", default=None)
@refusals
def project_publish(book_code, project_code, username):
    """Rewrite a project's public progress and its receipts' documents."""
    with cli_work(username, vouchers=True) as uow:
        files = uow.run(svc.publish_project, access.get_book(uow.session, book_code), project_code,
                        config.publications_dir(), uow.store)
        click.echo(f"{len(files)} files written under {config.publications_dir()}")


@projects_group.command("close-round")
@click.option("--book", "book_code", required=True)
@click.option("--pool", "pool_code", required=True)
@click.option("--version", "rule_version", required=True, type=int, help="The quadratic rule version of the round.")
@click.option("--as", "username", default=None, help="A fund manager.")
@refusals
def close_round(book_code, pool_code, rule_version, username):
    """Close a quadratic round: share its pool among its open projects (each posts its match when settled)."""
    with cli_work(username, vouchers=True) as uow:
        result = uow.run(svc.close_round, access.get_book(uow.session, book_code), pool_code, rule_version,
                         publish_root=config.publications_dir(), store=uow.store)
        for code, share in sorted(result.projects.items()):
            click.echo(f"{code}\t{fen_to_str(share.match_fen)}{'  (capped)' if share.capped else ''}")
        if result.unallocated_fen:
            click.echo(f"unallocated\t{fen_to_str(result.unallocated_fen)}")


@projects_group.command("publish-pool")
@click.option("--book", "book_code", required=True)
@click.option("--pool", "pool_code", required=True)
@click.option("--as", "username", default=None, help="A fund manager.")
@refusals
def pool_publish(book_code, pool_code, username):
    """Rewrite a matching pool's public account (its projects' publications rewrite it too)."""
    with cli_work(username) as uow:
        files = uow.run(svc.publish_pool, access.get_book(uow.session, book_code), pool_code, config.publications_dir())
        click.echo(f"{len(files)} files written under {config.publications_dir()}")


@projects_group.command("spend")
@click.option("--book", "book_code", required=True)
@click.option("--project", "project_code", required=True)
@click.option("--line", "line_label", required=True, help="The budget line, as the project names it.")
@click.option("--amount", required=True)
@click.option("--date", "date_", required=True)
@click.option("--summary", required=True)
@click.option("--voucher", "voucher_paths", multiple=True, required=True, type=click.Path(dir_okay=False, exists=True),
              help="A photo or PDF of the invoice or receipt (required; repeat for more).")
@click.option("--account", default="5201", show_default=True, help="The expense account.")
@click.option("--paid-from", "paid_from", default="1002", show_default=True, help="Cash, bank or a payable.")
@click.option("--as", "username", default=None, help="A treasurer or other maker.")
@refusals
def project_spend(book_code, project_code, line_label, amount, date_, summary, voucher_paths, account, paid_from,
                  username):
    """Spend from a funded project's fund against a budget line, with its voucher(s); the entry waits for approval."""
    from .services import project_spending
    from .services.vouchers import Upload, UploadLimits

    limits = UploadLimits(20 * 1024 * 1024, 10, 120_000_000)  # the back office's defaults
    uploads = [Upload(Path(p).name, Path(p).read_bytes()[: limits.max_bytes + 1]) for p in voucher_paths]
    with cli_work(username, vouchers=True) as uow:
        book = access.get_book(uow.session, book_code)
        line = project_spending.budget_line_by_label(svc.get_project(uow.session, book, project_code), line_label)
        entry = project_spending.record_spend_with_uploads(
            uow, book, project_code, [(line.id, to_fen(amount, "amount"))], account, paid_from, _date(date_, "date"),
            summary, uploads, limits)
        click.echo(f"spend {fen_to_str(to_fen(amount, 'amount'))} on {line_label}, entry {entry.id} awaiting approval")
