"""Reading entries from files: CSV (one row per line) or JSON lines (one entry per line).

CSV columns: key, book, date, summary, account, fund, debit, credit, note.
Consecutive rows with the same key make one entry. JSON lines:
{"key": ..., "book": ..., "date": "2026-03-01", "summary": ..., "lines":
[{"account": "1002", "fund": "GEN", "debit": "100.00"}, ...]}.
Amounts are decimal strings; a JSON number with a fraction (a float) is refused.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from ..domain.errors import InvalidInput, LedgerError
from ..domain.model import EntryInput, line_from_parts, parse_date  # noqa: F401 (parse_date is used by the web form too)

CSV_COLUMNS = ["key", "book", "date", "summary", "account", "fund", "debit", "credit", "note"]




def _where(n: int, path: Path) -> tuple[str, str, str]:
    return f"{path.name} 第 {n} 行", f"{path.name} line {n}", f"line[{n}]"


def read_entries(path: Path, default_book: str | None = None) -> Iterator[tuple[str, EntryInput]]:
    """Yield (book code, entry) pairs; a bad record raises, naming its line."""
    if path.suffix.lower() == ".csv":
        yield from _read_csv(path, default_book)
    else:
        yield from _read_jsonl(path, default_book)


def _book_of(value, default_book: str | None) -> str:
    book = (value or default_book or "").strip()
    if not book:
        raise InvalidInput("未指定账簿（book 列或 --book）", "no book given (a book column or --book)", "book")
    return book


def _read_jsonl(path: Path, default_book: str | None) -> Iterator[tuple[str, EntryInput]]:
    with path.open(encoding="utf-8-sig") as fh:
        for n, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                try:
                    # A JSON number with a fraction arrives as a float, which parse_amount
                    # refuses: money travels as decimal strings.
                    doc = json.loads(text)
                except json.JSONDecodeError as e:
                    raise InvalidInput(f"不是有效的 JSON：{e.msg}", f"not valid JSON: {e.msg}", None) from None
                if not isinstance(doc, dict) or not isinstance(doc.get("lines"), list):
                    raise InvalidInput("每行须是含 lines 列表的对象", "each line must be an object with a lines list", "lines")
                lines = tuple(
                    line_from_parts(i, l.get("account"), l.get("fund"), l.get("debit"), l.get("credit"), l.get("amount"), l.get("note", ""))
                    if isinstance(l, dict) else _bad_line(i)
                    for i, l in enumerate(doc["lines"])
                )
                yield _book_of(doc.get("book"), default_book), EntryInput(
                    date=parse_date(doc.get("date")), summary=str(doc.get("summary") or ""), lines=lines,
                    idempotency_key=str(doc["key"]) if doc.get("key") not in (None, "") else None,
                )
            except LedgerError as e:
                raise e.located(*_where(n, path)) from None


def _bad_line(i: int):
    raise InvalidInput("分录须是对象", "each line must be an object", f"lines[{i}]")


def _read_csv(path: Path, default_book: str | None) -> Iterator[tuple[str, EntryInput]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("key", "date", "summary", "account", "fund", "debit", "credit") if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(f"{path.name} 缺少列：{', '.join(missing)}", f"{path.name} lacks columns: {', '.join(missing)}", "header")
        current: list[tuple[int, dict]] = []
        for n, row in enumerate(reader, start=2):
            if current and row["key"] != current[0][1]["key"]:
                yield _csv_entry(path, current, default_book)
                current = []
            current.append((n, row))
        if current:
            yield _csv_entry(path, current, default_book)


def _csv_entry(path: Path, rows: list[tuple[int, dict]], default_book: str | None) -> tuple[str, EntryInput]:
    first_n, first = rows[0]
    try:
        lines = []
        for i, (n, row) in enumerate(rows):
            try:
                lines.append(line_from_parts(i, row["account"], row["fund"], row["debit"], row["credit"], None, row.get("note", "")))
            except LedgerError as e:
                raise e.located(*_where(n, path)) from None
        for n, row in rows[1:]:
            if row["date"] not in ("", first["date"]) or row["summary"] not in ("", first["summary"]):
                raise InvalidInput("同一凭证的各行日期和摘要须一致", "rows of one entry must share date and summary", "date").located(*_where(n, path))
        return _book_of(first.get("book"), default_book), EntryInput(
            date=parse_date(first["date"]), summary=first["summary"], lines=tuple(lines),
            idempotency_key=first["key"] or None,
        )
    except LedgerError as e:
        if e.field and e.field.startswith("line["):
            raise
        raise e.located(*_where(first_n, path)) from None
