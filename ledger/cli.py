"""The `ledger` command: a click group over the services.

Commands act as the built-in administrator `system` unless --as names a user.
A refusal prints its bilingual message to stderr and exits 1. Only `ledger run`
builds the web application; every other command imports just what it needs, so
it starts about as fast as SQLAlchemy and click themselves.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from collections import defaultdict
from pathlib import Path

import click
from tqdm import tqdm

from . import config
from .cli_common import cli_session, cli_work, refusals
from .domain.cells import safe_cell
from .domain.errors import LedgerError
from .domain.model import parse_period
from .domain.money import fen_to_str
from .services import access, books as book_service, entries, importer, periods, reports, users


@click.group()
def main():
    """共治账本 Community Trust Ledger."""


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reload on changes and show tracebacks (never in production).")
@click.option("--public-port", type=int, default=None,
              help="Also serve the public site (public_site) on this port, in the same process.")
def run(host, port, debug, public_port):
    """Serve the back office, and the public site beside it with --public-port (development servers; production
    runs each under gunicorn: README, "Serving in production")."""
    from .app import create_app

    app = create_app()
    if public_port:
        _serve_public_site(host, public_port, debug)
    app.run(host=host, port=port, debug=debug, use_reloader=debug)


def _serve_public_site(host: str, port: int, debug: bool) -> None:
    """The public site on a thread of this process: Ctrl-C stops both, and nothing is left running."""
    import os
    import threading

    from werkzeug.serving import make_server

    if debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return  # the reloader's watcher serves nothing; its child (which runs this again) does
    from public_site import create_app as create_public_site

    try:
        server = make_server(host, port, create_public_site(), threaded=True)
    except OSError as e:
        click.echo(f"错误 Error: 公示网站无法在 {host}:{port} 上启动（{e.strerror}）\n"
                   f"  the public site cannot listen on {host}:{port} ({e.strerror})", err=True)
        sys.exit(1)
    threading.Thread(target=server.serve_forever, name="public-site", daemon=True).start()
    click.echo(f" * 公示网站 Public site: http://{host}:{port}/")


@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision):
    """Create or upgrade the database schema (and its guards)."""
    from .db import migrate
    from .db.engine import make_engine, make_sessionmaker, transaction
    from .services.adopt import adopt_unsigned_history

    engine = make_engine(config.database_url())
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, revision)
        after = migrate.current_revision(engine)
        click.echo(f"database at {after}")
        with transaction(make_sessionmaker(engine)) as session:
            if before is not None and before < "0005" <= (after or ""):
                try:
                    for line in adopt_unsigned_history(session):
                        click.echo(line)
                except LedgerError as e:
                    click.echo(f"错误 Error: {e.message_zh}\n  {e.message_en}", err=True)
                    sys.exit(1)
            elif after and after >= "0005":
                _ensure_keys(session)
    finally:
        engine.dispose()


@db.command("roles")
@click.option("--office", "office_role", required=True, help="The back office's role (created if missing).")
@click.option("--public", "public_role", required=True, help="The public site's role (created if missing).")
@click.option("--dry-run", is_flag=True, help="Print the SQL without running it.")
@refusals
def db_roles(office_role, public_role, dry_run):
    """Create or update the PostgreSQL roles the two apps connect as (run as the tables' owner, after every upgrade).

    Passwords come from LEDGER_OFFICE_DB_PASSWORD and LEDGER_PUBLIC_DB_PASSWORD when set. See ledger/db/roles.py
    for what each role may do."""
    import os

    from .db import roles
    from .db.engine import make_engine

    engine = make_engine(config.database_url())
    try:
        with engine.begin() as conn:  # all or nothing
            shown = roles.apply(conn, office_role, public_role, os.environ.get("LEDGER_OFFICE_DB_PASSWORD"),
                                os.environ.get("LEDGER_PUBLIC_DB_PASSWORD"), dry_run=dry_run)
    finally:
        engine.dispose()
    for statement in shown:
        click.echo(statement + ";")
    if not dry_run:
        click.echo(f"角色已就绪 roles ready: back office {office_role}, public site {public_role}")


def _ensure_keys(session) -> None:
    """Every book has its signing key (made if missing, never replaced), its public key on record and a witness.

    A witness is started only for a book that has none (history from before witnesses): an existing one is
    never rewritten here, so rolling the schema back and upgrading again cannot make it agree with SQL's edits."""
    from sqlalchemy import select

    from .db.schema import Book
    from .services import witness
    from .services.signing import keys_for

    store = keys_for(session)
    for book in session.scalars(select(Book).order_by(Book.code)):
        existed = store.has(book.code)
        key = store.ensure(book.code)
        if book.public_key is None:
            book.public_key = key
        if not existed:
            click.echo(f"{book.code}: created signing key {store.path(book.code)}, public key {key}")
        if witness.read(store, book.code) is None:
            witness.touch(session, book)
            signed = _sign_legacy_public_copies(session, book)
            click.echo(f"{book.code}: started its witness {witness.path(store, book.code)}"
                       + (f"; signed {signed} public voucher copies made before signatures" if signed else ""))


def _sign_legacy_public_copies(session, book) -> int:
    """Public voucher copies from before 0007 carry no signature. Signed once, with the witness, never again."""
    from sqlalchemy import select

    from .db.schema import Attachment, Entry, VoucherPublic
    from .services.vouchers import sign_public

    publics = list(session.scalars(
        select(VoucherPublic).join(Attachment, Attachment.id == VoucherPublic.attachment_id)
        .join(Entry, Entry.id == Attachment.entry_id)
        .where(Entry.book_id == book.id, VoucherPublic.signature.is_(None)).order_by(VoucherPublic.id)))
    for public in publics:
        sign_public(session, book, public)
    return len(publics)


@main.command()
@refusals
@click.option("--without-compound", is_flag=True,
              help="Leave out 望江锦苑, the 600-unit compound (about a minute to build): the small books only.")
def demo(without_compound):
    """Load the demo books and users, and publish the closed months (running it twice changes nothing)."""
    from .services import demo as demo_service

    if not without_compound:
        click.echo("正在生成演示账簿（含600户的望江锦苑，约需一两分钟）… building the demo books (a minute or two)…")
    with cli_work(vouchers=True) as uow:
        created, logins = demo_service.load(uow, config.publications_dir(), compound=not without_compound)
    click.echo("演示数据已载入 demo loaded." if created else "演示数据已存在 demo already loaded; nothing changed.")
    click.echo("演示账号 Demo logins (user / password / role):")
    for username, password, role in logins:
        click.echo(f"  {username:<12} {password:<20} {role}")


@main.group("users")
def users_group():
    """Users and their roles."""


@users_group.command("create")
@click.argument("username")
@click.option("--name", "display_name", default=None, help="Display name.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Global administrator.")
@click.option("--role", "roles", multiple=True, metavar="BOOK:ROLE", help="A role in a book, e.g. JCHY:treasurer (repeatable).")
@refusals
def users_create(username, display_name, password, admin, roles):
    """Create a user, optionally with roles."""
    with cli_work() as uow:
        uow.run(users.create_with_roles, username, display_name or username, password, admin,
                [spec.partition(":")[::2] for spec in roles])
    click.echo(f"created user {username}")


@users_group.command("grant")
@click.argument("username")
@click.argument("spec", metavar="BOOK:ROLE")
@refusals
def users_grant(username, spec):
    """Give a user a role in a book."""
    book_code, _, role = spec.partition(":")
    with cli_work() as uow:
        uow.run(users.grant_role, users.get_user(uow.session, username), access.get_book(uow.session, book_code), role)
    click.echo(f"granted {spec} to {username}")


@main.group("books")
def books_group():
    """Books."""


@books_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def books_list(fmt):
    """List every book."""
    with cli_session() as session:
        rows = [
            {"code": b.code, "kind": b.kind, "name_zh": b.name_zh, "name_en": b.name_en,
             "approval_threshold": fen_to_str(b.approval_threshold_fen)}
            for b in book_service.books_for(session, users.system_user(session))
        ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['code']:<12} {r['kind']:<16} {r['name_zh']} / {r['name_en']}")


@books_group.command("create")
@click.argument("code")
@click.option("--name-zh", required=True)
@click.option("--name-en", default="")
@click.option("--kind", type=click.Choice(["trust", "community_fund", "foundation"]), required=True)
@click.option("--threshold", default="10000.00", show_default=True, help="Above this, two approvers are needed.")
@click.option("--first-month", default=None, metavar="YYYY-MM",
              help="The book's first month: opening balances go there, nothing before it (default: this month).")
@refusals
def books_create(code, name_zh, name_en, kind, threshold, first_month):
    """Open a new book with its kind's chart of accounts and its signing key."""
    from .domain.money import to_fen

    first = parse_period(first_month, "first_month") if first_month else None
    with cli_work() as uow:
        book = uow.run(book_service.create_book, code, name_zh, name_en or name_zh, kind, to_fen(threshold, "threshold"),
                       first_month=first)
    click.echo(f"created book {code}, first month {book.start_date:%Y-%m}, public key {book.public_key}")


@main.command("trial-balance")
@click.option("--book", "book_code", required=True)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD; default: everything posted.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@refusals
def trial_balance(book_code, as_of, fmt):
    """Each account's posted balance."""
    with cli_session() as session:
        book = access.get_book(session, book_code)
        tb = reports.trial_balance(session, book, importer.parse_date(as_of, "as_of") if as_of else None)
    rows = [
        {"code": r.code, "name": r.name_zh, "name_en": r.name_en, "type": r.type,
         "debit": fen_to_str(r.debit_fen), "credit": fen_to_str(r.credit_fen), "balance": fen_to_str(r.balance_fen)}
        for r in tb.rows
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["code", "name", "debit", "credit"])
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in r.items()} for r in rows)  # no live formulas
        click.echo(out.getvalue(), nl=False)
    else:
        click.echo(f"{'科目 code':<10} {'名称 name':<24} {'借方 debit':>18} {'贷方 credit':>18}")
        for r in rows:
            click.echo(f"{r['code']:<10} {r['name']:<24} {r['debit']:>18} {r['credit']:>18}")
        click.echo(f"{'':<10} {'合计 total':<24} {fen_to_str(tb.total_debit_fen):>18} {fen_to_str(tb.total_credit_fen):>18}")


