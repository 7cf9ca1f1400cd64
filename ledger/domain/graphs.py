"""Graphs of a published month as SVG text: the same file is shown by the public site and drawn into the PDF,
so they look the same in a phone's browser and on the notice board.

Plain SVG 1.1 that WeasyPrint and every browser draw alike: rectangles, lines and text, sizes in the
viewBox's units, a CJK font named first. Every figure is also written out as text beside its bar (a chart
is never the only place a number is), and each chart carries a <title> and <desc> for screen readers.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from .money import format_fen

FONT = "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
WIDTH = 640
INCOME, EXPENSE, BALANCE, NEGATIVE, INK, RULE = "#2f7d4f", "#b5442c", "#285f9e", "#8a2c8a", "#222222", "#bbbbbb"


@dataclass(frozen=True)
class Bar:
    label: str
    fen: int
    colour: str | None = None  # the chart's colour when None


def _text(x: float, y: float, text: str, size: int = 13, anchor: str = "start", weight: str = "normal",
          fill: str = INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}">{escape(text)}</text>')


def _svg(height: float, title: str, desc: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" '
            f'height="{height:.0f}" role="img" font-family="{escape(FONT)}">'
            f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
            f'<rect x="0" y="0" width="{WIDTH}" height="{height:.0f}" fill="#ffffff"/>' + "".join(body) + "</svg>\n")


def _shorten(label: str, most: int = 12) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"


def horizontal_bars(title: str, groups: list[tuple[str, list[Bar]]], colour: str, empty: str) -> str:
    """Groups of bars (a heading, then one bar per item as given), each labelled with its amount and its share
    of its group's total (a share only when every amount in the group is positive: a share of a mixed total
    means nothing). All bars share one scale, so lengths compare across groups."""
    row, top, label_w, value_w = 30, 40, 200, 150
    body = [_text(0, 22, title, 16, weight="bold")]
    groups = [(heading, bars) for heading, bars in groups if bars]
    if not groups:
        body.append(_text(0, top + 20, empty, 13, fill="#666666"))
        return _svg(top + 36, title, empty, body)
    longest = max(abs(b.fen) for _h, bars in groups for b in bars) or 1
    room = WIDTH - label_w - value_w - 10
    desc, y = [], top
    for heading, bars in groups:
        total = sum(b.fen for b in bars)
        shares = total > 0 and all(b.fen >= 0 for b in bars)
        if heading:
            body.append(_text(0, y + 17, f"{heading}  {format_fen(total)}", 13, weight="bold"))
            desc.append(f"{heading} {format_fen(total)}")
            y += row
        for b in bars:
            length = max(1.0, room * abs(b.fen) / longest) if b.fen else 0
            figure = format_fen(b.fen) + (f"  {b.fen * 100 / total:.1f}%" if shares else "")
            body.append(_text(label_w - 8, y + 17, _shorten(b.label, 14), 13, anchor="end"))
            body.append(f'<rect x="{label_w}" y="{y + 5}" width="{length:.1f}" height="{row - 10}" '
                        f'fill="{(b.colour or colour) if b.fen >= 0 else NEGATIVE}"/>')
            body.append(_text(label_w + length + 6, y + 17, figure, 12))
            desc.append(f"{b.label} {figure}")
            y += row
    return _svg(y + 10, title, "；".join(desc), body)


def _nice_ceiling(fen: int) -> int:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ yuan at or above the amount: the top of an axis a reader can divide."""
    step = 100  # one yuan
    while True:
        for top in (step, step * 2, step * 5 // 2, step * 5):
            if top >= fen:
                return top
        step *= 10


def _axis_figure(fen: int) -> str:
    return f"{fen // 100:,}"


def trend(title: str, months: list[tuple[str, int, int]], legend: tuple[str, str], english: bool = False) -> str:
    """Income and expenditure of each month (label YYYY-MM, income fen, expense fen), oldest first, as paired
    columns on one scale from zero, with a labelled axis in yuan (four steps to a round top) and each month
    named (10月 or Oct) with its year under the first month and under each January; negative months (a
    reversal larger than the month's income) are drawn at zero."""
    height, top, bottom, left, right = 320, 52, 58, 64, 10
    plot_h = height - top - bottom
    highest = _nice_ceiling(max([max(i, e) for _m, i, e in months] + [1]))
    slot = (WIDTH - left - right) / max(len(months), 1)
    bar_w = max(4.0, slot * 0.34)
    unit = "yuan" if english else "单位：元"
    body = [_text(0, 22, title, 16, weight="bold"),
            f'<rect x="{WIDTH - 230}" y="10" width="14" height="14" fill="{INCOME}"/>', _text(WIDTH - 210, 22, legend[0], 12),
            f'<rect x="{WIDTH - 120}" y="10" width="14" height="14" fill="{EXPENSE}"/>', _text(WIDTH - 100, 22, legend[1], 12),
            _text(0, top - 10, unit, 11, fill="#666666")]
    for k in range(5):  # the axis: 0, ¼, ½, ¾ and the top, each a faint rule across the plot
        fen = highest * k // 4
        y = top + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{RULE if k == 0 else "#e6e6e6"}" stroke-width="1"/>')
        body.append(_text(left - 6, y + 4, _axis_figure(fen), 11, anchor="end", fill="#666666"))
    desc = []
    for i, (label, income, expense) in enumerate(months):
        x = left + i * slot + slot * 0.14
        for j, (fen, colour) in enumerate(((income, INCOME), (expense, EXPENSE))):
            h = plot_h * max(fen, 0) / highest
            body.append(f'<rect x="{x + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}"/>')
        year, month = label[:4], int(label[5:7])
        name = _MONTHS_EN[month - 1] if english else f"{month}月"
        body.append(_text(x + bar_w, top + plot_h + 16, name, 11, anchor="middle"))
        if i == 0 or month == 1:
            body.append(_text(x + bar_w, top + plot_h + 32, year if english else f"{year}年", 11, anchor="middle", fill="#666666"))
        desc.append(f"{label} {legend[0]} {format_fen(income)} {legend[1]} {format_fen(expense)}")
    if months:
        body.append(_text(left, height - 4, f"{months[0][0]} – {months[-1][0]}", 11, fill="#666666"))
    return _svg(height, title, "；".join(desc), body)


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_charts(statements_doc: dict, months: list[tuple[str, int, int]], english: bool = False) -> dict[str, str]:
    """The three charts of a publication from its statements (the frozen statements.json) and the trend of
    the twelve months to it: file name -> SVG text."""
    def name(item: dict) -> str:
        return item["name_en"] if english else item["name_zh"]

    words = (("Where the money came from and went", "Income", "Expenditure", "No income or expenditure this month",
              "Twelve months of income and expenditure", "Fund balances at the month's end", "No funds")
             if english else
             ("收支构成", "收入", "支出", "本月无收支", "近十二个月收支", "月末各基金余额", "无基金"))
    act = statements_doc["activities"]
    income = sorted((Bar(name(r), r["fen"]["total"]) for r in act["income"] if r["fen"]["total"]), key=lambda b: -b.fen)
    expense = sorted((Bar(name(r), r["fen"]["total"]) for r in act["expense"] if r["fen"]["total"]), key=lambda b: -b.fen)
    composition = horizontal_bars(words[0], [(words[1], [Bar(b.label, b.fen, INCOME) for b in income]),
                                             (words[2], [Bar(b.label, b.fen, EXPENSE) for b in expense])], INCOME, words[3])
    while len(months) > 1 and months[0][1] == months[0][2] == 0:
        months = months[1:]  # a book younger than a year: its trend starts with its first month of figures
    funds = horizontal_bars(words[5], [("", [Bar(name(f), f["closing"]) for f in statements_doc["funds"]])], BALANCE, words[6])
    return {"composition.svg": composition, "trend.svg": trend(words[4], months, (words[1], words[2]), english), "funds.svg": funds}
