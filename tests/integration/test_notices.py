"""What a publication puts on the notice board and in its downloads: the statements PDF and the poster, read
back as text (Chinese in a real CJK font, totals to the fen, the chain head and the key's fingerprint), the
graphs as SVG, and the statements and journal as CSV and XLSX a treasurer can sum."""
from __future__ import annotations

import csv
import ctypes
import io
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pypdfium2
import pypdfium2.raw
import pytest
from openpyxl import load_workbook

from ledger.db.schema import Attachment
from ledger.services import notices, vouchers

from .test_publications import _publish, march  # noqa: F401 (a fixture)


@pytest.fixture
def published(ledger, march, tmp_path):  # noqa: F811 (the fixture, by name)
    store, att_id = march
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id), [], store)
    root = tmp_path / "pub"
    pub = _publish(ledger, store, root)
    return pub, root / pub.folder


def _pages(path) -> list[str]:
    document = pypdfium2.PdfDocument(str(path))
    return [page.get_textpage().get_text_range() for page in document]


def _cjk_fonts(path) -> set[str]:
    """The fonts the PDF draws its Chinese characters in (subset prefix dropped), as PDFium reports them."""
    names = set()
    for page in pypdfium2.PdfDocument(str(path)):
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        for i, ch in enumerate(text):
            if "\u4e00" <= ch <= "\u9fff":
                buffer = ctypes.create_string_buffer(256)
                pypdfium2.raw.FPDFText_GetFontInfo(textpage.raw, i, buffer, 256, ctypes.byref(ctypes.c_int()))
                names.add(buffer.value.decode().split("+")[-1])
    return names


def test_the_statements_pdf_reads_back_in_chinese_with_the_totals_the_chain_head_and_the_key(published):
    pub, folder = published
    pages = _pages(folder / "statements.pdf")
    text = "\n".join(pages)
    for words in ("测试小区信托", "2026年3月财务公示", "业务活动表", "资产负债表", "现金流量表", "基金收支表", "序时账",
                  "非限定性", "本年累计", "记-2026-03-0002", "3月保洁费"):
        assert words in text, words
    # Income 5,000.00, expenditure 1,200.00, cash 3,800.00 at the month's end, to the fen.
    assert re.search(r"本月收入 Income\s*5,000\.00", text) and re.search(r"本月支出 Expenditure\s*1,200\.00", text)
    assert re.search(r"月末货币资金 Cash at the end\s*3,800\.00", text)
    # Every page carries its number, the chain head and the fingerprint of the key that signed it.
    fingerprint = notices.key_fingerprint(json.loads((folder / "manifest.json").read_text())["public_key"])
    for number, page in enumerate(pages, start=1):
        flat = re.sub(r"\s+", "", page)
        assert pub.chain_head in flat and fingerprint in flat and f"第{number}页/共{len(pages)}页" in flat
    # Every Chinese character is drawn in the CJK font (a font without the glyph would print boxes).
    assert _cjk_fonts(folder / "statements.pdf") and all(n.startswith("WenQuanYi-Zen-Hei") for n in _cjk_fonts(folder / "statements.pdf"))
    assert "http://127.0.0.1:5001/T1/2026-03/v1/" in re.sub(r"\s+", "", text)  # under the QR code that leads there


def test_the_poster_is_one_page_with_the_headline_figures_and_where_to_read_more(published):
    _pub, folder = published
    pages = _pages(folder / "poster.pdf")
    assert len(pages) == 1
    flat = re.sub(r"\s+", "", pages[0])
    assert "测试小区信托" in flat and "2026年3月账目公示" in flat and "5,000.00元" in flat and "1,200.00元" in flat
    assert "用手机扫码" in flat and "T1/2026-03/v1/" in flat
    # the same four figures as the web page's month at a glance: in, out, left over, cash at the end
    assert "本月结余（收入减支出）Surplus3,800.00元" in flat and "月末货币资金Cashattheend3,800.00元" in flat


def test_the_graphs_are_svg_with_every_figure_also_written_as_text(published):
    _pub, folder = published
    for name in ("composition", "trend", "funds"):
        root = ET.fromstring((folder / "charts" / f"{name}.svg").read_bytes())
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.find("{http://www.w3.org/2000/svg}title") is not None
    composition = (folder / "charts" / "composition.svg").read_text()
    assert "5,000.00  100.0%" in composition and "1,200.00  100.0%" in composition
    assert "2026-03" in (folder / "charts" / "trend.svg").read_text()


def test_the_tables_are_csv_and_xlsx_with_numbers_a_treasurer_can_sum(published):
    pub, folder = published
    rows = list(csv.reader(io.StringIO((folder / "tables" / "journal.csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0][:3] == ["凭证号", "日期", "摘要"] and len(rows) == 1 + 4  # two entries of two lines each
    assert sum(Decimal(r[7] or 0) for r in rows[1:]) == sum(Decimal(r[8] or 0) for r in rows[1:]) == Decimal("6200.00")
    assert any(r[0] == "记-2026-03-0002" and r[10].startswith("vouchers/") for r in rows[1:])
    sheet = load_workbook(folder / "tables" / "activities.xlsx").active
    assert "公示第 1 版" in sheet["A1"].value and "2026-03" in sheet["A1"].value
    income = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "一、收入")
    assert income[3] == Decimal("5000.00") or income[3] == 5000  # a number, not text
    paths = {f["path"] for f in json.loads((folder / "manifest.json").read_text())["files"]}
    assert {"statements.pdf", "poster.pdf", "charts/trend.svg", "tables/journal.xlsx", "tables/position.csv"} <= paths


def test_a_journal_line_keeps_its_columns_however_wide_its_characters():
    widths = {notices._width(notices._fit(text, 20)) for text in ("1002 银行存款—共管账户", "abc", "维修储备金（限定性）", "x" * 40)}
    assert widths == {20}


def test_making_a_pdf_leaves_a_cut_off_voucher_refused(published):
    """WeasyPrint's import tells Pillow to load truncated images, for the whole process: the back office publishes
    in a thread of its own process, and a damaged upload must still be refused after that."""
    from PIL import Image

    from ledger.services import vouchers

    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buf, format="JPEG", quality=90)
    cut = buf.getvalue()[: len(buf.getvalue()) // 2]
    with pytest.raises(vouchers.VoucherUnreadable):
        vouchers.render_pages(cut, vouchers.sniff(cut, 10**8))