@main.command("import-entries")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--book", "book_code", default=None, help="Book for records that name none.")
@click.option("--as", "username", default=None, help="Administrator to post as (default: system).")
@click.option("--opening", is_flag=True, help="The records are opening balances: each must fall in the book's first month.")
@refusals
def import_entries(path, book_code, username, opening):
    """Post entries from CSV or JSON lines, idempotently by key; all or nothing."""
    by_book: dict[str, list] = defaultdict(list)
    for code, entry in importer.read_entries(path, book_code):
        by_book[code].append(entry)
    results = []

    def post_all(session, actor):  # every book's records in one transaction: all or nothing
        for code, records in by_book.items():
            book = access.get_book(session, code)
            bar = None
            if sys.stderr.isatty():
                from tqdm import tqdm

                bar = tqdm(total=len(records), desc=code, unit="entries", file=sys.stderr)
            done = [0]

            def progress(n, bar=bar, done=done):
                if bar is not None:
                    bar.update(n - done[0])
                done[0] = n

            results.append(entries.post_imported(session, actor, book, records, progress=progress, opening=opening))
            if bar is not None:
                bar.close()

    with cli_work(username) as uow:
        uow.run(post_all)
    click.echo(f"posted {sum(r.posted for r in results)}, already present {sum(r.skipped for r in results)}")


