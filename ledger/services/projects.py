"""Micro-projects with matching (微项目众筹 + 配捐, issue 10): pools, rule versions, projects, donations, refunds.

The matching itself is ledger.domain.matching, the same code `ledger matching simulate` runs: each donation's match
is `apply_donation` on a `MatchState` rebuilt from the database (the pool's remaining money and every live match),
in the order donations are recorded, under the book's lock. Every money fact is an entry through the entry services
(submitted here, approved by someone else like any entry):

- a pool's deposit: Dr 1002 / Cr 4501 on the pool's restricted fund;
- a donation: Dr 1001 (cash) or 1002 / Cr 4401 on the project's restricted fund;
- a funded project's matches: Dr 5201 / Cr 1002 on the pool's fund, Dr 1002 / Cr 4402 on the project's;
- a refund: Dr 4401 / Cr the channel's account on the project's fund (and a posted match clawed back: the matches'
  lines the other way round); a failed all-or-nothing project refunds every donor in one entry.

A match is pending (a commitment on the pool) when recorded, posted when its project is funded, voided when it fails;
the pool's committed_fen follows the matches by database triggers and CHECK (committed_fen <= held_fen) refuses any
commitment beyond what the pool holds, whatever path writes it. The donor's phone is kept only as an HMAC whose key
lives in the key folder, outside the database (`donor_key`).
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import config
from ..db.schema import (
    Account, Attachment, Book, Donation, DonationRefund, Entry, EntryLine, Match, MatchingPool,
    MatchingRuleVersion, PoolDeposit, Project, ProjectBudgetLine, User, utcnow,
)
from ..domain import matching
from ..domain.chain import project_message, receipt_message
from ..domain.errors import DuplicateCode, InvalidInput, InvalidState, NotFound
from ..domain.model import EntryInput, EntryStatus, Line, parse_date
from ..domain.money import fen_to_str
from ..domain.permissions import Action
from ..domain.text import first_control
from . import books as books_service
from .access import audit, require
from .posting import lock_book
from .signing import keys_for
from .unit_of_work import when_transaction_ends

FUND_BOOK_KINDS = ("community_fund", "foundation")
CHANNELS = ("cash", "bank", "wechat", "alipay")
CHANNEL_NAMES = {"cash": ("现金", "cash"), "bank": ("银行转账", "bank transfer"), "wechat": ("微信支付", "WeChat Pay"),
                 "alipay": ("支付宝", "Alipay")}
CHANNEL_ACCOUNTS = {"cash": "1001", "bank": "1002", "wechat": "1002", "alipay": "1002"}
BANK, DONATION_INCOME, MATCHING_INCOME, POOL_INCOME, PROGRAMME = "1002", "4401", "4402", "4501", "5201"
MODES = ("all_or_nothing", "keep_what_you_raise")
LIVE = ("pending", "posted")
ANONYMOUS = "匿名"
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed from paper
SECRET_FILE = "donors.hmac"


# --- the donor's phone, as a keyed hash ------------------------------------------------------------------------

def _secret(session: Session) -> bytes:
    """The HMAC key of donors' phones: a file in the key folder (beside the books' signing keys, outside the
    database), made once. Without it nobody holding the database can test a guessed phone number against it."""
    root = keys_for(session).root
    path = root / SECRET_FILE
    if not path.exists():
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def normalise_phone(phone: str) -> str:
    """Digits only ("+86 138-0013-8000" -> "13800138000"), full-width read too; refused unless 6 to 15 digits."""
    text = unicodedata.normalize("NFKC", phone or "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    # One phone, one donor (the per-donor cap): +86, 0086 and a trunk 0 after the country code ("+86 (0) 138…")
    # are ways of writing the same number, not another donor.
    if digits.startswith("0086") and len(digits) >= 15:
        digits = digits[4:]
    elif text.startswith("+86") or (len(digits) == 13 and digits.startswith("86")):
        digits = digits[2:]
    if len(digits) == 12 and digits.startswith("01"):
        digits = digits[1:]
    if any(not (ch.isdigit() or ch in " -+()") for ch in text) or not 6 <= len(digits) <= 15:
        raise InvalidInput("捐款人手机号无效（6 到 15 位数字）；手机号只用于按人计算配捐上限，不会公开",
                           "the donor's phone number is not valid (6 to 15 digits); it is used only to apply per-donor "
                           "caps and is never shown", "phone")
    return digits


def donor_key(session: Session, phone: str) -> str:
    """HMAC-SHA256 of the normalised phone: the same donor gets the same key, the phone itself is never stored."""
    return hmac.new(_secret(session), b"phone:" + normalise_phone(phone).encode(), hashlib.sha256).hexdigest()


# --- checks -------------------------------------------------------------------------------------------------------

# What a form's field is called in an error, so a person reads "显示名", not "display_name".
FIELD_NAMES = {"name": ("名称", "name"), "funder": ("出资方", "funder"), "note": ("备注", "note"),
               "title": ("标题", "title"), "story": ("项目介绍", "story"), "area": ("服务范围", "area"),
               "team": ("团队", "team"), "reference": ("支付参考号", "payment reference"),
               "display_name": ("显示名", "display name"), "reason": ("原因", "reason")}
# An empty field that needs saying what to do instead.
REQUIRED_HINTS = {"display_name": ("填写捐款人愿意在捐款榜上公开的称呼，或勾选“匿名”",
                                   "type the name the donor is happy to show on the donor wall, or tick Anonymous")}


def _text(value: str, field: str, most: int, *, required: bool = True, lines: bool = False) -> str:
    text = (value or "").strip()
    zh, en = FIELD_NAMES.get(field, (field, field))
    if required and not text:
        hint = REQUIRED_HINTS.get(field)
        raise InvalidInput(f"{zh}不能为空" + (f"：{hint[0]}" if hint else ""), f"{en}: required" + (f": {hint[1]}" if hint else ""),
                           field)
    if len(text) > most:
        raise InvalidInput(f"{zh}：最多 {most} 个字", f"{en}: at most {most} characters", field)
    bad = first_control(text.replace("\n", "").replace("\r", "") if lines else text)
    if bad is not None or "\x00" in text:
        raise InvalidInput(f"{zh}：不能含控制字符", f"{en}: no control characters", field)
    return text


def _no_phone_in_name(name: str) -> None:
    """The display name goes on the public donor wall: a phone typed into it (a WeChat nickname "王阿姨13800138000",
    the phone pasted into the wrong box) would publish what the phone field keeps only as a hash."""
    squeezed = "".join(ch for ch in unicodedata.normalize("NFKC", name) if ch not in " -()+.")
    if any(len(run) >= 7 for run in "".join(ch if ch.isdigit() else " " for ch in squeezed).split()):
        raise InvalidInput("display_name：显示名不能含电话号码（显示名会公开在捐赠墙上）",
                           "display_name: the display name must not hold a phone number (it is shown on the public "
                           "donor wall)", "display_name")


def _amount(fen, field: str = "amount") -> int:
    if not isinstance(fen, int) or isinstance(fen, bool) or fen <= 0 or fen > 10**13:
        raise InvalidInput(f"{field}：金额须大于零", f"{field}: the amount must be above zero", field)
    return fen


def _fund_book(book: Book) -> None:
    if book.kind not in FUND_BOOK_KINDS:
        raise InvalidState("配捐池与微项目属于社区基金或基金会账簿，不属于小区信托账簿",
                           "matching pools and micro-projects belong to a community fund or foundation book, not a "
                           "trust book", "book")


# --- pools and rules ------------------------------------------------------------------------------------------------

def create_pool(session: Session, actor: User, book: Book, code: str, name: str, funder: str = "政府") -> MatchingPool:
    """A matching pool with its own restricted fund (POOL-CODE) in the fund book."""
    require(session, actor, Action.MANAGE_MATCHING, book)
    _fund_book(book)
    lock_book(session, book)
    code = books_service._check_code(code, "code")
    if session.scalar(select(MatchingPool.id).where(MatchingPool.book_id == book.id, MatchingPool.code == code)):
        raise DuplicateCode(f"配捐池 {code} 已存在", f"matching pool {code} already exists", "code")
    name = _text(name, "name", 200)
    fund = books_service.add_fund(session, actor, book, f"POOL-{code}", f"配捐池：{name}", f"Matching pool: {name}", True)
    pool = MatchingPool(book_id=book.id, code=code, name=name, funder=_text(funder, "funder", 200), fund_id=fund.id,
                        held_fen=0, committed_fen=0, created_by_id=actor.id)
    session.add(pool)
    session.flush()
    audit(session, actor, book, "matching.pool", code, name=name)
    return pool


def get_pool(session: Session, book: Book, code: str) -> MatchingPool:
    pool = session.scalar(select(MatchingPool).where(MatchingPool.book_id == book.id, MatchingPool.code == code))
    if pool is None:
        raise NotFound(f"没有配捐池 {code}", f"no matching pool {code}", "pool")
    return pool


def pools_of(session: Session, book: Book) -> list[MatchingPool]:
    return list(session.scalars(select(MatchingPool).where(MatchingPool.book_id == book.id).order_by(MatchingPool.code)))


def deposit(session: Session, actor: User, book: Book, pool_code: str, amount_fen: int, date, note: str = "",
            idempotency_key: str | None = None) -> PoolDeposit:
    """Money put into the pool: an entry Dr 1002 / Cr 4501 on its fund (for approval), and the pool holds more.
    With `idempotency_key` (the form's), the same deposit sent again is the one made before: a deposit's entry is
    not rejected (permissions.PROJECT_SOURCES), so a double submit would have the pool hold its money twice."""
    from ..domain.errors import IdempotencyConflict
    from .entries import create_entry

    require(session, actor, Action.MANAGE_MATCHING, book)
    _amount(amount_fen)
    date = parse_date(date, "date")
    note = _text(note, "note", 200, required=False)
    lock_book(session, book)
    pool = get_pool(session, book, pool_code)
    session.refresh(pool)
    if idempotency_key:
        entry_id = session.scalar(select(Entry.id).where(Entry.book_id == book.id, Entry.idempotency_key == idempotency_key))
        if entry_id is not None:
            earlier = session.scalar(select(PoolDeposit).where(PoolDeposit.entry_id == entry_id))
            if (earlier is None or earlier.pool_id != pool.id or earlier.amount_fen != amount_fen or earlier.note != note
                    or session.get(Entry, entry_id).date != date):
                raise IdempotencyConflict(f"幂等键 {idempotency_key} 已用于另一笔内容不同的记录",
                                          f"idempotency key {idempotency_key} was already used for something different",
                                          "idempotency_key")
            return earlier
    fund = pool.fund.code
    entry = create_entry(session, actor, book, EntryInput(date=date, summary=f"配捐池注资：{pool.name}", lines=(
        Line(BANK, fund, amount_fen), Line(POOL_INCOME, fund, -amount_fen)), idempotency_key=idempotency_key),
        submit=True, source="matching")
    row = PoolDeposit(pool_id=pool.id, amount_fen=amount_fen, entry_id=entry.id, note=note, created_by_id=actor.id)
    session.add(row)
    pool.held_fen += amount_fen
    session.flush()
    audit(session, actor, book, "matching.deposit", pool.code, amount=amount_fen, entry=entry.id)
    return row


def add_rule(session: Session, actor: User, book: Book, pool_code: str, data, *, shown_digest: str | None = None,
             allow_tier_gaps: bool = True) -> MatchingRuleVersion:
    """A new version of the pool's rule (RULE.json's object). A version number is written once: the same rule sent
    again returns it, another rule under a used number is refused (a rule never changes under a project).

    With `shown_digest` (the digest of the rule whose explainer and simulation the form showed), refuse a rule that
    is not that one: what the manager previewed is what is published. `allow_tier_gaps=False` (the back office's
    typed tiers) refuses a gap between tiers (matching.refuse_tier_gaps)."""
    require(session, actor, Action.MANAGE_MATCHING, book)
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as e:
            raise InvalidInput(f"规则不是有效的 JSON：{e}", f"the rule is not valid JSON: {e}", "rule") from None
    rule = matching.parse_rule(data)
    if not allow_tier_gaps:
        matching.refuse_tier_gaps(rule)
    if shown_digest is not None and shown_digest != rule.digest():
        raise InvalidState("规则与刚才预览的不同（或尚未预览）：请先看预览，核对说明与模拟结果后再发布",
                           "the rule is not the one previewed (or was never previewed): show the preview, check its "
                           "explanation and simulation, then publish", "rule")
    lock_book(session, book)
    pool = get_pool(session, book, pool_code)
    canonical = json.dumps(rule.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    earlier = session.scalar(select(MatchingRuleVersion).where(MatchingRuleVersion.pool_id == pool.id,
                                                               MatchingRuleVersion.version == rule.version))
    if earlier is not None:
        if earlier.digest == rule.digest():
            return earlier
        raise InvalidState(f"配捐池 {pool.code} 的规则第 {rule.version} 版已存在且内容不同；规则一经发布不再修改，请用新的版本号",
                           f"pool {pool.code} already has a different version {rule.version} of its rule; a published "
                           "rule never changes: give the new one a new version number", "version")
    row = MatchingRuleVersion(pool_id=pool.id, version=rule.version, kind=rule.kind, rule_json=canonical,
                              digest=rule.digest(), created_by_id=actor.id)
    session.add(row)
    session.flush()
    audit(session, actor, book, "matching.rule", f"{pool.code} v{rule.version}", digest=row.digest, kind=rule.kind)
    return row


def rule_of(row: MatchingRuleVersion) -> matching.Rule:
    """The pinned rule, read back from its canonical JSON; refused if the JSON no longer has its digest."""
    rule = matching.parse_rule(json.loads(row.rule_json))
    if rule.digest() != row.digest:
        raise InvalidState(f"配捐规则第 {row.version} 版与其摘要不符（数据库被改动？）",
                           f"matching rule version {row.version} does not match its digest (was the database changed?)",
                           "rule")
    return rule


def rules_of(session: Session, pool: MatchingPool) -> list[MatchingRuleVersion]:
    return list(session.scalars(select(MatchingRuleVersion).where(MatchingRuleVersion.pool_id == pool.id)
                                .order_by(MatchingRuleVersion.version)))


# --- projects -------------------------------------------------------------------------------------------------------

def create_project(session: Session, actor: User, book: Book, *, pool_code: str, rule_version: int, code: str,
                   title: str, goal_fen: int, deadline, funding_mode: str, story: str = "", area: str = "",
                   team: str = "", stretch_fen: int | None = None,
                   budget_lines: list[tuple[str, int]] = ()) -> Project:
    """A micro-project under a pool's rule version (pinned for good), with its own restricted fund P-CODE."""
    require(session, actor, Action.MANAGE_PROJECTS, book)
    _fund_book(book)
    code = books_service._check_code(code, "code")
    title = _text(title, "title", 200)
    story = _text(story, "story", 5000, required=False, lines=True)
    area, team = _text(area, "area", 200, required=False), _text(team, "team", 200, required=False)
    _amount(goal_fen, "goal")
    if stretch_fen is not None and (_amount(stretch_fen, "stretch") <= goal_fen):
        raise InvalidInput("stretch：延伸目标须高于目标", "stretch: the stretch goal must be above the goal", "stretch")
    deadline = parse_date(deadline, "deadline")
    if funding_mode not in MODES:
        raise InvalidInput(f"funding_mode：筹款方式“{funding_mode}”无效，应为 all_or_nothing 或 keep_what_you_raise",
                           f"funding_mode: \"{funding_mode}\" is not all_or_nothing or keep_what_you_raise", "funding_mode")
    lines = []
    for i, (label, fen) in enumerate(budget_lines):
        lines.append((_text(label, f"budget_lines[{i}].label", 200), _amount(fen, f"budget_lines[{i}].amount")))
    lock_book(session, book)
    pool = get_pool(session, book, pool_code)
    rule = session.scalar(select(MatchingRuleVersion).where(MatchingRuleVersion.pool_id == pool.id,
                                                            MatchingRuleVersion.version == rule_version))
    if rule is None:
        raise NotFound(f"配捐池 {pool.code} 没有第 {rule_version} 版规则", f"pool {pool.code} has no rule version "
                       f"{rule_version}", "rule_version")
    if session.scalar(select(Project.id).where(Project.book_id == book.id, Project.code == code)):
        raise DuplicateCode(f"项目代码 {code} 已存在", f"project code {code} already exists", "code")
    fund = books_service.add_fund(session, actor, book, f"P-{code}", f"微项目：{title}"[:200], f"Micro-project: {title}"[:200],
                                  True)
    project = Project(book_id=book.id, pool_id=pool.id, rule_id=rule.id, fund_id=fund.id, code=code, title=title,
                      story=story, area=area, team=team, goal_fen=goal_fen, stretch_fen=stretch_fen, deadline=deadline,
                      funding_mode=funding_mode, status="open", created_by_id=actor.id)
    session.add(project)
    session.flush()
    for label, fen in lines:
        session.add(ProjectBudgetLine(project_id=project.id, label=label, amount_fen=fen))
    session.flush()
    audit(session, actor, book, "project.create", code, pool=pool.code, rule_version=rule.version, goal=goal_fen)
    return project


