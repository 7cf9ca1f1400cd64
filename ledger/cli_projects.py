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
