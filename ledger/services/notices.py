"""The notice-board documents of a publication (公示栏): the month's statements as an A4 PDF with the graphs
and the journal, a one-page poster for the lobby, and the graphs as SVG files for the public site.

They are drawn from what the publication freezes (its statements.json and entries.json documents), never
read again from the books, so the PDF says exactly what the JSON says. WeasyPrint lays them out; Chinese is
set in WenQuanYi Zen Hei, which tools/system-packages.sh installs, and a test reads the text back. Every
page carries the chain head and the book key's fingerprint (a replaced key shows on the paper), and a QR
code leads to the same publication online.
"""
from __future__ import annotations

import functools
import hashlib
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..config import PROJECT_ROOT
from ..domain.graphs import month_charts
from ..domain.money import format_fen

TEMPLATES = PROJECT_ROOT / "templates" / "pdf"
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
_env.globals["money"] = format_fen
# A CSS string that no name can break out of: every character but letters, digits and CJK as a hex escape.
_env.filters["css_string"] = lambda text: Markup('"' + "".join(
    ch if ch.isalnum() else f"\\{ord(ch):06x}" for ch in str(text)) + '"')


@dataclass(frozen=True)
class Notice:
    """What every document of one publication shows about it."""

    book_code: str
    name_zh: str
    name_en: str
    period: str  # YYYY-MM
    version: int
    supersedes: int | None
    chain_seq: int
    chain_head: str
    public_key: str
    url: str  # the publication on the public site

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_key)


def key_fingerprint(public_key_hex: str) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key: what verify.py prints too."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


def _qr(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)


MONO_FONT = "WenQuanYi Zen Hei Mono"


@functools.cache
def _advances() -> tuple[dict[int, int], int] | None:
    """The monospaced CJK font's advance widths (code point -> font units) and its space's, read from the font
    the PDF is set in; None where it is not installed (then East Asian widths stand in)."""
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", MONO_FONT], capture_output=True, text=True, timeout=10)
        from fontTools.ttLib import TTCollection, TTFont

        path = found.stdout.strip()
        faces = TTCollection(path).fonts if path.endswith(".ttc") else [TTFont(path)]
        for face in faces:
            if face["name"].getDebugName(1) == MONO_FONT:
                metrics = face["hmtx"].metrics
                return {cp: metrics[glyph][0] for cp, glyph in face.getBestCmap().items()}, metrics[face.getBestCmap()[32]][0]
    except (OSError, subprocess.SubprocessError, KeyError, ImportError):
        pass
    return None


def _width(text: str) -> float:
    """Columns (spaces) the text takes in the journal's monospaced CJK font."""
    known = _advances()
    if known is None:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    advances, space = known
    return sum(advances.get(ord(ch), space * 2) for ch in text) / space


def _fit(text: str, columns: int, right: bool = False) -> str:
    """The text cut (with '..') or padded to exactly `columns` monospaced columns."""
    text = " ".join(text.split())
    if _width(text) > columns:
        out, used = "", 0
        for ch in text:
            if used + _width(ch) > columns - 2:
                break
            out, used = out + ch, used + _width(ch)
        text = out + ".."
    pad = " " * max(0, round(columns - _width(text)))
    return pad + text if right else text + pad


# The journal's fixed-width columns: (heading, columns, right-aligned).
JOURNAL_COLUMNS = (("科目 Account", 42, False), ("基金 Fund", 20, False), ("借方 Debit", 16, True),
                   ("贷方 Credit", 16, True), ("备注 Note", 30, False))


def _columns(cells: list[str]) -> str:
    return "  ".join(_fit(text, width, right) for text, (_h, width, right) in zip(cells, JOURNAL_COLUMNS)).rstrip()


def journal_rows(entries: list[dict], account_names: dict[str, str], fund_names: dict[str, str]) -> list[dict]:
    """Each entry with its lines set as fixed-width text: one text box per line lays out ten times faster than a
    table cell per figure, which keeps a month of a thousand entries to a few seconds."""
    out = []
    for e in entries:
        lines = [_columns([f"{line['account']} {account_names.get(line['account'], '')}",
                           fund_names.get(line["fund"], line["fund"]),
                           format_fen(line["fen"]) if line["fen"] > 0 else "",
                           format_fen(-line["fen"]) if line["fen"] < 0 else "", line.get("note") or ""])
                 for line in e["lines"]]
        out.append({"number": e["number"], "date": e["date"], "summary": e["summary"], "reverses": e.get("reverses"),
                    "vouchers": [Path(p).stem[:8] for p in e.get("voucher_pages", [])], "lines": lines})
    return out


def _legend() -> str:
    return _columns([heading for heading, _w, _r in JOURNAL_COLUMNS])


def _context(notice: Notice, statements_doc: dict) -> dict:
    year, month = (int(x) for x in notice.period.split("-"))
    return {
        "css": (TEMPLATES / "notice.css").read_text("utf-8"),
        "book": {"code": notice.book_code, "name_zh": notice.name_zh, "name_en": notice.name_en},
        "period": notice.period, "period_zh": f"{year}年{month}月", "version": notice.version,
        "supersedes": notice.supersedes, "chain_seq": notice.chain_seq, "chain_head": notice.chain_head,
        "fingerprint": notice.fingerprint, "url": notice.url, "qr": _qr(notice.url), "st": statements_doc,
        "start": statements_doc["start"], "end": statements_doc["end"],
    }


def _refuse_urls(url: str, *args, **kwargs):
    raise ValueError(f"the notice-board PDFs fetch no URLs ({url[:60]})")


def _no_url_fetcher():
    """The documents need nothing from outside them (styles, charts and QR codes are inline, fonts come from
    fontconfig), but WeasyPrint's default fetcher reads file:// and http:// URLs: any <img>, url() or @import a
    name or summary ever smuggled in would embed a server file or reach a service on 127.0.0.1. Refuse every
    URL: WeasyPrint 70 takes a URLFetcher allowed no protocol, earlier versions a function."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:
        return _refuse_urls
    return URLFetcher(allowed_protocols=())


def _pdf(html: str) -> bytes:
    from PIL import ImageFile
    from weasyprint import HTML  # imported when a PDF is made: it loads Pango, which nothing else needs

    # Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, after which a cut-off JPEG uploaded
    # as a voucher is decoded (grey where bytes are missing) instead of refused as damaged. These documents load
    # no image (every URL is refused), so give Pillow its default back.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML(string=html, base_url=str(TEMPLATES), url_fetcher=_no_url_fetcher()).write_pdf()


def documents(notice: Notice, statements_doc: dict, entries: list[dict], months: list[tuple[str, int, int]],
              account_names: dict[str, str], fund_names: dict[str, str], progress=lambda step: None,
              trust_doc: dict | None = None) -> dict[str, bytes]:
    """The publication's notice-board files: path in the publication -> bytes. `trust_doc` (trust.json: arrears
    per building, budget, bank reconciliation, public revenues) adds its sections where it has them."""
    charts = month_charts(statements_doc, months)
    context = dict(_context(notice, statements_doc), trust=trust_doc or {})
    progress("charts")
    statements_pdf = _pdf(_env.get_template("statements.html").render(
        **context, charts=charts, journal=journal_rows(entries, account_names, fund_names), journal_legend=_legend()))
    progress("statements.pdf")
    poster_pdf = _pdf(_env.get_template("poster.html").render(**context))
    progress("poster.pdf")
    files = {f"charts/{name}": svg.encode("utf-8") for name, svg in charts.items()}
    files["statements.pdf"] = statements_pdf
    files["poster.pdf"] = poster_pdf
    return files