def get_project(session: Session, book: Book, code: str) -> Project:
    project = session.scalar(select(Project).where(Project.book_id == book.id, Project.code == code))
    if project is None:
        raise NotFound(f"没有微项目 {code}", f"no micro-project {code}", "project")
    return project


def projects_of(session: Session, book: Book) -> list[Project]:
    return list(session.scalars(select(Project).where(Project.book_id == book.id).order_by(Project.deadline, Project.code)))


@dataclass
class Progress:
    """A project's figures, in fen."""

    given_fen: int  # every donation as recorded
    refunded_fen: int
    matched_pending_fen: int
    matched_posted_fen: int
    donors: int
    donations: int

    @property
    def raised_fen(self) -> int:
        return self.given_fen - self.refunded_fen

    @property
    def matched_fen(self) -> int:
        return self.matched_pending_fen + self.matched_posted_fen


def progress(session: Session, project: Project) -> Progress:
    given, count, donors = session.execute(
        select(func.coalesce(func.sum(Donation.amount_fen), 0), func.count(Donation.id),
               func.count(func.distinct(Donation.donor_key))).where(Donation.project_id == project.id)).one()
    refunded = session.scalar(select(func.coalesce(func.sum(DonationRefund.amount_fen), 0))
                              .join(Donation, Donation.id == DonationRefund.donation_id)
                              .where(Donation.project_id == project.id))
    live = dict(session.execute(select(Match.status, func.sum(Match.amount_fen - Match.clawed_back_fen))
                                .where(Match.project_id == project.id, Match.status.in_(LIVE)).group_by(Match.status)).all())
    return Progress(int(given), int(refunded), int(live.get("pending") or 0), int(live.get("posted") or 0), donors, count)


