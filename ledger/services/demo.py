"""`ledger demo`: books a visitor can believe.

锦城花园 (386 units) keeps its trust property for twelve months: fees billed by
floor area and collected in batches, elevator-advertising and parking revenues,
cleaning, security, greening, elevator maintenance, utilities, the trustee's
remuneration, a roof repair paid from the maintenance reserve, one duplicated
payment that the supervisor questioned and the committee reversed. Each month's
entries are made in date order, so their numbers run with their dates. The
supervisor has three flags: one settled and closed, one answered and waiting for
the supervisor, one waiting for the committee. The last month that has ended is
left open with its bank statement entered: the committee explains the expenses
whose invoices are on paper, then closes it; one entry waits for approval.
玉林社区基金 holds a restricted governance-innovation grant. 望江锦苑 (demo_compound.py) is the trust operations at
scale: 600 units, 24 months of billing, payments, bank statements, votes, budgets and a refund.
Every entry goes through the same services as a person would: made by one
user, approved by another (two above the threshold). Amounts come from a seeded
random generator, so every run makes the same books.
"""
from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Book, User
from ..domain.capitals import capital_amount
from ..domain.model import EntryInput, Line
from ..domain.money import to_fen
from . import books, entries, flags, periods, users

TRUST = "JCHY"
FUND = "YLSQ"
COMPOUND = "WJJY"  # 望江锦苑: services/demo_compound.py

# username, display name, global admin?, roles per book
DEMO_USERS = [
    ("admin", "系统管理员 王磊", True, {}),
    ("caiwu", "财务 李秀英", False, {TRUST: "treasurer", FUND: "treasurer", COMPOUND: "treasurer"}),
    ("weiyuan1", "业委会主任 张建国", False, {TRUST: "committee", COMPOUND: "committee"}),
    ("weiyuan2", "业委会委员 陈美兰", False, {TRUST: "committee", COMPOUND: "committee"}),
    ("weiyuan3", "业委会委员 黄志明", False, {COMPOUND: "committee"}),
    ("jianchaa", "信托监察人 刘志强", False, {TRUST: "supervisor", FUND: "supervisor", COMPOUND: "supervisor"}),
    ("wuye", "锦城物业 赵敏", False, {TRUST: "trustee", COMPOUND: "trustee"}),
    ("jijin", "基金管理人 周晓燕", False, {FUND: "fund_manager"}),
    ("jijin2", "基金理事 吴国华", False, {FUND: "fund_manager"}),
    ("yezhu", "业主 孙丽 (3-2-601)", False, {TRUST: "viewer", FUND: "viewer", COMPOUND: "viewer"}),
]


def demo_password(username: str) -> str:
    return f"{username}-2026"


def _months(today: dt.date, count: int = 12) -> list[tuple[int, int]]:
    months = []
    y, m = today.year, today.month
    for _ in range(count):
        months.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return months[::-1]


def _yuan(rng: random.Random, low_yuan: int, high_yuan: int) -> str:
    """A believable amount between two whole-yuan bounds, to the fen, as a decimal string."""
    fen = rng.randrange(low_yuan * 100, high_yuan * 100)
    return f"{fen // 100}.{fen % 100:02d}"


FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # fonts-wqy-zenhei


@dataclass(frozen=True)
class Vendor:
    """Who issued an invoice, in Chinese (and in English for a machine with no Chinese font)."""

    name_zh: str
    name_en: str
    item: str  # 项目名称, as a 数电发票 prints it


CLEANING = Vendor("成都蓉洁保洁服务有限公司", "Rongjie Cleaning Co.", "*生活服务*保洁服务费")
SECURITY = Vendor("成都锦城秩序维护服务有限公司", "Jincheng Security Services", "*安全保护服务*秩序维护服务费")
WATERPROOFING = Vendor("四川蜀都防水工程有限公司", "Shudu Waterproofing Ltd.", "*建筑服务*屋面防水维修")


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return None  # no Chinese font here: the invoice is drawn in English instead


