"""The demo's community fund at work (玉林社区基金): a governance-innovation grant round and a matching pool.

The grant round (社区治理创新基金): the district's money on its own restricted fund, three applications, reviews
(one reviewer declares a conflict), two awards paid in tranches against accepted reports, one declined, one grant
closed with its unspent money returned and the other half way. The matching pool (微项目配捐): the sub-district
office's money, a 1:1 rule with caps and two quadratic rounds, and six micro-projects — one funded and spending, one
open, one all-or-nothing that missed its goal and refunded its donors, two in last month's quadratic round (closed,
their matches fixed and posted), one in this month's (open, its match an estimate) — with one donation refunded and
its match clawed back. Every step goes through the services a fund manager and treasurer use.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from ..db.schema import Book, User
from ..domain.model import EntryInput, EntryStatus, Line
from . import entries, grants, project_spending, projects

GRANT_FUND, POOL = "GX-2026", "GOV"


def approve_waiting(session: Session, book: Book, approvers: list[User]) -> None:
    """Every entry of the book waiting for approval gets it from approvers other than its maker."""
    for entry in entries.pending_approvals(session, book):
        for approver in approvers:
            if entry.status != EntryStatus.SUBMITTED.value:
                break
            if approver.id == entry.maker_id or any(a.user_id == approver.id for a in entry.approvals):
                continue
            entries.approve_entry(session, approver, book, entry)


class GrantRound:
    """Month by month (`step(i, day)` before the month closes), the round of the fund's first months."""

    def __init__(self, session: Session, book: Book, p: dict[str, User]):
        self.s, self.book, self.p = session, book, p
        self.manager, self.second, self.treasurer = p["jijin"], p["jijin2"], p["caiwu"]
        self.apps: dict[str, object] = {}

    def approve(self) -> None:
        approve_waiting(self.s, self.book, [self.manager, self.second])

    def step(self, i: int, day) -> None:
        s, book, fm, t = self.s, self.book, self.manager, self.treasurer
        if i == 0:
            self.programme = grants.create_programme(
                s, fm, book, "GX2026", "社区治理创新基金2026年度资助", GRANT_FUND, 10_000_000, 4_000_000, day(5), day(28) + dt.timedelta(days=20),
                criteria="一、回应居民真实需求，有居民参与的议事过程；二、预算清楚、可公开；三、可持续，有本地志愿者队伍；四、成效可衡量。",
                fund_name="区社区治理创新基金（2026年度资助轮）")
            entries.create_entry(s, t, book, EntryInput(date=day(6), summary="收到区社区治理创新基金2026年度资助轮拨款", lines=(
                Line("1002", GRANT_FUND, 10_000_000), Line("4501", GRANT_FUND, -10_000_000))), submit=True)
            for reviewer in ("jijin2", "jianchaa", "yezhu"):
                grants.add_reviewer(s, fm, book, self.programme, reviewer)
            self.approve()
        elif i == 1:
            for key, applicant, title, purpose, budget in (
                ("meals", "玉林西路社区居委会", "老年助餐点志愿者培训与配送", "为辖区独居老人提供午餐配送，培训30名志愿者。",
                 [("志愿者培训", 1_200_000), ("保温配送箱及餐具", 900_000), ("配送补贴（6个月）", 1_400_000)]),
                ("kids", "芳华社区儿童议事会", "儿童议事会：我们的游乐场", "儿童参与设计并监督小区游乐场改造，每月议事一次。",
                 [("议事活动物料", 600_000), ("设计工作坊", 1_000_000), ("改造小件材料", 1_200_000)]),
                ("music", "玉林街头音乐社", "玉林街头音乐节", "在社区广场举办两天音乐节。",
                 [("舞台音响租赁", 2_600_000), ("演出补贴", 1_400_000)])):
                self.apps[key] = grants.record_application(
                    s, t, book, self.programme, applicant, title, purpose, sum(f for _, f in budget), budget, day(8),
                    community="玉林街道", contact="（联系人电话存于基金办公室）")
            grants.declare_conflict(s, self.p["jianchaa"], book, self.apps["kids"], "本人之子是该儿童议事会成员")
            for key, scores in (("meals", (88, 91, 84)), ("kids", (86, None, 79)), ("music", (58, 61, 55))):
                for reviewer, points in zip(("jijin2", "jianchaa", "yezhu"), scores):
                    if points is not None:
                        grants.score(s, self.p[reviewer], book, self.apps[key], points,
                                     "需求清楚，预算合理" if points >= 80 else "与社区治理关系不大，更像一次性活动")
        elif i == 2:
            grants.decide(s, fm, book, self.apps["meals"], "award", "评审平均分87.7分，回应独居老人的真实需求", day(3),
                          tranches=[2_000_000, 1_500_000])
            grants.decide(s, fm, book, self.apps["kids"], "award", "儿童参与社区治理的好例子；利益冲突已申报并回避", day(3),
                          tranches=[1_400_000, 1_400_000])
            grants.decide(s, fm, book, self.apps["music"], "decline", "一次性文化活动，不属于本轮治理创新资助范围", day(3))
            self.approve()
            for key in ("meals", "kids"):
                grants.release(s, fm, book, self.apps[key], 1, day(10))
            self.approve()
        elif i == 3:
            for key, narrative, spent in (
                ("meals", "完成两期志愿者培训（31人结业），购置保温配送箱20个，已为42位老人配送午餐。",
                 [("志愿者培训（两期）", 1_180_000, "发票No.51008821"), ("保温配送箱及餐具", 820_000, "发票No.51009377")]),
                ("kids", "儿童议事会开会3次，完成游乐场改造方案，业主大会已公示征求意见。",
                 [("议事活动物料", 590_000, "收据No.0031"), ("设计工作坊", 810_000, "发票No.51012290")])):
                report = grants.record_report(s, t, book, self.apps[key], 1, narrative, spent, day(5))
                grants.decide_report(s, fm, book, report, True, day(9), "与凭证核对无误")
            grants.release(s, fm, book, self.apps["meals"], 2, day(12))
            self.approve()
        elif i == 4:
            report = grants.record_report(s, t, book, self.apps["meals"], 2, "配送补贴按月发放至第六个月；项目结束。",
                                          [("配送补贴（6个月）", 1_375_000, "发放签收表 2026-05")], day(6))
            grants.decide_report(s, fm, book, report, True, day(9), "签收表与银行流水一致")
            grants.close_grant(s, fm, book, self.apps["meals"], "return", day(15),
                               "项目结余1,250.00元退回基金（配送补贴实际发放少于预算）")
            self.approve()