# --- donations and their matches ------------------------------------------------------------------------------------

def _live_matches(session: Session, pool: MatchingPool):
    """(project code, donor key, live fen) of every live match of the pool, in recorded order."""
    return session.execute(
        select(Project.code, Donation.donor_key, Match.amount_fen - Match.clawed_back_fen)
        .join(Donation, Donation.id == Match.donation_id).join(Project, Project.id == Match.project_id)
        .where(Match.pool_id == pool.id, Match.status.in_(LIVE)).order_by(Match.id)).all()


def match_state(session: Session, pool: MatchingPool) -> matching.MatchState:
    """The pool's MatchState as the database has it: what it holds less what it committed, and every live match."""
    return matching.MatchState.rebuild(pool.held_fen - pool.committed_fen,
                                       [(p, d, int(fen)) for p, d, fen in _live_matches(session, pool)])


def _refuse_closed(project: Project, date: dt.date) -> None:
    if project.status != "open":
        raise InvalidState(f"项目 {project.code} 已结束筹款（{project.status}），不能再捐款",
                           f"project {project.code} is no longer raising money ({project.status})", "project")
    if project.round_closed_at is not None:
        raise InvalidState(f"项目 {project.code} 所在的二次方配捐轮已结束", f"the quadratic round of project "
                           f"{project.code} has closed", "project")
    if date > project.deadline:
        raise InvalidState(f"捐款日期 {date} 晚于项目截止日 {project.deadline}",
                           f"the donation's date {date} is after the project's deadline {project.deadline}", "date")


def preview_match(session: Session, actor: User, book: Book, project_code: str, phone: str, amount_fen: int
                  ) -> matching.Match | None:
    """The match a donation would get now (ratio and tier rules; None for a quadratic rule, whose figure is an
    estimate until its round closes). What the form shows the donor before saving; read-only."""
    require(session, actor, Action.RECORD_DONATION, book)
    _amount(amount_fen)
    project = get_project(session, book, project_code)
    rule = rule_of(project.rule)
    if rule.kind == "quadratic":
        return None
    match, _ = matching.apply_donation(rule, matching.Donation(donor_key(session, phone), amount_fen, project.code),
                                       match_state(session, project.pool))
    return match


def _receipt_code() -> str:
    body = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    return f"JZ-{body[:5]}-{body[5:]}"


@dataclass
class DonationResult:
    donation: Donation
    match: Match | None  # None under a quadratic rule until its round closes
    entry: Entry


def record_donation(session: Session, actor: User, book: Book, project_code: str, amount_fen: int, date, channel: str,
                    phone: str, reference: str = "", display_name: str = "", anonymous: bool = False,
                    shown_match_fen: int | None = None, publish_root: Path | None = None, store=None,
                    idempotency_key: str | None = None) -> DonationResult:
    """Record a donation: its entry (for approval), its receipt code, and under a ratio or tier rule its match,
    pending on the pool. With `shown_match_fen` (what the form showed the donor), refuse if the match is no longer
    that: the match a donor was shown is the match they get. With `publish_root`, the project's public progress
    and the receipt's document are rewritten once this commits."""
    from .entries import create_entry

    require(session, actor, Action.RECORD_DONATION, book)
    _amount(amount_fen)
    date = parse_date(date, "date")
    if channel not in CHANNELS:
        raise InvalidInput(f"channel：捐款方式“{channel}”无效，应为 {'、'.join(CHANNELS)}",
                           f"channel: \"{channel}\" is not one of {', '.join(CHANNELS)}", "channel")
    reference = _text(reference, "reference", 60, required=False)
    display_name = _text(display_name, "display_name", 60, required=not anonymous)
    _no_phone_in_name(display_name)
    key = donor_key(session, phone)
    lock_book(session, book)
    project = get_project(session, book, project_code)
    session.refresh(project)
    pool = project.pool
    session.refresh(pool)  # what it holds and committed, re-read under the lock
    _refuse_closed(project, date)
    rule = rule_of(project.rule)
    computed = None
    if rule.kind != "quadratic":
        computed, _ = matching.apply_donation(rule, matching.Donation(key, amount_fen, project.code),
                                              match_state(session, pool))
        if shown_match_fen is not None and computed.match_fen != shown_match_fen:
            raise InvalidState(
                f"配捐额已变为 {fen_to_str(computed.match_fen)}（刚才显示 {fen_to_str(shown_match_fen)}），请核对后再保存",
                f"the match is now {fen_to_str(computed.match_fen)} (shown: {fen_to_str(shown_match_fen)}); check it with "
                "the donor and save again", "amount")
    fund = project.fund.code
    summary = f"收捐款（{CHANNEL_NAMES[channel][0]}）：{project.title}"[:200]
    entry = create_entry(session, actor, book, EntryInput(date=date, summary=summary, lines=(
        Line(CHANNEL_ACCOUNTS[channel], fund, amount_fen), Line(DONATION_INCOME, fund, -amount_fen)),
        idempotency_key=idempotency_key), submit=True, source="donation")
    while True:
        code = _receipt_code()
        if not session.scalar(select(Donation.id).where(Donation.receipt_code == code)):
            break
    donation = Donation(book_id=book.id, project_id=project.id, amount_fen=amount_fen, date=date, channel=channel,
                        reference=reference, display_name="" if anonymous else display_name, anonymous=anonymous,
                        donor_key=key, receipt_code=code, entry_id=entry.id, recorded_by_id=actor.id)
    session.add(donation)
    session.flush()
    funder_code_for(session, book, key)  # the donor's code across projects, made at their first gift (hfund)
    match_row = None
    if computed is not None:
        match_row = Match(pool_id=pool.id, project_id=project.id, donation_id=donation.id, raw_fen=computed.raw_fen,
                          amount_fen=computed.match_fen, reason=computed.reason, status="pending", clawed_back_fen=0)
        session.add(match_row)
        _flush_commitment(session, pool)
    audit(session, actor, book, "donation.record", code, project=project.code, amount=amount_fen,
          match=computed.match_fen if computed else None, entry=entry.id)
    if publish_root is not None:
        publish_on_commit(session, book, project, publish_root, store)
    return DonationResult(donation, match_row, entry)