def receipt_photo(vendor: Vendor, date: dt.date, amount: str, number: int) -> bytes:
    """An invoice-like JPEG (电子发票（普通发票）): the seller, the buyer, the item, the total in figures
    and in capitals, a seal, and a grey strip where the buyer's contact person and phone are printed
    (the committee boxes it out for the public copy, RECEIPT_PHONE_BOX)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1200, 800), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    big, small = _font(40), _font(30)
    fen = to_fen(amount)
    figures = f"¥{fen // 100:,}.{fen % 100:02d}"
    draw.rectangle((0, 0, 1200, 110), fill=(176, 48, 48))
    if big is not None:
        draw.text((40, 30), "电子发票（普通发票）", fill="white", font=big)
        draw.text((670, 40), f"发票号码 2651200000{number:010d}", fill="white", font=small)
        draw.text((40, 130), f"开票日期：{date.year}年{date.month:02d}月{date.day:02d}日", fill=(40, 40, 40), font=small)
        draw.text((40, 180), "购买方：锦城花园小区业主委员会（信托财产共管账户）", fill=(40, 40, 40), font=small)
        draw.text((40, 230), f"销售方：{vendor.name_zh}", fill=(40, 40, 40), font=small)
        draw.text((40, 290), f"项目名称：{vendor.item}", fill=(40, 40, 40), font=small)
        draw.text((40, 350), f"价税合计（大写）{capital_amount(fen)}", fill=(20, 20, 20), font=small)
        draw.text((40, 400), f"（小写）{figures}", fill=(20, 20, 20), font=big)
        contact = "联系人 王女士 138-2801-4467"
    else:
        font = ImageFont.load_default(size=40)
        small = font
        draw.text((40, 32), f"FAPIAO No. 2651200000{number:010d}", fill="white", font=font)
        draw.text((40, 170), vendor.name_en, fill=(40, 40, 40), font=font)
        draw.text((40, 260), f"Date  {date.isoformat()}", fill=(40, 40, 40), font=font)
        draw.text((40, 350), f"Amount  CNY {amount}", fill=(20, 20, 20), font=font)
        contact = "TEL 138-2801-4467"
    draw.rectangle((40, 470, 640, 540), fill=(120, 120, 120))  # buyer's contact person and phone
    draw.text((60, 485), contact, fill="white", font=small)
    draw.ellipse((880, 560, 1160, 760), outline=(200, 40, 40), width=8)  # the seal
    if big is not None:
        draw.text((925, 590), vendor.name_zh[2:8], fill=(200, 40, 40), font=_font(28))
        draw.text((935, 690), "发票专用章", fill=(200, 40, 40), font=_font(34))
        star = [(1020 + r * math.sin(k * math.pi / 5), 655 - r * math.cos(k * math.pi / 5))
                for k, r in zip(range(10), [34, 14] * 5)]
        draw.polygon(star, fill=(200, 40, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


# Where the buyer's phone is on receipt_photo, as page fractions: the demo's redaction box.
RECEIPT_PHONE_BOX = [{"page": 1, "x": 0.03, "y": 0.58, "w": 0.52, "h": 0.11}]


class _Clerk:
    """Makes, submits and gets approval for entries, the way the committee does."""

    def __init__(self, session: Session, book: Book, approvers: list[User], store=None, redactor: User | None = None):
        self.session, self.book, self.approvers = session, book, approvers
        self.store, self.redactor, self.receipts = store, redactor, 0

    def book_entry(self, maker: User, date: dt.date, summary: str, lines: list[tuple[str, str, str]], approve: bool = True,
                   vendor: Vendor | None = None):
        data = EntryInput(date=date, summary=summary, lines=tuple(Line(a, f, to_fen(amt)) for a, f, amt in lines))
        photo = vendor is not None and self.store is not None
        entry = entries.create_entry(self.session, maker, self.book, data, submit=not photo)
        if photo:
            from . import vouchers

            self.receipts += 1
            amount = next(amt for _, _, amt in lines if not amt.startswith("-"))
            jpeg = receipt_photo(vendor, date, amount, self.receipts)
            attachment = vouchers.upload_voucher(self.session, maker, self.book, entry, jpeg, f"发票-{date}.jpg",
                                                 self.store, 20 * 1024 * 1024)
            vouchers.redact_voucher(self.session, self.redactor, self.book, attachment, RECEIPT_PHONE_BOX, self.store)
            entries.submit_entry(self.session, maker, self.book, entry)
        if approve:
            for approver in self.approvers[: entries.approvals_needed(self.book, entry)]:
                entries.approve_entry(self.session, approver, self.book, entry)
        return entry


def _close_month(session: Session, book: Book, treasurer: User, closer: User, y: int, m: int) -> None:
    """The month-end routine: the treasurer enters the bank statement and explains
    vouchers kept on paper; a committee member closes."""
    check = periods.checklist(session, book, y, m)
    for entry in check.missing_vouchers:
        periods.waive_voucher(session, treasurer, book, entry, "纸质发票原件存档于业委会办公室，可预约查阅")
    for bank in check.banks:
        periods.record_bank_balance(session, treasurer, book, y, m, bank.account.code, bank.book_fen)
    periods.close_period(session, closer, book, y, m)


def load(uow, publications_root=None, compound: bool = True) -> tuple[bool, list[tuple[str, str, str]]]:
    """`load_demo` as one unit of work, with the unit's voucher store."""
    with uow:
        result = load_demo(uow.session, store=uow.store, publications_root=publications_root, compound=compound)
        uow.commit()
        return result