class MatchingPool:
    """The sub-district's matching pool with six micro-projects: five run in the month before this one (two of them
    in a quadratic round closed that month), this month's quadratic round and one open project gather gifts now."""

    def __init__(self, session: Session, book: Book, p: dict[str, User], today: dt.date, publish_root=None, store=None):
        self.s, self.book, self.p, self.today = session, book, p, today
        self.fm, self.second, self.t = p["jijin"], p["jijin2"], p["caiwu"]
        self.publish = {"publish_root": publish_root, "store": store}
        self.rng = random.Random(20261203)

    def approve(self) -> None:
        approve_waiting(self.s, self.book, [self.fm, self.second])

    def donate(self, code: str, yuan: list[int], date: dt.date) -> list[str]:
        codes = []
        for k, amount in enumerate(yuan):
            name = "" if k % 4 == 0 else f"{self.rng.choice('王李张刘陈杨黄赵周吴')}{self.rng.choice(['女士', '先生', '阿姨', '老师'])}"
            made = projects.record_donation(
                self.s, self.t, self.book, code, amount * 100, date, self.rng.choice(["wechat", "alipay", "cash"]),
                f"139{self.rng.randrange(10**7, 10**8)}", reference=f"4200{self.rng.randrange(10**9, 10**10)}",
                display_name=name, anonymous=not name, **self.publish)
            codes.append(made.donation.receipt_code)
        self.approve()
        return codes

    def last_month(self, y: int, m: int) -> None:
        s, book, fm, t = self.s, self.book, self.fm, self.t
        day = lambda d: dt.date(y, m, d)  # noqa: E731
        projects.create_pool(s, fm, book, POOL, "玉林街道微项目配捐池", "武侯区玉林街道办事处")
        for n, d in ((1, 2), (2, 3)):  # in two instalments, each within what one approver may pass
            projects.deposit(s, fm, book, POOL, 980_000, day(d), f"街道2026年度微项目配捐资金（第{n}期）")
        self.approve()
        projects.add_rule(s, fm, book, POOL, {"kind": "ratio", "version": 1, "ratio": "1:1", "min_donation": "10",
                                              "per_donor_cap": "300", "per_project_cap": "3000"})
        projects.add_rule(s, fm, book, POOL, {"kind": "quadratic", "version": 2, "pool": "2000.00", "cap_share": "0.6"})
        projects.add_rule(s, fm, book, POOL, {"kind": "quadratic", "version": 3, "pool": "1000.00", "cap_share": "0.7"})
        later = self.today + dt.timedelta(days=30)
        for code, title, goal, deadline, mode, version, area, lines in (
            ("FUSHOU", "3栋楼道加装扶手", 600_000, day(20), "all_or_nothing", 1, "3栋", [("不锈钢扶手及安装（1-7层）", 600_000)]),
            ("ZHEYANG", "儿童游乐区遮阳棚", 1_200_000, later, "keep_what_you_raise", 1, "中心花园",
             [("遮阳棚材料", 900_000), ("安装", 300_000)]),
            ("TUSHU", "楼下共享图书角", 800_000, day(20), "all_or_nothing", 1, "5栋架空层",
             [("书架与桌椅", 500_000), ("首批图书", 300_000)]),
            ("CAIYUAN", "邻里共享菜园", 500_000, later, "keep_what_you_raise", 2, "东侧空地",
             [("土方与围栏", 300_000), ("种子工具", 200_000)]),
            # last month's quadratic round, closed: many small gifts against a few large ones
            ("QIANGHUI", "1栋楼道墙绘", 200_000, day(20), "keep_what_you_raise", 3, "1栋",
             [("涂料与工具", 150_000), ("志愿者餐费", 50_000)]),
            ("GANYINGDENG", "地下车库感应灯", 300_000, day(20), "keep_what_you_raise", 3, "地下车库",
             [("感应灯具", 220_000), ("安装", 80_000)]),
        ):
            projects.create_project(
                s, t, book, pool_code=POOL, rule_version=version, code=code, title=title, goal_fen=goal, deadline=deadline,
                funding_mode=mode, area=area, team="楼栋长与志愿者", budget_lines=lines,
                story=f"{area}的居民发起：{title}。每一笔捐款和配捐都在本页公开，花出去的每一分钱附凭证。")
        self.donate("FUSHOU", [200, 500, 300, 800, 100, 600, 400, 300, 500, 1000, 200, 300, 400, 500], day(6))
        self.donate("TUSHU", [200, 100, 300, 150, 400, 250], day(7))  # 1,400 of 8,000: it will miss
        kept = self.donate("ZHEYANG", [300, 200, 500, 100, 400], day(9))
        projects.refund_donation(s, t, book, kept[1], "捐款人误操作重复付款，原路退回", date=day(12), **self.publish)
        self.donate("QIANGHUI", [20, 30, 50, 20, 10, 40, 30, 20, 50, 30, 20, 60, 10, 20, 30, 20], day(8))
        self.donate("GANYINGDENG", [800, 700], day(8))
        self.approve()
        # The round closes: its 1,000.00 shared by (Σ√c)² − Σc, capped at 70 % each, to the fen; the figures are fixed
        projects.close_round(s, fm, book, POOL, 3)
        projects.settle_project(s, fm, book, "FUSHOU", day(21), **self.publish)  # funded: its matches post
        for code in ("QIANGHUI", "GANYINGDENG"):  # kept what they raised, with the round's match
            projects.settle_project(s, fm, book, code, day(21), **self.publish)
        projects.settle_project(s, fm, book, "TUSHU", day(21), **self.publish)  # missed: donors refunded, matches void
        self.approve()
        self.spend("FUSHOU", "不锈钢扶手及安装（1-7层）", 598_000, day(26), "3栋楼道扶手采购及安装（微项目：3栋楼道加装扶手）")
        self.approve()

    def spend(self, code: str, line_label: str, fen: int, date: dt.date, summary: str) -> None:
        """A spend against the project's budget line with the invoice's photo, redacted for the public page (as the
        fund manager would). Without a voucher folder the demo cannot attach one, so the project spends nothing."""
        from .demo import RECEIPT_PHONE_BOX, Vendor, receipt_photo
        from .vouchers import prepare_voucher, redact_voucher

        store = self.publish["store"]
        if store is None:
            return
        line = project_spending.budget_line_by_label(projects.get_project(self.s, self.book, code), line_label)
        vendor = Vendor("成都锦安金属制品有限公司", "Jin'an Metalwork Co.", "*金属制品*不锈钢扶手及安装")
        photo = receipt_photo(vendor, date, f"{fen // 100}.{fen % 100:02d}", 900 + line.id)
        entry = project_spending.record_spend(self.s, self.t, self.book, code, [(line.id, fen)], "5201", "1002", date,
                                              summary, [prepare_voucher(photo, f"发票-{date}.jpg", 20 << 20)], store)
        redact_voucher(self.s, self.fm, self.book, entry.attachments[0], RECEIPT_PHONE_BOX, store)

    def this_month(self) -> None:
        """The quadratic round gathers small gifts from many neighbours (its match is an estimate until the round
        closes); the sunshade keeps collecting."""
        first = self.today.replace(day=1)
        self.donate("CAIYUAN", [20, 50, 30, 100, 20, 60, 40, 30, 50], first)
        self.donate("ZHEYANG", [200, 100, 300], first)
        if self.publish["publish_root"] is not None:
            for project in projects.projects_of(self.s, self.book):
                projects.publish_project(self.s, self.fm, self.book, project.code, self.publish["publish_root"],
                                         store=self.publish["store"])