def _flush_commitment(session: Session, pool: MatchingPool) -> None:
    """Write the matches; the database's CHECK has the last word on the pool (never more committed than held)."""
    try:
        session.flush()
    except IntegrityError:  # the unit of work rolls the whole use case back
        raise InvalidState(f"配捐池 {pool.code} 余额不足：承诺的配捐不能超过池中资金",
                           f"matching pool {pool.code} cannot commit more than it holds", "pool") from None
    session.refresh(pool)


def get_donation(session: Session, book: Book, receipt_code: str) -> Donation:
    donation = session.scalar(select(Donation).where(Donation.book_id == book.id,
                                                     Donation.receipt_code == (receipt_code or "").strip().upper()))
    if donation is None:
        raise NotFound(f"没有收据号为 {receipt_code} 的捐款", f"no donation with receipt code {receipt_code}", "receipt")
    return donation


def refunded_of(session: Session, donation: Donation) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(DonationRefund.amount_fen), 0))
                              .where(DonationRefund.donation_id == donation.id)))


def match_of(session: Session, donation: Donation) -> Match | None:
    return session.scalar(select(Match).where(Match.donation_id == donation.id))


def refund_donation(session: Session, actor: User, book: Book, receipt_code: str, reason: str,
                    amount_fen: int | None = None, date=None, publish_root: Path | None = None, store=None,
                    idempotency_key: str | None = None) -> DonationRefund:
    """Give a donation back (all of what is left of it, or `amount_fen`): an entry Dr 4401 / Cr the channel's account
    on the project's fund, and its match clawed back by `matching.claw_back` (the rest of the donation keeps what the
    rule's rate gives it). A posted match's clawed-back part goes back to the pool's fund in the same entry."""
    from .entries import create_entry

    require(session, actor, Action.RECORD_DONATION, book)
    reason = _text(reason, "reason", 200)
    date = parse_date(date or dt.date.today(), "date")
    lock_book(session, book)
    donation = get_donation(session, book, receipt_code)
    project = session.get(Project, donation.project_id)
    session.refresh(project)
    if project.status == "failed":
        raise InvalidState("项目未达目标，捐款已全部退还", "the project missed its goal: every donation was refunded", "receipt")
    left = donation.amount_fen - refunded_of(session, donation)
    amount = left if amount_fen is None else _amount(amount_fen)
    if left <= 0 or amount > left:
        raise InvalidInput(f"退款额不能超过尚未退还的 {fen_to_str(left)}", f"the refund cannot exceed what is left of the "
                           f"donation, {fen_to_str(left)}", "amount")
    if project.status == "funded" and project.funding_mode == "all_or_nothing":
        # 套捐: a large gift carries the project over its goal, the matches are paid, and the gift comes back
        raised = progress(session, project).raised_fen
        if raised - amount < project.goal_fen:
            raise InvalidState(
                f"项目已按达到目标 {fen_to_str(project.goal_fen)} 结算，配捐已拨付：退还 {fen_to_str(amount)} 会使筹款"
                f"（现 {fen_to_str(raised)}）低于目标，达到目标所靠的捐款不能再退",
                f"the project was settled as having reached its goal of {fen_to_str(project.goal_fen)} and its matches "
                f"were paid: refunding {fen_to_str(amount)} would take what it raised ({fen_to_str(raised)}) below the "
                "goal, and the gifts that reached it cannot be taken back", "amount")
    pool = project.pool
    session.refresh(pool)
    match_row = match_of(session, donation)
    clawed = 0
    if match_row is not None and match_row.status in LIVE and match_row.amount_fen - match_row.clawed_back_fen > 0:
        rule = rule_of(project.rule)
        live = match_row.amount_fen - match_row.clawed_back_fen
        if rule.kind == "quadratic":  # no rate to keep part by: the match goes with its share of the gift
            clawed = live if amount == left else live * amount // left
        else:
            as_matched = matching.Match(matching.Donation(donation.donor_key, left, project.code), match_row.raw_fen, live)
            clawed = matching.claw_back(rule, as_matched, match_state(session, pool), amount)[0].clawed_back_fen
    fund = project.fund.code
    cash = CHANNEL_ACCOUNTS[donation.channel]
    lines = [Line(DONATION_INCOME, fund, amount), Line(cash, fund, -amount)]
    if clawed and match_row.status == "posted":
        pool_fund = pool.fund.code
        lines += [Line(MATCHING_INCOME, fund, clawed), Line(BANK, fund, -clawed),
                  Line(BANK, pool_fund, clawed), Line(PROGRAMME, pool_fund, -clawed)]
    entry = create_entry(session, actor, book, EntryInput(date=date, summary=f"退捐款：{project.title}"[:200],
                                                          lines=tuple(lines), idempotency_key=idempotency_key),
                         submit=True, source="donation_refund")
    row = DonationRefund(donation_id=donation.id, amount_fen=amount, reason=reason, entry_id=entry.id,
                         created_by_id=actor.id)
    session.add(row)
    if clawed:
        match_row.clawed_back_fen += clawed
        match_row.status_at = utcnow()
    session.flush()
    session.refresh(pool)
    audit(session, actor, book, "donation.refund", donation.receipt_code, amount=amount, clawed_back=clawed,
          entry=entry.id)
    if publish_root is not None:
        publish_on_commit(session, book, project, publish_root, store)
    return row


# --- quadratic rounds -----------------------------------------------------------------------------------------------

def _round_donations(session: Session, rule_row: MatchingRuleVersion, projects: list[Project]):
    """Each donation of the round's projects, net of refunds, in recorded order: (donation row, matching.Donation)."""
    rows = list(session.scalars(select(Donation).where(Donation.project_id.in_([p.id for p in projects]))
                                .order_by(Donation.id)))
    refunded = dict(session.execute(select(DonationRefund.donation_id, func.sum(DonationRefund.amount_fen))
                                    .where(DonationRefund.donation_id.in_([d.id for d in rows]))
                                    .group_by(DonationRefund.donation_id)).all()) if rows else {}
    codes = {p.id: p.code for p in projects}
    out = []
    for d in rows:
        net = d.amount_fen - int(refunded.get(d.id) or 0)
        if net > 0:
            out.append((d, matching.Donation(d.donor_key, net, codes[d.project_id])))
    return out