def load_demo(session: Session, today: dt.date | None = None, store=None,
              publications_root=None, compound: bool = True) -> tuple[bool, list[tuple[str, str, str]]]:
    """Build the demo once; return (created?, logins to print).

    With a VoucherStore, the monthly cleaning and security payments and the roof
    repair carry a photographed invoice (its phone number redacted); the rest are
    explained as paper kept in the committee's office. With a publications folder, every
    closed month of the trust is published, and the roof repair's month twice: a correction."""
    logins = [
        (u, demo_password(u), "admin" if admin else ", ".join(f"{b}:{r}" for b, r in roles.items()))
        for u, _, admin, roles in DEMO_USERS
    ]
    if session.scalar(select(Book).where(Book.code == TRUST)) is not None:
        return False, logins
    today = today or dt.date.today()
    system = users.system_user(session)
    people = {u: users.create_user(session, u, name, demo_password(u), is_admin=admin) for u, name, admin, _ in DEMO_USERS}
    trust = books.create_book(session, system, TRUST, "锦城花园小区信托账簿", "Jincheng Garden trust property", "trust",
                              first_month=_months(today)[0])
    fund = books.create_book(session, system, FUND, "玉林社区基金", "Yulin Community Fund", "community_fund",
                             first_month=_months(today, 6)[0])
    by_code = {TRUST: trust, FUND: fund}
    for u, _, _, roles in DEMO_USERS:
        for code, role in roles.items():
            if code in by_code:
                users.grant_role(session, system, people[u], by_code[code], role)
    _trust_year(session, trust, people, today, store)
    _community_fund(session, fund, people, today, store, publications_root)
    compound_book = None
    if compound:
        from . import demo_compound

        compound_book = demo_compound.build(session, people, today,
                                            {u: roles[COMPOUND] for u, _, _, roles in DEMO_USERS if COMPOUND in roles})
    if publications_root is not None:
        _publish_trust(session, trust, people, store, publications_root)
        if compound_book is not None:  # its latest closed month: arrears per building, budget, bank, revenues
            from . import demo_compound, publications

            y, m = demo_compound.latest_closed(today)
            publications.publish(session, people["weiyuan1"], compound_book, y, m, store, publications_root)
    return True, logins


