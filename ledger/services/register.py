"""The units and owners register (房屋与业主): import from CSV or XLSX, list, export. Private to the back office."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..db.schema import Book, Owner, Unit, UnitOwner, User
from ..domain import register as reg
from ..domain.cells import safe_row
from ..domain.errors import InvalidInput
from ..domain.permissions import Action
from .access import audit, record_export, require
from .posting import lock_book

MAX_BYTES = 20 << 20


def _cell_text(value) -> str:
    """A spreadsheet cell as the text a person typed: 89.37 (a float in XLSX) as '89.37', never a float's tail."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)  # the shortest repr gives back what was typed: 89.37, 13800138000.0
        d = Decimal(text)
        return str(int(d)) if d == d.to_integral_value() and "e" not in text.lower() else text
    return str(value)


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The rows of a CSV (UTF-8 with or without BOM, or GBK) or XLSX file, cells as text."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("文件过大（最多 20 MB）", "the file is too large (20 MB at most)", "file")
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds on a broken file
            raise InvalidInput("无法读取该 XLSX 文件", f"cannot read this XLSX file ({type(e).__name__})", "file") from e
        sheet = book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes nearly anything; kept for clarity
        raise InvalidInput("文件编码无法识别（应为 UTF-8 或 GBK）", "unknown encoding (UTF-8 or GBK expected)", "file")
    if "\x00" in text:
        raise InvalidInput("文件含有空字符", "the file contains NUL characters", "file")
    return [row for row in csv.reader(io.StringIO(text))]


@dataclass
class ImportResult:
    added: int
    updated: int
    unchanged: int
    owners_added: int


def _owners_by_identity(session: Session, book: Book) -> dict[tuple, Owner]:
    found: dict[tuple, Owner] = {}
    for owner in session.scalars(select(Owner).where(Owner.book_id == book.id).order_by(Owner.id)):
        key = reg.OwnerKey(owner.name, owner.phone, owner.kind).identity
        found.setdefault(key, owner)
    return found


def import_units(session: Session, actor: User, book: Book, data: bytes, filename: str) -> ImportResult:
    """Add the file's units and update those already registered (same building and number) with their owners.
    All or nothing: a file with any bad row changes nothing (RegisterFileError lists every problem)."""
    require(session, actor, Action.KEEP_REGISTER, book)
    rows = reg.parse_rows(read_table(data, filename))
    lock_book(session, book)
    owners = _owners_by_identity(session, book)
    units = {(u.building, u.number): u for u in session.scalars(select(Unit).where(Unit.book_id == book.id))}
    added = updated = unchanged = owners_added = 0
    for row in rows:
        wanted: list[Owner] = []
        for key in row.owners:
            owner = owners.get(key.identity)
            if owner is None:
                owner = Owner(book_id=book.id, name=key.name, phone=key.phone, kind=key.kind)
                session.add(owner)
                owners[key.identity] = owner
                owners_added += 1
            wanted.append(owner)
        session.flush()
        unit = units.get((row.building, row.number))
        if unit is None:
            unit = Unit(book_id=book.id, building=row.building, number=row.number, area_centi_m2=row.area_centi_m2,
                        use=row.use, active=True)
            session.add(unit)
            session.flush()
            added += 1
        else:
            same = (unit.area_centi_m2 == row.area_centi_m2 and unit.use == row.use and unit.active
                    and [o.id for o in unit.owners] == sorted(o.id for o in wanted))
            if same:
                unchanged += 1
                continue
            unit.area_centi_m2, unit.use, unit.active = row.area_centi_m2, row.use, True
            session.execute(delete(UnitOwner).where(UnitOwner.unit_id == unit.id))
            updated += 1
        for owner in wanted:
            session.add(UnitOwner(unit_id=unit.id, owner_id=owner.id))
        session.flush()
        session.expire(unit, ["owners"])
    result = ImportResult(added, updated, unchanged, owners_added)
    audit(session, actor, book, "register_import", filename[:100], added=added, updated=updated, unchanged=unchanged,
          owners_added=owners_added)
    return result


def units_of(session: Session, book: Book) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.book_id == book.id, Unit.active.is_(True))
                                .order_by(Unit.building, Unit.number)))


@dataclass
class Totals:
    units: int
    owners: int
    area_centi_m2: int

    @property
    def area(self) -> str:
        return reg.format_area(self.area_centi_m2)


def totals(session: Session, book: Book) -> Totals:
    """Units, owners (an owner of several units once; the developer once) and floor area of the register."""
    units, area = session.execute(select(func.count(Unit.id), func.coalesce(func.sum(Unit.area_centi_m2), 0))
                                  .where(Unit.book_id == book.id, Unit.active.is_(True))).one()
    owners = session.scalar(select(func.count(func.distinct(UnitOwner.owner_id))).join(Unit, Unit.id == UnitOwner.unit_id)
                            .where(Unit.book_id == book.id, Unit.active.is_(True)))
    return Totals(units, owners or 0, int(area))


def listing(session: Session, actor: User, book: Book) -> list[dict]:
    """The register as rows (names and phones included: for those who may read the register)."""
    require(session, actor, Action.READ_REGISTER, book)
    return [{"building": u.building, "unit": u.number, "label": u.label, "area_m2": reg.format_area(u.area_centi_m2),
             "use": u.use, "owners": [{"name": o.name, "phone": o.phone, "kind": o.kind} for o in u.owners]}
            for u in units_of(session, book)]


EXPORT_HEADER = ["楼栋", "房号", "建筑面积", "用途", "业主", "电话"]


def export_register(session: Session, actor: User, book: Book, fmt: str) -> bytes:
    """The register as CSV (UTF-8 with BOM, for Excel) or XLSX, in the import's own columns, so it can be edited and
    imported again. Private: for the committee; on record in the audit log. No cell can start a formula."""
    require(session, actor, Action.READ_REGISTER, book)
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput("导出格式应为 csv 或 xlsx", "the export format must be csv or xlsx", "format")
    rows = []
    for u in units_of(session, book):
        rows.append([u.building, u.number, reg.format_area(u.area_centi_m2), reg.USE_ZH.get(u.use, u.use),
                     reg.SEPARATOR.join(o.name for o in u.owners),
                     reg.SEPARATOR.join(o.phone for o in u.owners) if any(o.phone for o in u.owners) else ""])
    record_export(session, actor, book, "register", fmt, len(rows))
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_HEADER)
        for row in rows:
            writer.writerow(safe_row(row))
        return out.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "房屋与业主"
    ws.append(EXPORT_HEADER)
    for row in rows:
        row = safe_row(row)
        row[2] = Decimal(row[2])  # the area as a number the committee can sum
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