def round_projects(session: Session, rule_row: MatchingRuleVersion) -> list[Project]:
    return list(session.scalars(select(Project).where(Project.rule_id == rule_row.id, Project.status == "open",
                                                      Project.round_closed_at.is_(None)).order_by(Project.code)))


def quadratic_estimate(session: Session, project: Project) -> int | None:
    """The match a quadratic project would get if its round closed now (an estimate; None for other rules)."""
    rule = rule_of(project.rule)
    if rule.kind != "quadratic":
        return None
    projects = round_projects(session, project.rule)
    if project not in projects:
        return None
    donations = [d for _, d in _round_donations(session, project.rule, projects)]
    shares = matching.quadratic_round(rule.pool_fen, {**{p.code: {} for p in projects},
                                                      **matching.contributions_of(rule, donations)}, rule.project_cap_fen())
    return shares.projects[project.code].match_fen


def close_round_refusal(session: Session, pool: MatchingPool, rule_row: MatchingRuleVersion) -> InvalidState | None:
    """Why a quadratic round cannot close now (None if it can): the rule the pool's page and `close_round` both ask."""
    if rule_row.kind != "quadratic":
        return InvalidState(f"第 {rule_row.version} 版规则不是二次方配捐", f"rule version {rule_row.version} is not quadratic",
                            "rule_version")
    if not round_projects(session, rule_row):
        return InvalidState("这一轮没有尚未结束的项目", "this round has no open project left", "rule_version")
    rule = rule_of(rule_row)
    if rule.pool_fen > pool.held_fen - pool.committed_fen:
        return InvalidState(f"配捐池 {pool.code} 余额 {fen_to_str(pool.held_fen - pool.committed_fen)} 不足本轮的 "
                            f"{fen_to_str(rule.pool_fen)}", f"pool {pool.code} holds "
                            f"{fen_to_str(pool.held_fen - pool.committed_fen)} uncommitted, less than the round's "
                            f"{fen_to_str(rule.pool_fen)}", "pool")
    return None


def close_round(session: Session, actor: User, book: Book, pool_code: str, rule_version: int,
                publish_root: Path | None = None, store=None) -> matching.QuadraticRound:
    """Close a quadratic round: share its pool among its open projects by `matching.quadratic_round` and record each
    donation's part (`estimated_donation_shares`, summing to its project's share) as a pending match. With
    `publish_root`, each project's public pages are rewritten: the estimate becomes the fixed match."""
    require(session, actor, Action.MANAGE_MATCHING, book)
    lock_book(session, book)
    pool = get_pool(session, book, pool_code)
    session.refresh(pool)
    rule_row = session.scalar(select(MatchingRuleVersion).where(MatchingRuleVersion.pool_id == pool.id,
                                                                MatchingRuleVersion.version == rule_version))
    if rule_row is None or rule_row.kind != "quadratic":
        raise NotFound(f"配捐池 {pool.code} 没有第 {rule_version} 版二次方规则", f"pool {pool.code} has no quadratic rule "
                       f"version {rule_version}", "rule_version")
    refusal = close_round_refusal(session, pool, rule_row)
    if refusal is not None:
        raise refusal
    rule = rule_of(rule_row)
    projects = round_projects(session, rule_row)
    pairs = _round_donations(session, rule_row, projects)
    donations = [d for _, d in pairs]
    result = matching.quadratic_round(rule.pool_fen, {**{p.code: {} for p in projects},
                                                      **matching.contributions_of(rule, donations)}, rule.project_cap_fen())
    shares = matching.estimated_donation_shares(rule, donations, result)
    by_code = {p.code: p for p in projects}
    for (row, d), fen in zip(pairs, shares):
        session.add(Match(pool_id=pool.id, project_id=by_code[d.project].id, donation_id=row.id, raw_fen=fen,
                          amount_fen=fen, reason=None, status="pending", clawed_back_fen=0))
    now = utcnow()
    for p in projects:
        p.round_closed_at = now
    _flush_commitment(session, pool)
    audit(session, actor, book, "matching.round", f"{pool.code} v{rule_version}",
          shares={p: s.match_fen for p, s in result.projects.items()}, unallocated=result.unallocated_fen)
    if publish_root is not None:
        for p in projects:
            publish_on_commit(session, book, p, publish_root, store)
    return result


# --- settling a project ---------------------------------------------------------------------------------------------

def settle_refusal(session: Session, project: Project, date: dt.date) -> InvalidState | InvalidInput | None:
    """Why the project cannot be settled on `date` (None if it can): what `settle_project` and the project's page
    (which shows the button exactly when it would be allowed) both ask. A date to come is refused: typed past the
    deadline, it would end short of its goal a project still collecting."""
    if date > dt.date.today():
        return InvalidInput(f"date：结算日期 {date} 晚于今天", f"date: the settlement date {date} is after today", "date")
    if project.status != "open":
        return InvalidState(f"项目 {project.code} 已结算（{project.status}）", f"project {project.code} is already settled "
                            f"({project.status})", "project")
    figures = progress(session, project)
    reached = figures.raised_fen >= project.goal_fen
    if not reached and date <= project.deadline:
        return InvalidState(f"项目尚未达到目标（{fen_to_str(figures.raised_fen)} / {fen_to_str(project.goal_fen)}），"
                            f"截止日 {project.deadline} 之后才能结算",
                            f"the project has not reached its goal ({fen_to_str(figures.raised_fen)} of "
                            f"{fen_to_str(project.goal_fen)}); it can be settled after its deadline, {project.deadline}",
                            "project")
    funded = reached or project.funding_mode == "keep_what_you_raise"
    if funded and rule_of(project.rule).kind == "quadratic" and project.round_closed_at is None:
        return InvalidState("二次方配捐轮尚未结束：请先结束本轮，确定各项目的配捐", "close the quadratic round first: it "
                            "fixes each project's match", "project")
    return None


def settle_project(session: Session, actor: User, book: Book, project_code: str, date=None,
                   publish_root: Path | None = None, store=None) -> Project:
    """End a project's fundraising. Funded (goal reached, or keep-what-you-raise at its deadline): its pending
    matches are posted by one entry moving them from the pool's fund to the project's. Failed (all-or-nothing, the
    deadline passed short of the goal): its matches are voided and every donor is refunded what is left of their gift,
    by one entry. Before the deadline only a project that reached its goal can be settled."""
    from .entries import create_entry

    require(session, actor, Action.MANAGE_MATCHING, book)
    date = parse_date(date or dt.date.today(), "date")
    lock_book(session, book)
    project = get_project(session, book, project_code)
    session.refresh(project)
    refusal = settle_refusal(session, project, date)
    if refusal is not None:
        raise refusal
    pool = project.pool
    session.refresh(pool)
    figures = progress(session, project)
    funded = figures.raised_fen >= project.goal_fen or project.funding_mode == "keep_what_you_raise"
    pending = list(session.scalars(select(Match).where(Match.project_id == project.id, Match.status == "pending")
                                   .order_by(Match.id)))
    now = utcnow()
    fund = project.fund.code
    if funded:
        total = sum(m.amount_fen - m.clawed_back_fen for m in pending)
        entry = None
        if total:
            entry = create_entry(session, actor, book, EntryInput(date=date, summary=f"拨付配捐：{project.title}"[:200], lines=(
                Line(PROGRAMME, pool.fund.code, total), Line(BANK, pool.fund.code, -total),
                Line(BANK, fund, total), Line(MATCHING_INCOME, fund, -total))), submit=True, source="matching")
        for m in pending:
            m.status, m.status_at, m.entry_id = "posted", now, entry.id if entry else None
        project.status, project.settle_entry_id = "funded", entry.id if entry else None
    else:
        for m in pending:
            m.status, m.status_at = "voided", now
        donations = list(session.scalars(select(Donation).where(Donation.project_id == project.id).order_by(Donation.id)))
        owed = [(d, d.amount_fen - refunded_of(session, d)) for d in donations]
        owed = [(d, fen) for d, fen in owed if fen > 0]
        entry = None
        if owed:
            by_account: dict[str, int] = defaultdict(int)
            for d, fen in owed:
                by_account[CHANNEL_ACCOUNTS[d.channel]] += fen
            lines = [Line(DONATION_INCOME, fund, sum(fen for _, fen in owed))]
            lines += [Line(account, fund, -fen) for account, fen in sorted(by_account.items())]
            entry = create_entry(session, actor, book, EntryInput(
                date=date, summary=f"项目未达目标，退还全部捐款：{project.title}"[:200], lines=tuple(lines)),
                submit=True, source="donation_refund")
            for d, fen in owed:
                session.add(DonationRefund(donation_id=d.id, amount_fen=fen, reason="项目未达目标，全额退还 / goal missed: "
                                           "refunded in full", entry_id=entry.id, created_by_id=actor.id))
        project.status, project.settle_entry_id = "failed", entry.id if entry else None
    project.settled_at = now
    session.flush()
    session.refresh(pool)
    audit(session, actor, book, "project.settle", project.code, status=project.status,
          entry=project.settle_entry_id, raised=figures.raised_fen)
    if publish_root is not None:
        publish_on_commit(session, book, project, publish_root, store)
    return project