def _publish_trust(session: Session, book: Book, p: dict[str, User], store, root) -> None:
    """Every closed month published by the committee chair; then a box the committee missed on the roof repair's
    invoice (the contractor's manager's mobile number) is drawn, and that month is published again: version 2
    supersedes version 1, which stays on record."""
    from ..db.schema import Attachment, Entry, PeriodClose
    from . import publications, vouchers

    closes = list(session.scalars(select(PeriodClose).where(PeriodClose.book_id == book.id)
                                  .order_by(PeriodClose.year, PeriodClose.month)))
    for i, close in enumerate(closes):
        pub = publications.publish(session, p["weiyuan1"], book, close.year, close.month, store, root)
        if i == len(closes) - 1:  # the supervisor's objection, in words the committee must answer
            publications.give_opinion(session, p["jianchaa"], book, pub, "objection",
                                      "本月公共区域水电费明显高于上月，供电局电费分摊明细尚未附上；请补充后更正公示。")
        else:
            publications.give_opinion(session, p["jianchaa"], book, pub, "sign_off", "已核对银行对账单与原始凭证。")
    roof = session.scalar(select(Attachment).join(Entry, Entry.id == Attachment.entry_id)
                          .where(Entry.book_id == book.id, Entry.summary.startswith("3号楼屋面防水维修")))
    if roof is None or store is None:
        return
    entry = session.get(Entry, roof.entry_id)
    vouchers.redact_voucher(session, p["weiyuan2"], book, roof,
                            RECEIPT_PHONE_BOX + [{"page": 1, "x": 0.74, "y": 0.7, "w": 0.22, "h": 0.25}], store)
    publications.publish(session, p["weiyuan2"], book, entry.date.year, entry.date.month, store, root)


class _Month:
    """One month's entries, made in date order so that their numbers run with their dates."""

    def __init__(self, clerk: _Clerk):
        self.clerk, self.plan, self.made = clerk, [], {}

    def entry(self, maker: User, date: dt.date, summary: str, lines, approve: bool = True, vendor: Vendor | None = None,
              name: str | None = None) -> None:
        self.plan.append((date, len(self.plan), name, lambda: self.clerk.book_entry(
            maker, date, summary, lines, approve=approve, vendor=vendor)))

    def then(self, date: dt.date, act, name: str | None = None) -> None:
        self.plan.append((date, len(self.plan), name, act))

    def make(self) -> dict:
        for _date, _order, name, act in sorted(self.plan, key=lambda p: (p[0], p[1])):
            made = act()
            if name:
                self.made[name] = made
        return self.made