@main.command()
@click.option("--book", "book_code", required=True)
@click.option("--format", "fmt", type=click.Choice(["beancount", "csv", "json"]), required=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@refusals
def export(book_code, fmt, out_path):
    """Write a book's posted history as beancount, JSON or CSV."""
    from .services import export as exporter

    with cli_work() as uow:
        book = access.get_book(uow.session, book_code)
        with out_path.open("w", encoding="utf-8", newline="") as out:
            count = exporter.EXPORTERS[fmt](uow.session, book, out)
        uow.run(access.record_export, book, fmt, fmt, count, path=str(out_path))
    click.echo(f"wrote {count} entries to {out_path}")


@main.command()
@click.option("--book", "book_code", default=None)
@click.option("--public-key", default=None, metavar="HEX",
              help="Check signatures with this Ed25519 public key instead of the key folder's (needs --book).")
def verify(book_code, public_key):
    """Prove the books: chain, signatures, approvals, numbering, balances, closes, vouchers; exit 1 naming the first problem."""
    from .services.verify import verify_all
    from .services.vouchers import VoucherStore

    if public_key and not book_code:
        click.echo("错误 Error: --public-key 须与 --book 一起使用 / --public-key needs --book", err=True)
        sys.exit(2)
    with cli_session() as session:
        reports_ = verify_all(session, book_code, public_key, VoucherStore(config.voucher_dir()))
    if book_code and not reports_:
        click.echo(f"错误 Error: 找不到账簿 no book {book_code}", err=True)
        sys.exit(1)
    failed = False
    for r in reports_:
        if r.ok:
            click.echo(f"{r.book}: OK, {r.entries} entries, {r.closes} closed months, chain head {r.head}, "
                       f"{r.vouchers_checked} voucher originals re-hashed"
                       + (f" ({r.vouchers_unreadable} not readable here)" if r.vouchers_unreadable else "")
                       + f", public key {r.public_key}")
        else:
            failed = True
            click.echo(f"{r.book}: FAILED at {r.problems[0]}", err=True)
            for p in r.problems[1:10]:
                click.echo(f"  also: {p}", err=True)
    sys.exit(1 if failed else 0)


@main.group("keys")
def keys_group():
    """The books' signing keys (kept outside the database)."""


@keys_group.command("init")
def keys_init():
    """Create a signing key for every book that has none, and record its public key. Never replaces a key."""
    from .services.signing import keys_for

    with cli_work() as uow:
        uow.run(lambda session, _actor: _ensure_keys(session))
        store = keys_for(uow.session)
        for book in book_service.books_for(uow.session, uow.actor):
            click.echo(f"{book.code}: {store.path(book.code)}, public key {book.public_key}")


@keys_group.command("show")
@click.option("--book", "book_code", required=True)
@refusals
def keys_show(book_code):
    """Print a book's public key (hex), the one anyone needs to check its signatures."""
    from .services.signing import keys_for

    with cli_session() as session:
        click.echo(keys_for(session).public_key(access.get_book(session, book_code).code))


@keys_group.command("witness")
@click.option("--book", "book_code", required=True)
@click.option("--accept", is_flag=True, help="Rewrite the witness from the database (after a crash between the two).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@refusals
def keys_witness(book_code, accept, yes):
    """Compare a book with the witness beside its key; with --accept, make the witness agree with the database.

    Use --accept only when you know why they differ: a process killed between writing the witness and
    committing leaves the witness one change ahead. An accepted difference is kept in the audit log."""
    from .services import witness
    from .services.signing import keys_for

    with cli_work() as uow:
        book = access.get_book(uow.session, book_code)
        found = list(witness.differences(uow.session, book))
        click.echo(f"{book.code}: {witness.path(keys_for(uow.session), book.code)}")
        for zh, en in found:
            click.echo(f"  {zh}\n  {en}")
        if not found:
            click.echo("  见证记录与数据库一致 / the witness agrees with the database")
            return
        if not accept:
            sys.exit(1)
        if not yes and not click.confirm("以数据库为准重写见证记录？Rewrite the witness from the database?", default=False):
            sys.exit(1)
        uow.run(witness.accept, book)
        click.echo("  见证记录已按数据库重写，并记入操作日志 / the witness now follows the database; "
                   "the audit log keeps what differed")


@main.group("periods")
def periods_group():
    """Accounting periods."""


@periods_group.command("close")
@click.option("--book", "book_code", required=True)
@click.argument("period", metavar="YYYY-MM")
@click.option("--as", "username", default=None)
@refusals
def periods_close(book_code, period, username):
    """Close a month."""
    year, month = parse_period(period)
    with cli_work(username) as uow:
        uow.run(periods.close_period, access.get_book(uow.session, book_code), year, month)
    click.echo(f"closed {book_code} {period}")




@main.group("accounts")
def accounts_group():
    """A book's chart of accounts."""


@accounts_group.command("list")
@click.option("--book", "book_code", required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@refusals
def accounts_list(book_code, fmt):
    """The chart of accounts, inactive accounts included."""
    with cli_session() as session:
        rows = [
            {"code": a.code, "name_zh": a.name_zh, "name_en": a.name_en, "type": a.type, "cash": a.cash, "active": a.active}
            for a in book_service.accounts_of(session, access.get_book(session, book_code))
        ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['code']:<8} {r['type']:<11} {r['name_zh']} / {r['name_en']}{'' if r['active'] else '  (停用 inactive)'}")


@accounts_group.command("add")
@click.option("--book", "book_code", required=True)
@click.argument("code")
@click.option("--name-zh", required=True)
@click.option("--name-en", default="")
@click.option("--type", "type_", type=click.Choice(["asset", "liability", "net_assets", "income", "expense"]), required=True)
@click.option("--parent", default=None, help="Parent account code.")
@click.option("--cash", is_flag=True, help="Money in hand or at the bank.")
@click.option("--as", "username", default=None)
@refusals
def accounts_add(book_code, code, name_zh, name_en, type_, parent, cash, username):
    """Add an account."""
    with cli_work(username) as uow:
        uow.run(book_service.add_account, access.get_book(uow.session, book_code), code, name_zh, name_en or name_zh,
                type_, parent, cash)
    click.echo(f"added {code}")


@accounts_group.command("rename")
@click.option("--book", "book_code", required=True)
@click.argument("code")
@click.option("--name-zh", required=True)
@click.option("--name-en", default="")
@click.option("--as", "username", default=None)
@refusals
def accounts_rename(book_code, code, name_zh, name_en, username):
    """Rename an account (its code, and so the hash chain, stay as they are)."""
    with cli_work(username) as uow:
        uow.run(book_service.rename_account, access.get_book(uow.session, book_code), code, name_zh, name_en or name_zh)
    click.echo(f"renamed {code}")


@accounts_group.command("deactivate")
@click.option("--book", "book_code", required=True)
@click.argument("code")
@click.option("--as", "username", default=None)
@refusals
def accounts_deactivate(book_code, code, username):
    """Stop new entries from using an account; a used account is never deleted."""
    with cli_work(username) as uow:
        uow.run(book_service.set_account_active, access.get_book(uow.session, book_code), code, False)
    click.echo(f"deactivated {code}")


@main.group("funds")
def funds_group():
    """A book's funds."""


@funds_group.command("add")
@click.option("--book", "book_code", required=True)
@click.argument("code")
@click.option("--name-zh", required=True)
@click.option("--name-en", default="")
@click.option("--restricted", is_flag=True, help="May never spend more cash than it holds.")
@click.option("--as", "username", default=None)
@refusals
def funds_add(book_code, code, name_zh, name_en, restricted, username):
    """Add a fund."""
    with cli_work(username) as uow:
        uow.run(book_service.add_fund, access.get_book(uow.session, book_code), code, name_zh, name_en or name_zh,
                restricted)
    click.echo(f"added fund {code}")


@main.command("publish")
@click.option("--book", "book_code", required=True)
@click.option("--period", required=True, metavar="YYYY-MM")
@click.option("--as", "username", default=None, help="Committee member publishing (default: system).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def publish(book_code, period, username, fmt):
    """Publish a closed month (公示): freeze its statements, entries and voucher pages in a signed manifest."""
    from .services import publications

    year, month = parse_period(period)
    with cli_work(username, vouchers=True) as uow, \
            tqdm(total=len(publications.PUBLISH_STEPS), desc=f"公示 publishing {book_code} {period}", unit="step",
                 disable=None, file=sys.stderr) as bar:  # on a terminal only; stdout stays the result
        book = access.get_book(uow.session, book_code)

        def progress(step: str) -> None:
            bar.set_postfix_str(step)
            bar.update(1)

        pub = uow.run(publications.publish, book, year, month, uow.store, config.publications_dir(), progress)
        out = {"book": book.code, "period": pub.period, "version": pub.version, "id": pub.id,
               "chain_seq": pub.chain_seq, "chain_head": pub.chain_head, "manifest_sha256": pub.manifest_sha256,
               "folder": str(config.publications_dir() / pub.folder)}
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        click.echo(f"published {out['book']} {out['period']} v{out['version']}: manifest {out['manifest_sha256']}, "
                   f"chain head {out['chain_head']} ({out['chain_seq']} entries), {out['folder']}")


@main.group("publications")
def publications_group():
    """Published months."""


@publications_group.command("list")
@click.option("--book", "book_code", required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def publications_list(book_code, fmt):
    """A book's publications, newest first; a superseded one says so."""
    from .services import publications

    with cli_session() as session:
        book = access.get_book(session, book_code)
        superseded = publications.superseded_ids(session, book)
        rows = [{"period": p.period, "version": p.version, "superseded": p.id in superseded,
                 "published_at": p.published_at.isoformat(timespec="seconds"), "chain_head": p.chain_head,
                 "manifest_sha256": p.manifest_sha256,
                 "opinions": [o.kind for o in publications.opinions_of(session, p)]}
                for p in publications.publications_of(session, book)]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['period']} v{r['version']}{' (superseded)' if r['superseded'] else ''}  {r['published_at']}  "
                       f"{r['manifest_sha256']}")


@publications_group.command("export")
@click.option("--book", "book_code", required=True)
@click.option("--period", required=True, metavar="YYYY-MM")
@click.option("--version", type=int, default=None, help="Default: the newest.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@refusals
def publications_export(book_code, period, version, out_dir):
    """Write a publication, its manifest and signature, and verify.py (run `python3 verify.py` in it)."""
    from .services import publications

    year, month = parse_period(period)
    with cli_session() as session:
        pub = publications.get_publication(session, access.get_book(session, book_code), year, month, version)
        publications.export(pub, config.publications_dir(), out_dir)
        said = f"{pub.period} v{pub.version}"
    click.echo(f"wrote {said} to {out_dir}; check it with: python3 {out_dir / 'verify.py'}")


@main.group("public")
def public_group():
    """The public disclosure site."""


@public_group.command("export-static")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="An empty or new folder.")
@click.option("--base-url", default=None, metavar="URL", help="Where the copy will be served, for og:url (e.g. https://gongshi.example.cn).")
@refusals
def public_export_static(out_dir, base_url):
    """Write the whole public site as static files (pages, files, export zips, verify.py) into an empty folder."""
    from public_site import create_app
    from public_site.static_export import export_static

    app = create_app({"PUBLIC_BASE_URL": base_url} if base_url else None)
    try:
        written = export_static(app, out_dir)
    finally:
        app.extensions["ledger_engine"].dispose()
    click.echo(f"wrote {len(written)} pages and files to {out_dir}; serve it with any static web server, "
               f"e.g. python3 -m http.server -d {out_dir}")


from .cli_tokens import tokens as tokens_group  # noqa: E402  (a group of its own module)

main.add_command(tokens_group)

# Trust-property operations, each in a module of its own.
from .cli_register import units as units_group, resolutions as resolutions_group  # noqa: E402

main.add_command(units_group)
main.add_command(resolutions_group)

from .cli_billing import billing as billing_group  # noqa: E402

main.add_command(billing_group)

from .cli_bank import bank as bank_group  # noqa: E402

main.add_command(bank_group)

from .cli_trust import remuneration as remuneration_group, budget as budget_group, revenues as revenues_group  # noqa: E402

main.add_command(remuneration_group)
main.add_command(budget_group)
main.add_command(revenues_group)

from .cli_matching import matching_group  # noqa: E402

main.add_command(matching_group)

from .cli_projects import projects_group  # noqa: E402  (micro-projects and matching, issue 10)

main.add_command(projects_group)
from .cli_grants import grants_group  # noqa: E402  (a fund book's grants, issue 10)

main.add_command(grants_group)