# --- the pool manager's view -----------------------------------------------------------------------------------------

def pool_figures(session: Session, pool: MatchingPool) -> dict:
    """Held, committed (pending and posted, less clawed back), voided, clawed back and remaining, in fen."""
    rows = session.execute(select(Match.status, func.coalesce(func.sum(Match.amount_fen), 0),
                                  func.coalesce(func.sum(Match.clawed_back_fen), 0))
                           .where(Match.pool_id == pool.id).group_by(Match.status)).all()
    by = {status: (int(total), int(clawed)) for status, total, clawed in rows}
    pending = by.get("pending", (0, 0))
    posted = by.get("posted", (0, 0))
    voided = by.get("voided", (0, 0))
    return {"held": pool.held_fen, "committed": pool.committed_fen, "pending": pending[0] - pending[1],
            "posted": posted[0] - posted[1], "voided": voided[0] - voided[1],
            "clawed_back": pending[1] + posted[1] + voided[1], "remaining": pool.held_fen - pool.committed_fen}


def pool_watch(session: Session, actor: User, book: Book, pool_code: str) -> dict:
    """What the pool manager watches for 套捐: donors whose match hit a cap, one phone (hash) giving under several
    display names, one payment reference used by several donors. Donors are shown by a short form of their hash."""
    require(session, actor, Action.READ_DONORS, book)
    pool = get_pool(session, book, pool_code)
    rows = session.execute(
        select(Donation, Match, Project.code).join(Project, Project.id == Donation.project_id)
        .outerjoin(Match, Match.donation_id == Donation.id).where(Project.pool_id == pool.id).order_by(Donation.id)).all()
    capped: dict[tuple[str, str], dict] = {}
    names: dict[str, set[str]] = defaultdict(set)
    gifts: dict[str, int] = defaultdict(int)
    refs: dict[str, set[str]] = defaultdict(set)
    for donation, match, project_code in rows:
        short = donation.donor_key[:10]
        gifts[short] += 1
        names[short].add(ANONYMOUS if donation.anonymous else donation.display_name)
        ref = "".join(ch for ch in donation.reference.upper() if ch.isalnum())
        if ref:
            refs[ref].add(short)
        if match is not None and "donor_cap" in (match.reason or ""):
            capped.setdefault((short, project_code), {"donor": short, "project": project_code, "donations": 0})
            capped[(short, project_code)]["donations"] += 1
    shared_phone = [{"donor": k, "names": sorted(v), "donations": gifts[k]} for k, v in names.items() if len(v) > 1]
    shared_reference = [{"reference": r, "donors": sorted(v)} for r, v in refs.items() if len(v) > 1]
    return {"figures": pool_figures(session, pool), "capped": list(capped.values()), "shared_phone": shared_phone,
            "shared_reference": shared_reference}


def donations_of(session: Session, actor: User, book: Book, project: Project) -> list[dict]:
    """The project's donations for the back office (no phone: only its hash's first digits)."""
    require(session, actor, Action.READ_DONORS, book)
    out = []
    for d in session.scalars(select(Donation).where(Donation.project_id == project.id).order_by(Donation.id)):
        m = match_of(session, d)
        out.append({"receipt": d.receipt_code, "date": d.date, "amount": d.amount_fen, "channel": d.channel,
                    "reference": d.reference, "name": ANONYMOUS if d.anonymous else d.display_name,
                    "donor": d.donor_key[:10], "refunded": refunded_of(session, d),
                    "match": m.amount_fen - m.clawed_back_fen if m else None, "match_status": m.status if m else None,
                    "reason": m.reason if m else None, "entry_id": d.entry_id})
    return out


# --- what the public site reads ---------------------------------------------------------------------------------------

def _expenses(session: Session, project: Project) -> list[dict]:
    """Posted spending from the project's fund (expense lines), each with its public voucher pages: only copies the
    committee reviewed for redaction (a copy after the one made at upload, as a month's publication requires);
    a voucher not yet reviewed is only counted (`vouchers_waiting`), never shown."""
    from .vouchers import newest_public_copies

    rows = session.execute(
        select(Entry.id, Entry.number, Entry.date, Entry.summary, Account.code, Account.name_zh, EntryLine.amount_fen)
        .join(EntryLine, EntryLine.entry_id == Entry.id).join(Account, Account.id == EntryLine.account_id)
        .where(EntryLine.fund_id == project.fund_id, Entry.status == EntryStatus.POSTED.value,
               Account.type == "expense").order_by(Entry.date, Entry.id)).all()
    atts = session.execute(select(Attachment.id, Attachment.entry_id).where(
        Attachment.entry_id.in_({r[0] for r in rows}))).all() if rows else []
    newest = newest_public_copies(session, [a for a, _ in atts])
    pages: dict[int, list[str]] = defaultdict(list)
    waiting: dict[int, int] = defaultdict(int)
    for att_id, entry_id in atts:
        if att_id in newest and (newest[att_id].seq or 0) >= 2:
            pages[entry_id] += [p["sha256"] for p in json.loads(newest[att_id].pages)]
        else:
            waiting[entry_id] += 1
    from .project_spending import allocations_of

    lines = allocations_of(session, {r[0] for r in rows})  # each spend names its budget line(s)
    return [{"number": number, "date": date.isoformat(), "summary": summary, "account": code, "account_name": name,
             "amount": fen_to_str(fen), "vouchers": [f"vouchers/{s}.jpg" for s in pages[entry_id]],
             "vouchers_waiting": waiting[entry_id],
             "budget_lines": [{"label": label, "amount": fen_to_str(f)} for label, f in lines.get(entry_id, [])]}
            for entry_id, number, date, summary, code, name, fen in rows]


def _budget_doc(session: Session, project: Project) -> list[dict]:
    """Each budget line with what was spent against it (posted) and what is left."""
    from .project_spending import line_figures

    return [{"label": f.line.label, "amount": fen_to_str(f.budget_fen), "spent": fen_to_str(f.spent_fen),
             "left": fen_to_str(f.left_fen)} for f in line_figures(session, project)]


