"""`ledger` commands for units register and owners' resolutions."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .cli_common import cli_work, refusals
from .domain.errors import InvalidInput
from .domain.money import fen_to_str, to_fen
from .services import access

units = click.Group("units", help="The units and owners register (房屋与业主): import, export, list. Private.")

resolutions = click.Group("resolutions", help="Owners' resolutions (业主大会决定), tallied by Civil Code Art. 278.")

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@units.command("import")
@click.argument("path", type=_FILE)
@click.option("--book", "book_code", required=True)
@click.option("--as", "username", default=None, help="Who imports (default: system).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def units_import(path, book_code, username, fmt):
    """Add or update units and their owners from XLSX or CSV; a file with any bad row imports nothing."""
    from .services import register

    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        result = uow.run(register.import_units, book, path.read_bytes(), path.name)
    out = {"added": result.added, "updated": result.updated, "unchanged": result.unchanged,
           "owners_added": result.owners_added}
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        click.echo(f"added {result.added}, updated {result.updated}, unchanged {result.unchanged} units; "
                   f"{result.owners_added} new owners")


@units.command("export")
@click.option("--book", "book_code", required=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="FILE.xlsx or FILE.csv (private: names and phones).")
@click.option("--as", "username", default=None)
@refusals
def units_export(book_code, out_path, username):
    """Write the register (names and phones: for the committee only) in the import's columns."""
    from .services import register

    fmt = out_path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput("输出文件应以 .xlsx 或 .csv 结尾", "the output file must end in .xlsx or .csv", "out")
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        data = uow.run(register.export_register, book, fmt)
    out_path.write_bytes(data)
    click.echo(f"wrote the register of {book_code} to {out_path}")


