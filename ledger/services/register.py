"""The units and owners register (房屋与业主): import from CSV or XLSX, list, export. Private to the back office."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..db.schema import Book, Entry, EntryUnit, Owner, Unit, UnitAccessCode, UnitOwner, UnitStatusChange, User, utcnow
from ..domain import register as reg
from ..domain.cells import safe_row
from ..domain.errors import InvalidInput, InvalidState
from ..domain.model import EntryStatus, parse_date
from ..domain.money import format_fen
from ..domain.permissions import Action
from ..domain.text import first_control
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
    # A unit taken off the register comes back only by being put back (from a date), never by an import.
    history = status_history(session, book)
    today = dt.date.today()
    off = [reg.Problem(row.row, "unit", f"房屋 {row.label} 已停用（自 {history[u.id][-1][0]} 起），请先在名册中恢复它",
                       f"unit {row.label} is off the register (from {history[u.id][-1][0]}); put it back on the "
                       "register first")
           for row in rows if (u := units.get((row.building, row.number))) is not None
           and not reg.active_on(history.get(u.id, []), today, u.active) and history.get(u.id)]
    if off:
        raise reg.RegisterFileError(off)
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
            same = (unit.area_centi_m2 == row.area_centi_m2 and unit.use == row.use
                    and [o.id for o in unit.owners] == sorted(o.id for o in wanted))
            if same:
                unchanged += 1
                continue
            unit.area_centi_m2, unit.use = row.area_centi_m2, row.use
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


def status_history(session: Session, book: Book) -> dict[int, list[tuple[dt.date, bool]]]:
    """unit id -> its status changes (effective date, active) in date order."""
    out: dict[int, list[tuple[dt.date, bool]]] = defaultdict(list)
    for unit_id, since, active in session.execute(
            select(UnitStatusChange.unit_id, UnitStatusChange.effective_from, UnitStatusChange.active)
            .where(UnitStatusChange.book_id == book.id).order_by(UnitStatusChange.effective_from, UnitStatusChange.id)):
        out[unit_id].append((since, bool(active)))
    return out


def active_ids_on(session: Session, book: Book, day: dt.date) -> set[int]:
    """The ids of the units on the register on `day` (billing, refunds and votes ask this)."""
    history = status_history(session, book)
    return {uid for uid, active in session.execute(select(Unit.id, Unit.active).where(Unit.book_id == book.id))
            if reg.active_on(history.get(uid, []), day, active)}


def units_of(session: Session, book: Book, on: dt.date | None = None) -> list[Unit]:
    """The units on the register on `on` (today by default), by building and number."""
    ids = active_ids_on(session, book, on or dt.date.today())
    return [u for u in session.scalars(select(Unit).where(Unit.book_id == book.id).order_by(Unit.building, Unit.number))
            if u.id in ids]


@dataclass
class OffRegister:
    unit: Unit
    since: dt.date  # off the register from this day on
    reason: str
    back_from: dt.date | None = None  # put back from this (later) day, when that is already decided

    @property
    def area(self) -> str:
        return reg.format_area(self.unit.area_centi_m2)


def off_register(session: Session, book: Book, on: dt.date | None = None) -> list[OffRegister]:
    """Units off the register on `on` (today by default), or to be taken off later, with the day and the reason."""
    on = on or dt.date.today()
    history = status_history(session, book)
    reasons = {(r.unit_id, r.effective_from): r.reason for r in session.scalars(
        select(UnitStatusChange).where(UnitStatusChange.book_id == book.id))}
    out = []
    for u in session.scalars(select(Unit).where(Unit.book_id == book.id).order_by(Unit.building, Unit.number)):
        changes = history.get(u.id, [])
        if not changes:
            continue
        last_off = next((c for c in reversed(changes) if not c[1]), None)
        if last_off is None:
            continue
        back = next((c[0] for c in changes if c[1] and c[0] > last_off[0]), None)
        if back is not None and back <= on:
            continue  # taken off and put back again: on the register
        out.append(OffRegister(u, last_off[0], reasons.get((u.id, last_off[0]), ""), back))
    return out


def _month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _billed_months(session: Session, book: Book, unit: Unit | None = None) -> list[tuple[int, int, str]]:
    """(year, month, entry number or #id) of the billing runs not rejected, of the book or charging the unit."""
    q = (select(EntryUnit.billed_year, EntryUnit.billed_month, Entry.number, Entry.id)
         .join(Entry, Entry.id == EntryUnit.entry_id)
         .where(Entry.book_id == book.id, Entry.source == "billing", Entry.status != EntryStatus.REJECTED.value,
                EntryUnit.billed_year.is_not(None)))
    if unit is not None:
        q = q.where(EntryUnit.unit_id == unit.id)
    return sorted({(y, m, number or f"#{eid}") for y, m, number, eid in session.execute(q)})


def set_unit_active(session: Session, actor: User, book: Book, unit_label: str, active: bool, effective_from,
                    reason: str) -> UnitStatusChange:
    """Take a unit off the register (sold and merged, demolished, entered in error) or put it back, from the first
    day of a month on. Off the register, a unit is not billed, has no vote and gets no share of a refund; its fee
    history stays. Refused while it holds open fees or a prepayment (the amounts are said), while an entry that
    moves its fees awaits approval, or when a month from that day on is already billed (with the unit, for taking
    it off; without it, for putting it back). A new change is never dated before the unit's last one."""
    from .billing import UNIT_SOURCES, balances, find_unit

    require(session, actor, Action.KEEP_REGISTER, book)
    field = "from"
    effective_from = parse_date(effective_from, field)
    if effective_from.day != 1:
        raise InvalidInput("停用或恢复须从某月1日起生效（物业费按月计收）",
                           "a unit goes off or back on the register from the first day of a month (fees are monthly)",
                           field)
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 200 or first_control(reason) is not None:
        raise InvalidInput("请写明原因（最多200字）", "give the reason (200 characters at most)", "reason")
    lock_book(session, book)
    unit = find_unit(session, book, unit_label)
    session.refresh(unit)
    changes = status_history(session, book).get(unit.id, [])
    standing = changes[-1][1] if changes else unit.active
    label = unit.label
    if standing == active:
        raise InvalidState(f"房屋 {label} 已在名册中" if active else f"房屋 {label} 已停用",
                           f"unit {label} is already on the register" if active else f"unit {label} is already off the register",
                           "unit")
    if changes and effective_from < changes[-1][0]:  # the same day undoes a change made in error
        raise InvalidInput(f"房屋 {label} 上次变更自 {changes[-1][0]} 起生效，新的变更不能早于该日",
                           f"unit {label}'s last change took effect on {changes[-1][0]}; a new one cannot be dated "
                           "before it", field)
    start = (effective_from.year, effective_from.month)
    if active:
        billed = [b for b in _billed_months(session, book) if (b[0], b[1]) >= start]
        if billed:
            y, m, number = billed[-1]
            nxt = _month_label(y + m // 12, m % 12 + 1)
            raise InvalidState(
                f"{_month_label(y, m)} 已生成物业费账单（{number}），其中没有房屋 {label}；请从 {nxt}-01 起恢复",
                f"{_month_label(y, m)} is already billed ({number}) without unit {label}; put it back from {nxt}-01",
                field)
    else:
        billed = [b for b in _billed_months(session, book, unit) if (b[0], b[1]) >= start]
        if billed:
            y, m, number = billed[-1]
            nxt = _month_label(y + m // 12, m % 12 + 1)
            raise InvalidState(
                f"房屋 {label} 已计收 {_month_label(y, m)} 物业费（{number}）；请从 {nxt}-01 起停用，或先冲销该账单",
                f"unit {label} is billed for {_month_label(y, m)} ({number}); take it off from {nxt}-01, or reverse that "
                "bill first", field)
        receivable, prepaid = balances(session, book).get(unit.id, (0, 0))
        if receivable or prepaid:
            raise InvalidState(
                f"房屋 {label} 尚有应收物业费 {format_fen(receivable)} 元、预收款 {format_fen(prepaid)} 元，不能停用："
                "请先收清欠费，预收款由以后的账单抵扣完毕",
                f"unit {label} still has {format_fen(receivable)} yuan of open fees and {format_fen(prepaid)} yuan prepaid, "
                "so it cannot go off the register: collect the open fees first, and let billing use up the prepayment",
                "unit")
        waiting = session.execute(
            select(Entry.id, Entry.number, Entry.status).join(EntryUnit, EntryUnit.entry_id == Entry.id)
            .where(Entry.book_id == book.id, EntryUnit.unit_id == unit.id, Entry.source.in_(UNIT_SOURCES),
                   Entry.status.in_((EntryStatus.DRAFT.value, EntryStatus.SUBMITTED.value))).limit(1)).first()
        if waiting is not None:
            raise InvalidState(
                f"凭证 #{waiting.id} 涉及房屋 {label} 的物业费，尚待审批；请先审批或退回它",
                f"entry #{waiting.id} moves unit {label}'s fees and awaits approval; approve or reject it first", "unit")
    change = UnitStatusChange(book_id=book.id, unit_id=unit.id, active=active, effective_from=effective_from,
                              reason=reason, created_by_id=actor.id)
    session.add(change)
    unit.active = active
    revoked = 0
    if not active:  # the unit's access code opens nothing any more
        now = utcnow()
        for code in session.scalars(select(UnitAccessCode).where(UnitAccessCode.unit_id == unit.id,
                                                                  UnitAccessCode.revoked_at.is_(None))):
            code.revoked_at, code.revoked_by_id = now, actor.id
            revoked += 1
    session.flush()
    audit(session, actor, book, "register.unit_back" if active else "register.unit_off", f"unit:{unit.id}", unit=label,
          effective_from=effective_from.isoformat(), reason=reason, **({"codes_revoked": revoked} if revoked else {}))
    return change


@dataclass
class Totals:
    units: int
    owners: int
    area_centi_m2: int

    @property
    def area(self) -> str:
        return reg.format_area(self.area_centi_m2)


def totals(session: Session, book: Book, on: dt.date | None = None) -> Totals:
    """Units, owners (an owner of several units once; the developer once) and floor area of the register on `on`
    (today by default): units off the register count for nothing."""
    units = units_of(session, book, on)
    owners = {o.id for u in units for o in u.owners}
    return Totals(len(units), len(owners), sum(u.area_centi_m2 for u in units))


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