def progress_doc(session: Session, book: Book, project: Project) -> dict:
    """The project's public progress: figures, the donor wall (display names only; 匿名 for the anonymous), the
    explainer, the budget and the expenses. Nothing here names a phone, a payment reference or an anonymous donor."""
    rule = rule_of(project.rule)
    figures = progress(session, project)
    wall: dict[str, int] = {}
    for d in session.scalars(select(Donation).where(Donation.project_id == project.id).order_by(Donation.id)):
        net = d.amount_fen - refunded_of(session, d)
        if net > 0:
            wall_name = ANONYMOUS if d.anonymous else d.display_name
            wall[wall_name] = wall.get(wall_name, 0) + net
    estimate = quadratic_estimate(session, project) if project.status == "open" else None
    return {
        "book": book.code, "project": project.code, "title": project.title, "story": project.story,
        "area": project.area, "team": project.team, "goal": fen_to_str(project.goal_fen),
        "stretch": fen_to_str(project.stretch_fen) if project.stretch_fen else None,
        "deadline": project.deadline.isoformat(), "funding_mode": project.funding_mode, "status": project.status,
        "raised": fen_to_str(figures.raised_fen), "matched": fen_to_str(figures.matched_fen),
        "matched_posted": fen_to_str(figures.matched_posted_fen),
        "matched_estimate": fen_to_str(estimate) if estimate is not None else None,
        "donations": figures.donations, "donors": figures.donors,
        "rule": {"kind": rule.kind, "version": rule.version, "digest": project.rule.digest,
                 "explainer_zh": matching.explain(rule, "zh_CN", project.pool.funder),
                 "explainer_en": matching.explain(rule, "en")},
        "pool": {"code": project.pool.code, "name": project.pool.name, "funder": project.pool.funder},
        "budget": _budget_doc(session, project),
        "wall": [{"name": n, "amount": fen_to_str(f)} for n, f in wall.items()],
        "expenses": _expenses(session, project),
    }


def receipt_doc(session: Session, book: Book, project: Project, donation: Donation) -> dict:
    """What "track my donation" shows by receipt code: the gift, its match and their status; no name, no phone."""
    m = match_of(session, donation)
    refunded = refunded_of(session, donation)
    return {"receipt": donation.receipt_code, "book": book.code, "project": project.code, "title": project.title,
            "date": donation.date.isoformat(), "amount": fen_to_str(donation.amount_fen),
            "refunded": fen_to_str(refunded),
            "match": fen_to_str(m.amount_fen - m.clawed_back_fen) if m else None,
            "match_status": m.status if m else ("estimate" if rule_of(project.rule).kind == "quadratic" else None),
            "match_reason": m.reason if m else None,
            "match_clawed_back": fen_to_str(m.clawed_back_fen) if m and m.clawed_back_fen else None,
            "project_status": project.status}


