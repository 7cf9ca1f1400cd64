"""The units register (房屋与业主) as a file: its columns, the rows read and checked, owners told apart.

Pure: the service reads the file (CSV or XLSX) into rows of text and hands them here. Every problem of every row
is collected (row number as the spreadsheet shows it, the header being row 1, and the column), and a file with any
problem imports nothing.

Owners: several owners of one unit are separated by 、 in the owner column, their phones likewise in the phone
column (one phone per owner, in the same order, or none). A person is told apart by name and phone: the same
name and phone on several units is one owner. The developer (开发商, or "developer") is one owner for all its
unsold units whatever phone is written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .cells import FORMULA_STARTS
from .errors import InvalidInput

# column key -> the headers accepted for it (compared without spaces, case-insensitive)
COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("building", "楼栋"),
    "unit": ("unit", "房号"),
    "area_m2": ("area_m2", "建筑面积", "建筑面积(㎡)", "建筑面积（㎡）", "面积"),
    "use": ("use", "用途"),
    "owner": ("owner", "业主"),
    "phone": ("phone", "电话"),
}
COLUMN_NAMES = {"building": "楼栋", "unit": "房号", "area_m2": "建筑面积", "use": "用途", "owner": "业主", "phone": "电话"}
REQUIRED = ("building", "unit", "area_m2", "use", "owner")
USES = {"residential": "residential", "住宅": "residential", "shop": "shop", "商铺": "shop", "商业": "shop",
        "parking": "parking", "车位": "parking"}
USE_ZH = {"residential": "住宅", "shop": "商铺", "parking": "车位"}
DEVELOPER_NAMES = ("开发商", "developer")
SEPARATOR = "、"
_AREA = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,2})?\Z")
_PHONE = re.compile(r"[0-9+\- ()]{0,32}\Z")


@dataclass(frozen=True)
class OwnerKey:
    """Who an owner is: a person by name and phone; the developer, once per book."""

    name: str
    phone: str
    kind: str = "person"  # "person" | "developer"

    @property
    def identity(self) -> tuple:
        return ("developer",) if self.kind == "developer" else ("person", self.name, self.phone)


@dataclass(frozen=True)
class UnitRow:
    row: int  # the spreadsheet's row number
    building: str
    number: str
    area_centi_m2: int
    use: str
    owners: tuple[OwnerKey, ...]

    @property
    def label(self) -> str:
        return f"{self.building}-{self.number}"


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = f"第{self.row}行“{COLUMN_NAMES.get(self.column, self.column)}”列"
        return f"{where}：{self.message_zh} / row {self.row}, column {self.column}: {self.message_en}"


class RegisterFileError(InvalidInput):
    """A register file with bad rows: every problem is listed; nothing was imported."""

    code = "register_file_invalid"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = problems[:20]
        more = len(problems) - len(shown)
        zh = "名册文件有误，未导入任何内容：\n" + "\n".join(
            f"第{p.row}行“{COLUMN_NAMES.get(p.column, p.column)}”列：{p.message_zh}" for p in shown)
        en = "the register file has errors; nothing was imported:\n" + "\n".join(
            f"row {p.row}, column {p.column}: {p.message_en}" for p in shown)
        if more:
            zh += f"\n……另有 {more} 处"
            en += f"\n... and {more} more"
        first = problems[0]
        super().__init__(zh, en, f"rows[{first.row}].{first.column}")


def is_developer(name: str) -> bool:
    return name.strip().lower().startswith(DEVELOPER_NAMES)


def map_header(header: list[str]) -> dict[str, int]:
    """Column key -> index in the header; refuses a header lacking a required column, or naming one twice."""
    found: dict[str, int] = {}
    wanted = {re.sub(r"\s+", "", name).lower(): key for key, names in COLUMNS.items() for name in names}
    problems = []
    for i, cell in enumerate(header):
        key = wanted.get(re.sub(r"\s+", "", str(cell or "")).lower())
        if key is None:
            continue
        if key in found:
            problems.append(Problem(1, key, "该列出现了两次", "this column appears twice"))
        found[key] = i
    for key in REQUIRED:
        if key not in found:
            problems.append(Problem(1, key, f"缺少“{COLUMN_NAMES[key]}”列（或 {key}）",
                                    f"the column {key} (or {COLUMN_NAMES[key]}) is missing"))
    if problems:
        raise RegisterFileError(problems)
    return found


def parse_area(text: str) -> int:
    """'89.37' -> 8937 hundredths of a square metre; at most two decimals, exactly (never rounded)."""
    text = text.strip().replace(",", "")
    if not _AREA.match(text):
        raise ValueError(text)
    value = Decimal(text) * 100
    if value <= 0:
        raise ValueError(text)
    return int(value)


def format_area(centi: int) -> str:
    return f"{centi // 100}.{centi % 100:02d}"


def _text(value) -> str:
    """A cell as text; the apostrophe our own exports put before a formula-like start is taken off again."""
    text = str(value).strip() if value is not None else ""
    if text.startswith("'") and text[1:2] in FORMULA_STARTS:
        text = text[1:].strip()
    return text


def parse_rows(rows: list[list[str]]) -> list[UnitRow]:
    """The file's rows (header first, cells as text) -> the units, or RegisterFileError naming every bad cell."""
    if not rows:
        raise RegisterFileError([Problem(1, "building", "文件是空的", "the file is empty")])
    columns = map_header(rows[0])
    out: list[UnitRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(rows[1:], start=2):
        cells = {key: _text(raw[i] if i < len(raw) else None) for key, i in columns.items()}
        if not any(cells.values()):
            continue  # a blank line
        bad = []

        def refuse(column, zh, en):
            bad.append(Problem(index, column, zh, en))

        for key in REQUIRED:
            if not cells[key]:
                refuse(key, "不能为空", "must not be empty")
        for key in ("building", "unit"):
            if len(cells[key]) > 32 or "\x00" in cells[key]:
                refuse(key, "过长或含非法字符（最多32字）", "too long or has a forbidden character (32 at most)")
        area = 0
        if cells["area_m2"]:
            try:
                area = parse_area(cells["area_m2"])
            except (ValueError, InvalidOperation):
                refuse("area_m2", f"面积“{cells['area_m2']}”应为正数，最多两位小数（如 89.37）",
                       f"area '{cells['area_m2']}' must be a positive number with at most two decimals (e.g. 89.37)")
        use = USES.get(cells["use"].lower()) if cells["use"] else None
        if cells["use"] and use is None:
            refuse("use", f"用途“{cells['use']}”应为 住宅、商铺 或 车位",
                   f"use '{cells['use']}' must be residential, shop or parking (住宅/商铺/车位)")
        names = [n.strip() for n in cells["owner"].split(SEPARATOR)] if cells["owner"] else []
        phones = [p.strip() for p in cells.get("phone", "").split(SEPARATOR)] if cells.get("phone") else []
        owners: list[OwnerKey] = []
        if names and any(not n for n in names):
            refuse("owner", "业主姓名之间多了一个“、”", "an empty name between the 、 separators")
        elif any(len(n) > 100 or "\x00" in n for n in names):
            refuse("owner", "业主姓名过长（最多100字）", "an owner's name is too long (100 characters at most)")
        elif phones and len(phones) != len(names):
            refuse("phone", f"有 {len(names)} 位业主却有 {len(phones)} 个电话（用“、”分隔，一一对应）",
                   f"{len(names)} owners but {len(phones)} phones (separate them with 、, one per owner)")
        elif any(not _PHONE.match(p) for p in phones):
            refuse("phone", "电话只能含数字、空格、+、-、括号", "a phone may hold only digits, spaces, +, - and brackets")
        else:
            for i, name in enumerate(names):
                phone = phones[i] if phones else ""
                owners.append(OwnerKey(name, phone, "developer") if is_developer(name) else OwnerKey(name, phone))
            if len({o.identity for o in owners}) != len(owners):
                refuse("owner", "同一业主在本行出现两次", "the same owner appears twice in this row")
        key = (cells["building"], cells["unit"])
        if cells["building"] and cells["unit"]:
            if key in seen:
                refuse("unit", f"房屋 {key[0]}-{key[1]} 已在第{seen[key]}行出现", f"unit {key[0]}-{key[1]} is already on row {seen[key]}")
            else:
                seen[key] = index
        if bad:
            problems += bad
            continue
        out.append(UnitRow(index, cells["building"], cells["unit"], area, use, tuple(owners)))
    if problems:
        raise RegisterFileError(problems)
    if not out:
        raise RegisterFileError([Problem(2, "building", "文件中没有房屋", "the file holds no units")])
    return out


def active_on(changes: list[tuple], day, standing: bool) -> bool:
    """Whether a unit was on the register on `day`, from its status changes (effective date, active) in date order:
    the latest change on or before the day decides; before its first change the unit stood as that change found it
    (the opposite of what it made it); a unit never changed stands as `standing` says."""
    state = (not changes[0][1]) if changes else standing
    for since, active in changes:
        if since > day:
            break
        state = active
    return state