def _trust_year(session: Session, book: Book, p: dict[str, User], today: dt.date, store=None) -> None:
    rng = random.Random(20261121)
    clerk = _Clerk(session, book, [p["weiyuan1"], p["weiyuan2"]], store, redactor=p["caiwu"])
    treasurer, trustee = p["caiwu"], p["wuye"]
    months = _months(today)
    billed_area_fee = "91236.84"  # 386 户 · 38,334.81 ㎡ × 2.38 元/㎡·月
    for i, (y, m) in enumerate(months):
        last_day = calendar.monthrange(y, m)[1]
        current = (y, m) == (today.year, today.month)
        end = min(last_day, today.day) if current else last_day
        month = _Month(clerk)

        def day(d: int) -> dt.date:
            return dt.date(y, m, min(d, end))

        if i == 0:
            month.entry(treasurer, day(1), "期初余额：共管账户结转（上年度审计后）", [
                ("1002", "GEN", "186420.37"), ("3101", "GEN", "-186420.37")])
            month.entry(treasurer, day(1), "期初余额：维修储备金结转", [
                ("1002", "REPAIR", "52000.00"), ("3102", "REPAIR", "-52000.00")])
        month.entry(treasurer, day(1), f"{m}月物业费计费（386户，按建筑面积2.38元/㎡）", [
            ("1122", "GEN", billed_area_fee), ("4101", "GEN", "-" + billed_area_fee)])
        for batch, d in enumerate((5, 12, 19, 26), start=1):
            if day(d) > today:
                continue
            amount = _yuan(rng, 14800, 24600)
            month.entry(treasurer, day(d), f"收{m}月物业费（第{batch}批，微信/银行转账）", [
                ("1002", "GEN", amount), ("1122", "GEN", "-" + amount)])
        parking = _yuan(rng, 11800, 13400)
        month.entry(treasurer, day(8), f"{m}月临时停车收费（道闸系统结算）", [
            ("1002", "GEN", parking), ("4202", "GEN", "-" + parking)])
        if m in (1, 4, 7, 10):
            month.entry(treasurer, day(10), "电梯广告位季度租金（分众传媒，24部电梯）", [
                ("1002", "GEN", "18600.00"), ("4201", "GEN", "-18600.00")])
        if i % 3 == 1:
            month.entry(treasurer, day(15), "架空层场地租赁（社区食堂）", [
                ("1002", "GEN", "3200.00"), ("4203", "GEN", "-3200.00")])
        if not current or today.day >= 28:  # month-end payments
            month.entry(trustee, day(25), f"支付{m}月保洁服务费（蓉洁保洁公司）", [
                ("5101", "GEN", "16843.50"), ("1002", "GEN", "-16843.50")], vendor=CLEANING, name="cleaning")
            month.entry(trustee, day(25), f"支付{m}月秩序维护费（12名秩序维护员）", [
                ("5102", "GEN", "24650.00"), ("1002", "GEN", "-24650.00")], vendor=SECURITY)
            month.entry(trustee, day(26), f"支付{m}月绿化养护费", [
                ("5103", "GEN", "4380.00"), ("1002", "GEN", "-4380.00")])
            utilities = _yuan(rng, 3100, 6300)
            month.entry(trustee, day(27), f"支付{m}月公共区域水电费（电梯、照明、水泵）", [
                ("5105", "GEN", utilities), ("1002", "GEN", "-" + utilities)], name="utilities")
            month.entry(treasurer, day(28), f"支付{m}月受托人酬金（合同约定每月定额）", [
                ("5106", "GEN", "8500.00"), ("1002", "GEN", "-8500.00")])
            fee = _yuan(rng, 18, 46)
            month.entry(treasurer, day(28), f"{m}月银行账户管理费及转账手续费", [
                ("5110", "GEN", fee), ("1002", "GEN", "-" + fee)])
        if m in (3, 6, 9, 12):
            month.entry(trustee, day(20), "支付电梯季度维保费（24部，奥的斯维保）", [
                ("5104", "GEN", "28800.00"), ("1002", "GEN", "-28800.00")])
            month.entry(treasurer, day(22), "按业主大会决议提取维修储备金（本季度物业费的5%）", [
                ("3101", "GEN", "13685.53"), ("1002", "GEN", "-13685.53"),
                ("1002", "REPAIR", "13685.53"), ("3102", "REPAIR", "-13685.53")])
        if i == 4:
            # A duplicated payment, found by the supervisor and reversed the same month.
            month.entry(trustee, day(27), f"支付{m}月公共区域水电费（重复录入）", [
                ("5105", "GEN", "4127.66"), ("1002", "GEN", "-4127.66")], name="duplicate")

            def reverse():
                reversal = entries.reverse_entry(session, trustee, book, month.made["duplicate"], date=day(29))
                return entries.approve_entry(session, p["weiyuan1"], book, reversal)

            month.then(day(29), reverse)
        if i == 6:
            month.entry(trustee, day(18), "3号楼屋面防水维修（维修储备金支出，业主大会第3号决议）", [
                ("5107", "REPAIR", "38650.00"), ("1002", "REPAIR", "-38650.00")], vendor=WATERPROOFING)
        if i == len(months) - 1:
            # Waiting in the approval queue, so the back office has something to show.
            month.entry(trustee, day(20), "更换2号楼单元门禁读卡器", [
                ("5107", "GEN", "2860.00"), ("1002", "GEN", "-2860.00")], approve=False)
        made = month.make()
        _supervise(session, book, p, i, len(months), made)
        if i < len(months) - 2:
            _close_month(session, book, treasurer, p["weiyuan1"], y, m)
        elif i == len(months) - 2:
            # Last month, waiting for its close: the treasurer has entered the bank statement; the committee
            # explains the expenses whose invoices are on paper, then closes it.
            for bank in periods.checklist(session, book, y, m).banks:
                periods.record_bank_balance(session, treasurer, book, y, m, bank.account.code, bank.book_fen)