def _canonical(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _progress_files(book: Book, project: Project, doc: dict, signer) -> dict[str, bytes]:
    body = _canonical(doc)
    base = f"{book.code}/projects/{project.code}"
    signature = signer.sign(project_message(book.code, project.code, hashlib.sha256(body).hexdigest()))
    return {f"{base}/progress.json": body, f"{base}/progress.sig": (signature + "\n").encode()}


def public_documents(session: Session, book: Book, project: Project, store=None) -> dict[str, bytes]:
    """Path under the publications folder -> bytes: the project's progress.json (and its .sig: the book's key signs
    ``project:BOOK:CODE:SHA256``), its expenses' public voucher pages, and each receipt's document (and its .sig:
    ``receipt:BOOK:RECEIPT:SHA256``). The public site shows neither unless its signature holds."""
    lock_book(session, book)  # (hfund) what is computed here is what funder_docs.anchor records as newest
    doc = progress_doc(session, book, project)
    signer = keys_for(session).signer(book.code)
    files = _progress_files(book, project, doc, signer)
    if rule_of(project.rule).kind == "quadratic":
        # A gift to one project of a quadratic round moves every other project's estimate: their pages are
        # rewritten too, so no public page shows an estimate the round has left behind.
        for other in round_projects(session, project.rule):
            if other.id != project.id:
                files.update(_progress_files(book, other, progress_doc(session, book, other), signer))
    base = f"{book.code}/projects/{project.code}"
    if store is not None:
        for e in doc["expenses"]:
            for page in e["vouchers"]:
                source = store.public(page.split("/")[1].removesuffix(".jpg"))
                if source.exists():
                    files[f"{base}/{page}"] = source.read_bytes()
    for d in session.scalars(select(Donation).where(Donation.project_id == project.id)):
        receipt = _canonical(receipt_doc(session, book, project, d))
        files[f"{book.code}/receipts/{d.receipt_code}.json"] = receipt
        files[f"{book.code}/receipts/{d.receipt_code}.sig"] = (signer.sign(receipt_message(
            book.code, d.receipt_code, hashlib.sha256(receipt).hexdigest())) + "\n").encode()
    from . import funder_docs  # its donors' funder documents and its pool's; every document anchored (hfund)

    files.update(funder_docs.project_extras(session, book, project, signer))
    funder_docs.anchor(session, book, files)
    return files


def _write_files(root: Path, files: dict[str, bytes], bind=None) -> None:
    """Write what a committed transaction published. Publications commit in the order of the book's lock, but their
    files are written after, and two writers could land in the other order (the public site would then refuse the
    older bytes as not the newest recorded). So one writer at a time, and a document no longer the newest recorded
    for its path (a later publication committed meanwhile) is left, with its signature, to that one to write."""
    from . import funder_docs

    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".publish.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            superseded = funder_docs.superseded(bind, files) if bind is not None else set()
            _replace_files(root, {p: d for p, d in files.items() if p not in superseded})
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _replace_files(root: Path, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # a reader sees the old file or the new, never half of one


def publish_on_commit(session: Session, book: Book, project: Project, root: Path, store=None) -> None:
    """Compute the project's public documents now (inside the transaction) and write them once it commits."""
    session.flush()
    files = public_documents(session, book, project, store)
    bind = session.get_bind()
    when_transaction_ends(session, committed=lambda: _write_files(Path(root), files, bind))


def publish_project(session: Session, actor: User, book: Book, project_code: str, root: Path | None = None,
                    store=None) -> dict[str, bytes]:
    """Rewrite a project's public progress and receipts (after an expense posts, say)."""
    require(session, actor, Action.MANAGE_PROJECTS, book)
    project = get_project(session, book, project_code)
    root = Path(root or config.publications_dir())
    session.flush()
    files = public_documents(session, book, project, store)
    bind = session.get_bind()
    when_transaction_ends(session, committed=lambda: _write_files(root, files, bind))
    audit(session, actor, book, "project.publish", project.code, files=len(files))
    return files


# --- the receipt --------------------------------------------------------------------------------------------------

def track_url(book: Book, receipt_code: str) -> str:
    return f"{config.public_url()}/{book.code}/track/{receipt_code}"


def receipt_pdf(session: Session, actor: User, book: Book, receipt_code: str) -> bytes:
    """The donor's receipt: code, amount, match (or the estimate's explanation), the project, the rule explained in
    plain Chinese, and a QR code to "track my donation". No phone on it; the display name only if not anonymous."""
    from .notices import TEMPLATES, _env, _pdf, _qr

    require(session, actor, Action.RECORD_DONATION, book)
    donation = get_donation(session, book, receipt_code)
    project = session.get(Project, donation.project_id)
    rule = rule_of(project.rule)
    m = match_of(session, donation)
    url = track_url(book, donation.receipt_code)
    html = _env.get_template("receipt.html").render(
        css=(TEMPLATES / "notice.css").read_text("utf-8"), book_name=book.name_zh, project=project,
        donation=donation, channel=CHANNEL_NAMES[donation.channel][0],
        name=ANONYMOUS if donation.anonymous else donation.display_name,
        match=(m.amount_fen - m.clawed_back_fen) if m else None, quadratic=rule.kind == "quadratic",
        explainer=matching.explain(rule, "zh_CN", project.pool.funder).split("\n"), url=url, qr=_qr(url),
        refunded=refunded_of(session, donation), funder_url=_funder_url_of(session, book, donation.donor_key))
    return _pdf(html)


# --- funders (hfund) ---------------------------------------------------------------------------------------------------
# A donor's funder code (funder_codes): random like a receipt code, one per donor (donor_key) per book, the key to
# their public page across projects (services/funder_docs writes its document with each project's publication).

FUNDER_PREFIX = "JF"  # tells a funder code from a receipt code (JZ-) on paper


def _funder_code() -> str:
    body = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    return f"{FUNDER_PREFIX}-{body[:5]}-{body[5:]}"


def funder_code_for(session: Session, book: Book, key: str) -> str:
    """The donor's funder code in the book, made the first time it is asked for (at their first donation)."""
    from ..db.schema import FunderCode

    code = session.scalar(select(FunderCode.code).where(FunderCode.book_id == book.id, FunderCode.donor_key == key))
    if code is not None:
        return code
    while True:
        code = _funder_code()
        if not session.scalar(select(FunderCode.id).where(FunderCode.code == code)):
            break
    session.add(FunderCode(book_id=book.id, donor_key=key, code=code))
    session.flush()
    return code


def funder_code_of(session: Session, book: Book, key: str) -> str | None:
    """The donor's funder code, if made (read-only: a receipt's PDF is a GET)."""
    from ..db.schema import FunderCode

    return session.scalar(select(FunderCode.code).where(FunderCode.book_id == book.id, FunderCode.donor_key == key))


def _funder_url_of(session: Session, book: Book, key: str) -> str | None:
    code = funder_code_of(session, book, key)
    return funder_url(book, code) if code else None


def funder_url(book: Book, code: str) -> str:
    return f"{config.public_url()}/{book.code}/funder/{code}"


def pool_url(book: Book, pool_code: str) -> str:
    return f"{config.public_url()}/{book.code}/pools/{pool_code}/"


def publish_pool(session: Session, actor: User, book: Book, pool_code: str, root: Path | None = None) -> dict[str, bytes]:
    """Rewrite a matching pool's public document (after a deposit or a new rule version, say)."""
    from . import funder_docs

    require(session, actor, Action.MANAGE_MATCHING, book)
    lock_book(session, book)
    pool = get_pool(session, book, pool_code)
    root = Path(root or config.publications_dir())
    files = funder_docs.pool_files(session, book, pool, keys_for(session).signer(book.code))
    funder_docs.anchor(session, book, files)
    bind = session.get_bind()
    when_transaction_ends(session, committed=lambda: _write_files(root, files, bind))
    audit(session, actor, book, "matching.pool.publish", pool.code, files=len(files))
    return files


def record_donation_once(session: Session, actor: User, book: Book, project_code: str, amount_fen: int, date,
                         channel: str, phone: str, idempotency_key: str, reference: str = "", display_name: str = "",
                         anonymous: bool = False, shown_match_fen: int | None = None,
                         publish_root: Path | None = None, store=None) -> tuple[DonationResult, bool]:
    """record_donation under an idempotency key (the API's retries): the donation this key recorded before if the
    request is the same one (False: nothing new), refused with IdempotencyConflict if the key recorded another."""
    from ..domain.errors import IdempotencyConflict

    require(session, actor, Action.RECORD_DONATION, book)
    lock_book(session, book)
    earlier = session.scalar(select(Donation).join(Entry, Entry.id == Donation.entry_id)
                             .where(Entry.book_id == book.id, Entry.idempotency_key == idempotency_key))
    if earlier is None and session.scalar(select(Entry.id).where(Entry.book_id == book.id,
                                                                 Entry.idempotency_key == idempotency_key)):
        earlier = False  # the key made an entry that is not a donation
    if earlier is not None:
        project = session.scalar(select(Project).where(Project.book_id == book.id, Project.code == project_code))
        same = (earlier is not False and project is not None and earlier.project_id == project.id
                and earlier.amount_fen == amount_fen and earlier.date == parse_date(date, "date")
                and earlier.channel == channel and earlier.reference == (reference or "").strip()
                and earlier.anonymous == bool(anonymous)
                and (anonymous or earlier.display_name == (display_name or "").strip())
                and earlier.donor_key == donor_key(session, phone))
        if not same:
            raise IdempotencyConflict(f"幂等键 {idempotency_key} 已用于另一笔内容不同的记录",
                                      f"idempotency key {idempotency_key} was already used for something different",
                                      "idempotency_key")
        return DonationResult(earlier, match_of(session, earlier), session.get(Entry, earlier.entry_id)), False
    return record_donation(session, actor, book, project_code, amount_fen, date, channel, phone, reference,
                           display_name, anonymous, shown_match_fen=shown_match_fen, publish_root=publish_root,
                           store=store, idempotency_key=idempotency_key), True


def refund_donation_once(session: Session, actor: User, book: Book, receipt_code: str, reason: str,
                         idempotency_key: str, amount_fen: int | None = None, date=None,
                         publish_root: Path | None = None, store=None) -> tuple[DonationRefund, bool]:
    """refund_donation under an idempotency key (the API's retries): a partial refund sent again after a lost answer
    gives the donor's money back once, not twice. The refund this key made before if the request is the same one
    (False: nothing new); refused with IdempotencyConflict if the key made anything else."""
    from ..domain.errors import IdempotencyConflict

    require(session, actor, Action.RECORD_DONATION, book)
    lock_book(session, book)
    entry_id = session.scalar(select(Entry.id).where(Entry.book_id == book.id, Entry.idempotency_key == idempotency_key))
    if entry_id is not None:
        earlier = session.scalar(select(DonationRefund).where(DonationRefund.entry_id == entry_id))
        donation = session.get(Donation, earlier.donation_id) if earlier is not None else None
        same = (donation is not None and donation.receipt_code == (receipt_code or "").strip().upper()
                and earlier.reason == (reason or "").strip()
                and (amount_fen is None or earlier.amount_fen == amount_fen)
                and (date is None or session.get(Entry, entry_id).date == parse_date(date, "date")))
        if not same:
            raise IdempotencyConflict(f"幂等键 {idempotency_key} 已用于另一笔内容不同的记录",
                                      f"idempotency key {idempotency_key} was already used for something different",
                                      "idempotency_key")
        return earlier, False
    return refund_donation(session, actor, book, receipt_code, reason, amount_fen, date, publish_root=publish_root,
                           store=store, idempotency_key=idempotency_key), True


def refuse_payout_unless_funded(project: Project) -> None:
    """The one rule for money leaving a project's fund, a spend against its budget or any other payment: only once
    the project is settled as funded (before, an all-or-nothing project may still have to give every gift back)."""
    if project.status != "funded":
        raise InvalidState(f"项目 {project.code} 尚未筹款成功（{project.status}），其基金 {project.fund.code} 的钱还不能支出："
                           "项目结算为“已筹得”之后才能花钱",
                           f"project {project.code} is not funded ({project.status}): its fund {project.fund.code} "
                           "cannot pay anything out until the project is settled as funded", "project")


def check_before_post(session: Session, book: Book, entry: Entry) -> None:
    """(hooks.BEFORE_POST) Money leaves a micro-project's fund only once the project is funded, and a matching pool's
    fund only by the matching entries: an all-or-nothing project's donations are held until it is funded (a failed
    one refunds them all, which spending them first would make impossible), and the pool's `held_fen` is what its
    matches are committed against (spent otherwise, the pool would promise money it no longer has)."""
    from ..domain.permissions import PROJECT_SOURCES

    if entry.source in PROJECT_SOURCES:
        return
    for line in entry.lines:
        if line.amount_fen >= 0 or not line.account.cash:
            continue
        project = session.scalar(select(Project).where(Project.fund_id == line.fund_id))
        if project is not None:
            refuse_payout_unless_funded(project)
        pool = session.scalar(select(MatchingPool).where(MatchingPool.fund_id == line.fund_id))
        if pool is not None:
            raise InvalidState(f"配捐池 {pool.code} 的基金 {line.fund.code} 只能用于配捐，不能另行支出",
                               f"the fund {line.fund.code} of matching pool {pool.code} pays out only matches", "entry")