@units.command("list")
@click.option("--book", "book_code", required=True)
@click.option("--as", "username", default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@refusals
def units_list(book_code, username, fmt):
    """The register's units with their owners, and its totals."""
    from .services import register

    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        rows = register.listing(uow.session, uow.actor, book)
        t = register.totals(uow.session, book)
        off = [{"unit": o.unit.label, "area_m2": o.area, "from": o.since.isoformat(), "reason": o.reason,
                "back_from": o.back_from.isoformat() if o.back_from else None}
               for o in register.off_register(uow.session, book)]
    if fmt == "json":
        click.echo(json.dumps({"units": rows, "totals": {"units": t.units, "owners": t.owners, "area_m2": t.area},
                               "off_register": off}, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['label']}\t{r['area_m2']}\t{r['use']}\t" + "、".join(o["name"] for o in r["owners"]))
    click.echo(f"{t.units} units, {t.owners} owners, {t.area} m2")
    for o in off:
        click.echo(f"off the register: {o['unit']} from {o['from']} ({o['reason']})"
                   + (f", back from {o['back_from']}" if o["back_from"] else ""))


def _unit_status(book_code, unit, effective_from, reason, username, active):
    from .services import register

    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        change = uow.run(register.set_unit_active, book, unit, active, effective_from, reason)
        day = change.effective_from.isoformat()
    click.echo(f"{unit} is back on the register from {day}" if active else f"{unit} is off the register from {day}")


@units.command("deactivate")
@click.option("--book", "book_code", required=True)
@click.option("--unit", required=True, help="The unit, e.g. 1-101.")
@click.option("--from", "effective_from", required=True, metavar="YYYY-MM-01",
              help="The first month it is no longer billed.")
@click.option("--reason", required=True, help="Sold and merged, demolished, entered in error...")
@click.option("--as", "username", default=None)
@refusals
def units_deactivate(book_code, unit, effective_from, reason, username):
    """Take a unit off the register from a month on (no bills, no vote, no refund share); refused while it has open
    fees or a prepayment."""
    _unit_status(book_code, unit, effective_from, reason, username, False)


@units.command("reactivate")
@click.option("--book", "book_code", required=True)
@click.option("--unit", required=True, help="The unit, e.g. 1-101.")
@click.option("--from", "effective_from", required=True, metavar="YYYY-MM-01", help="The first month it is billed again.")
@click.option("--reason", required=True)
@click.option("--as", "username", default=None)
@refusals
def units_reactivate(book_code, unit, effective_from, reason, username):
    """Put a unit back on the register from a month not yet billed."""
    _unit_status(book_code, unit, effective_from, reason, username, True)


def _tally_text(d: dict) -> str:
    p, a = d["participation"], d["approval"]
    return (f"participation: area {p['area']['fraction']} ({p['area']['percent']}), owners {p['owners']['fraction']} "
            f"({p['owners']['percent']}), needs 2/3: {'met' if p['met'] else 'NOT met'}\n"
            f"approval ({d['matter']}): area {a['area']['fraction']} ({a['area']['percent']}), owners "
            f"{a['owners']['fraction']} ({a['owners']['percent']}), needs {a['required']}: {'met' if a['met'] else 'NOT met'}\n"
            f"passed: {str(d['passed']).lower()}")


@resolutions.command("tally")
@click.option("--book", "book_code", required=True)
@click.option("--file", "path", type=_FILE, required=True, help="VOTES.csv: columns unit (3-1201), vote.")
@click.option("--matter", type=click.Choice(["ordinary", "special"]), required=True)
@click.option("--as", "username", default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def resolutions_tally(book_code, path, matter, username, fmt):
    """Participation and approval by area and by owners (exact fractions), and whether it passes; records nothing."""
    from .services import resolutions as service

    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        d = service.tally_file(uow.session, uow.actor, book, path.read_bytes(), path.name, matter).to_dict()
    click.echo(json.dumps(d, ensure_ascii=False, indent=2) if fmt == "json" else _tally_text(d))


@resolutions.command("record")
@click.option("--book", "book_code", required=True)
@click.option("--title", required=True)
@click.option("--matter", type=click.Choice(["ordinary", "special"]), required=True)
@click.option("--file", "path", type=_FILE, required=True)
@click.option("--held-on", "held_on", required=True, metavar="YYYY-MM-DD")
@click.option("--as", "username", default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def resolutions_record(book_code, title, matter, path, held_on, username, fmt):
    """Record a resolution and its per-unit votes (append-only); passed or failed as the votes decide."""
    from .services import resolutions as service

    try:
        day = dt.date.fromisoformat(held_on)
    except ValueError:
        raise InvalidInput(f"日期“{held_on}”应为 YYYY-MM-DD", f"date '{held_on}' must be YYYY-MM-DD", "held_on") from None
    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        r = uow.run(service.record, book, title, matter, day, path.read_bytes(), path.name)
        out = {"id": r.id, "title": r.title, "matter": r.matter, "held_on": r.held_on.isoformat(), "status": r.status,
               "tally": service.tally_of(r)}
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        click.echo(f"recorded resolution {out['id']}: {out['status']}\n" + _tally_text(out["tally"]))


@resolutions.command("list")
@click.option("--book", "book_code", required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@refusals
def resolutions_list(book_code, fmt):
    """The book's recorded resolutions."""
    from .services import resolutions as service

    with cli_work() as uow:
        book = access.get_book(uow.session, book_code)
        rows = [{"id": r.id, "title": r.title, "matter": r.matter, "held_on": r.held_on.isoformat(), "status": r.status}
                for r in service.resolutions_of(uow.session, book)]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['id']}\t{r['held_on']}\t{r['matter']}\t{r['status']}\t{r['title']}")


@resolutions.command("threshold")
@click.option("--book", "book_code", required=True)
@click.option("--amount", default=None, help="Yuan, e.g. 50000.00; leave out (or 'none') to remove the threshold.")
@click.option("--as", "username", default=None)
@refusals
def resolutions_threshold(book_code, amount, username):
    """Set the expense above which an entry must reference a passed owners' resolution."""
    from .services import resolutions as service

    fen = None if amount in (None, "", "none") else to_fen(amount, "amount")
    with cli_work(username) as uow:
        uow.run(service.set_threshold, access.get_book(uow.session, book_code), fen)
    click.echo(f"threshold of {book_code}: " + (fen_to_str(fen) if fen is not None else "none"))


@resolutions.command("link")
@click.option("--book", "book_code", required=True)
@click.option("--entry", "entry_id", type=int, required=True)
@click.option("--resolution", "resolution_id", type=int, required=True)
@click.option("--as", "username", default=None)
@refusals
def resolutions_link(book_code, entry_id, resolution_id, username):
    """Reference a passed resolution from a draft or rejected entry."""
    from .services import entries
    from .services import resolutions as service

    with cli_work(username) as uow:
        book = access.get_book(uow.session, book_code)
        uow.run(service.link, book, entries.get_entry(uow.session, book, entry_id), resolution_id)
    click.echo(f"entry {entry_id} now references resolution {resolution_id}")