def _supervise(session: Session, book: Book, p: dict[str, User], i: int, count: int, made: dict) -> None:
    """The supervisor's questions, as they come up: one settled and closed, one answered and waiting for
    the supervisor, one still waiting for the committee's answer."""
    supervisor, treasurer, chair = p["jianchaa"], p["caiwu"], p["weiyuan1"]
    if i == 4:
        flag = flags.raise_flag(session, supervisor, book, made["duplicate"],
                                "本月公共区域水电费录入了两笔4,127.66元，是否重复支付？请核对银行流水。")
        flags.answer_flag(session, treasurer, book, flag,
                          "经核对银行流水，系同一张缴费单重复录入，银行只扣款一次；已于本月29日红字冲销。")
        flags.close_flag(session, supervisor, book, flag, "已核对银行回单，无异议。")
    if i == count - 3 and "cleaning" in made:
        flag = flags.raise_flag(session, supervisor, book, made["cleaning"],
                                "保洁合同约定每月16,500.00元，本月支付16,843.50元，多出的343.50元是什么费用？")
        flags.answer_flag(session, chair, book, flag,
                          "343.50元为外墙玻璃季度清洗费，依据保洁补充协议第二条，已经业委会例会审议，会议纪要存档。")
    if i == count - 2 and "utilities" in made:
        flags.raise_flag(session, supervisor, book, made["utilities"],
                         "本月公共区域水电费比上月高出较多，请附供电局的电费分摊明细。")


def _community_fund(session: Session, book: Book, p: dict[str, User], today: dt.date, store=None,
                    publications_root=None) -> None:
    from . import demo_funds

    rng = random.Random(20260601)
    grant = books.add_fund(session, p["jijin"], book, "GRANT-2026", "社区治理创新基金2026年度资助", "Governance innovation grant 2026", True)
    clerk = _Clerk(session, book, [p["jijin"], p["jijin2"]])
    treasurer = p["caiwu"]
    months = _months(today, 6)
    y0, m0 = months[0]
    clerk.book_entry(treasurer, dt.date(y0, m0, 3), "收到街道社区治理创新基金第一期拨款", [
        ("1002", grant.code, "60000.00"), ("4501", grant.code, "-60000.00")])
    for i, (y, m) in enumerate(months):
        current = (y, m) == (today.year, today.month)
        end = today.day if current else calendar.monthrange(y, m)[1]
        donation = _yuan(rng, 800, 3600)
        clerk.book_entry(treasurer, dt.date(y, m, min(9, end)), f"{m}月居民小额捐赠（公益账户汇总）", [
            ("1002", "GEN", donation), ("4401", "GEN", "-" + donation)])
        if i in (1, 2, 4):
            spend = _yuan(rng, 6200, 14800)
            clerk.book_entry(treasurer, dt.date(y, m, min(16, end)), "社区议事会与邻里节活动支出（资助项目）", [
                ("5202", grant.code, spend), ("1002", grant.code, "-" + spend)])
        if i == 0:
            grant_round = demo_funds.GrantRound(session, book, p)
            pool = demo_funds.MatchingPool(session, book, p, today, publications_root, store)
        if i < len(months) - 1:
            grant_round.step(i, lambda d: dt.date(y, m, min(d, end)))
            if i == len(months) - 2:
                pool.last_month(y, m)
            _close_month(session, book, treasurer, p["jijin"], y, m)
    pool.this_month()
    if publications_root is not None:  # the latest closed month, with its awarded grants (grants.json)
        from . import publications

        y, m = months[-2]
        publications.publish(session, p["jijin"], book, y, m, store, publications_root)
