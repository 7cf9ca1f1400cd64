"""Who may do what: the one table. Services enforce it; pages, templates, the API and the
role-matrix test ask it, so a control is shown exactly when the action would be allowed.

`decide(action, roles, is_admin, user_id, entry)` answers with None (allowed) or a
`Refusal` that says why in Chinese and English. It is pure: the caller supplies the user's
roles in the book and, for actions on one entry, the entry (anything with `status`,
`maker_id`, `makers`, `attachments`, `submit_digest`, `approvals` holding `user_id`,
`content_digest` and `signature`, and `reversed_by`). For the actions on
one flag (FLAG_ACTIONS) that argument is the flag: anything with `raised_by_id`, `answer` and
`closed_at`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .errors import DuplicateApproval, InvalidState, LedgerError, PermissionDenied, SelfApproval
from .model import Role


class Action(str, Enum):
    READ_BOOK = "read_book"
    MAKE_ENTRY = "make_entry"
    EDIT_ENTRY = "edit_entry"  # edit or submit one's draft or rejected entry
    DELETE_ENTRY = "delete_entry"  # delete one's draft or rejected entry that nobody ever approved
    APPROVE_ENTRY = "approve_entry"
    REJECT_ENTRY = "reject_entry"
    REVERSE_ENTRY = "reverse_entry"
    CLOSE_PERIOD = "close_period"
    RECORD_BANK_BALANCE = "record_bank_balance"
    WAIVE_VOUCHER = "waive_voucher"
    EDIT_CHART = "edit_chart"
    RAISE_FLAG = "raise_flag"
    ANSWER_FLAG = "answer_flag"
    FOLLOW_UP_FLAG = "follow_up_flag"  # ask again on one's flag after (or before) the committee's answer
    CLOSE_FLAG = "close_flag"  # satisfied: the flag is closed for good
    ATTACH_VOUCHER = "attach_voucher"
    REDACT_VOUCHER = "redact_voucher"
    SEE_ORIGINALS = "see_originals"
    READ_AUDIT = "read_audit"
    PUBLISH = "publish"  # make a closed month public (公示)
    GIVE_OPINION = "give_opinion"  # the supervisor signs off a publication, or objects to it
    IMPORT_ENTRIES = "import_entries"  # post approved history directly: administrators only
    CREATE_BOOK = "create_book"
    GRANT_ROLE = "grant_role"
    # Trust-property operations (信托制物业)
    READ_REGISTER = "read_register"  # the units and their owners' names and phones: private
    KEEP_REGISTER = "keep_register"  # import, correct and export the register
    RECORD_RESOLUTION = "record_resolution"  # owners' resolutions (业主大会决定) and their votes
    KEEP_FEE_RATES = "keep_fee_rates"
    RUN_BILLING = "run_billing"
    RECORD_PAYMENT = "record_payment"
    READ_ARREARS = "read_arrears"  # per unit (no names): the committee's collection work
    ISSUE_ACCESS_CODES = "issue_access_codes"  # the "my unit" codes printed on fee notices
    IMPORT_BANK_STATEMENT = "import_bank_statement"
    MATCH_BANK_ROWS = "match_bank_rows"  # match rows to entries, or draft an entry from a row
    EDIT_BANK_PROFILES = "edit_bank_profiles"
    SET_REMUNERATION = "set_remuneration"  # the trustee's contract: never the trustee's own hand
    SET_BUDGET = "set_budget"
    MANAGE_REVENUES = "manage_revenues"  # public-revenue contracts (公共收益) and their receipts
    DECIDE_SURPLUS = "decide_surplus"  # the year-end surplus: carry forward or refund by area
    # --- micro-projects and matching (issue 10)
    MANAGE_MATCHING = "manage_matching"  # pools, their deposits and rule versions; settle projects, close rounds
    MANAGE_PROJECTS = "manage_projects"  # open a micro-project under a pool's rule
    RECORD_DONATION = "record_donation"  # record a donation or its refund (the entries go for approval)
    READ_DONORS = "read_donors"  # donations with references and donor hashes: the pool's 套捐 watch
    # --- grants (issue 10)
    MANAGE_GRANT_PROGRAMMES = "manage_grant_programmes"  # open a grant round: pool, dates, ceiling, reviewers
    RECORD_GRANT_APPLICATION = "record_grant_application"  # applications and tranche reports, as received
    REVIEW_GRANT = "review_grant"  # score and comment, or declare a conflict: the programme's reviewers only
    DECIDE_GRANT = "decide_grant"  # award (a commitment) or decline, with a reason
    PAY_GRANT = "pay_grant"  # release tranches, accept reports, close a grant (returns, re-grants)


T, C, S, TR, FM, V = Role.TREASURER, Role.COMMITTEE, Role.SUPERVISOR, Role.TRUSTEE, Role.FUND_MANAGER, Role.VIEWER
MAKERS = frozenset({T, C, TR, FM})

# Each action and the roles that may take it in a book. The global administrator may take every
# action, but the entry rules below (never approve what one made, ...) bind them too.
# A fund manager keeps and approves a fund's books: for that book they stand where the
# committee stands, originals and audit log included (they approve against the vouchers).
ROLES: dict[Action, frozenset[Role]] = {
    Action.READ_BOOK: frozenset(Role),
    Action.MAKE_ENTRY: MAKERS,
    Action.EDIT_ENTRY: MAKERS,
    Action.DELETE_ENTRY: MAKERS,
    Action.APPROVE_ENTRY: frozenset({C, FM}),
    Action.REJECT_ENTRY: frozenset({C, FM}),
    Action.REVERSE_ENTRY: MAKERS,
    Action.CLOSE_PERIOD: frozenset({C, FM}),
    Action.RECORD_BANK_BALANCE: MAKERS,
    Action.WAIVE_VOUCHER: MAKERS,
    Action.EDIT_CHART: frozenset({T, C, FM}),
    Action.RAISE_FLAG: frozenset({S, C}),
    Action.ANSWER_FLAG: frozenset({C, T, FM}),
    # On one flag, only the one who raised it or a supervisor (see _flag_refusal): the committee
    # cannot close the supervisor's question for them.
    Action.FOLLOW_UP_FLAG: frozenset({S, C}),
    Action.CLOSE_FLAG: frozenset({S, C}),
    Action.ATTACH_VOUCHER: MAKERS,  # the treasurer and committee on any entry, other makers on their own
    Action.REDACT_VOUCHER: frozenset({T, C, FM}),
    Action.SEE_ORIGINALS: frozenset({T, C, S, FM}),
    Action.READ_AUDIT: frozenset({T, C, S, FM}),
    Action.PUBLISH: frozenset({C, FM}),
    Action.GIVE_OPINION: frozenset({S}),
    Action.IMPORT_ENTRIES: frozenset(),
    Action.CREATE_BOOK: frozenset(),
    Action.GRANT_ROLE: frozenset(),
    # Trust-property operations. The trustee runs the estate (billing, collection, the bank rows) but never
    # sets its own remuneration, the budget or the rates, and never records the owners' votes.
    Action.READ_REGISTER: frozenset({T, C, S, TR}),
    Action.KEEP_REGISTER: frozenset({T, C, TR}),
    Action.RECORD_RESOLUTION: frozenset({C}),
    Action.KEEP_FEE_RATES: frozenset({T, C}),
    Action.RUN_BILLING: frozenset({T, C, TR}),
    Action.RECORD_PAYMENT: frozenset({T, C, TR}),
    Action.READ_ARREARS: frozenset({T, C, S, TR}),
    Action.ISSUE_ACCESS_CODES: frozenset({T, C, TR}),
    Action.IMPORT_BANK_STATEMENT: frozenset({T, C, TR}),
    Action.MATCH_BANK_ROWS: frozenset({T, C, TR}),
    Action.EDIT_BANK_PROFILES: frozenset({T, C}),
    Action.SET_REMUNERATION: frozenset({C}),
    Action.SET_BUDGET: frozenset({T, C}),
    Action.MANAGE_REVENUES: frozenset({T, C}),
    Action.DECIDE_SURPLUS: frozenset({C}),
    # --- micro-projects and matching (issue 10): the fund manager runs the pool; the treasurer and committee record
    # donations and open projects; the supervisor reads the donors' patterns too.
    Action.MANAGE_MATCHING: frozenset({FM}),
    Action.MANAGE_PROJECTS: frozenset({T, C, FM}),
    Action.RECORD_DONATION: frozenset({T, C, FM}),
    Action.READ_DONORS: frozenset({T, C, S, FM}),
    # --- grants (issue 10). The fund manager runs the round; the treasurer may record what applicants send in.
    # Reviewing needs only a role in the book (a reviewer is often an outside expert with `viewer`), but on one
    # application it is the programme's named reviewers alone, never one who declared a conflict (_grant_refusal).
    Action.MANAGE_GRANT_PROGRAMMES: frozenset({FM}),
    Action.RECORD_GRANT_APPLICATION: frozenset({T, FM}),
    Action.REVIEW_GRANT: frozenset(Role),
    Action.DECIDE_GRANT: frozenset({FM}),
    Action.PAY_GRANT: frozenset({FM}),
}
ATTACH_ANY_ENTRY = frozenset({T, C, FM})

WHAT = {  # (zh, en) of each action, for refusals
    Action.READ_BOOK: ("查看账簿", "read this book"),
    Action.MAKE_ENTRY: ("录入凭证", "enter entries"),
    Action.EDIT_ENTRY: ("修改或提交凭证", "edit or submit entries"),
    Action.DELETE_ENTRY: ("删除凭证", "delete entries"),
    Action.APPROVE_ENTRY: ("审批凭证", "approve entries"),
    Action.REJECT_ENTRY: ("退回凭证", "reject entries"),
    Action.REVERSE_ENTRY: ("冲销凭证", "reverse entries"),
    Action.CLOSE_PERIOD: ("结账", "close periods"),
    Action.RECORD_BANK_BALANCE: ("录入银行对账余额", "enter bank balances"),
    Action.WAIVE_VOUCHER: ("说明无凭证原因", "explain a missing voucher"),
    Action.EDIT_CHART: ("修改科目表和基金", "change the chart of accounts and funds"),
    Action.RAISE_FLAG: ("标记凭证", "flag entries"),
    Action.ANSWER_FLAG: ("回复标记", "answer flags"),
    Action.FOLLOW_UP_FLAG: ("追问标记", "follow up flags"),
    Action.CLOSE_FLAG: ("关闭标记", "close flags"),
    Action.ATTACH_VOUCHER: ("增删原始凭证", "add or remove vouchers"),
    Action.REDACT_VOUCHER: ("遮盖原始凭证中的隐私", "redact vouchers"),
    Action.SEE_ORIGINALS: ("查看原始凭证原件", "see voucher originals"),
    Action.READ_AUDIT: ("查看操作日志", "read the audit log"),
    Action.PUBLISH: ("公示已结账的月份", "publish closed months"),
    Action.GIVE_OPINION: ("对公示签署意见", "sign off or object to publications"),
    Action.IMPORT_ENTRIES: ("导入并直接过账", "import and post entries directly"),
    Action.CREATE_BOOK: ("新建账簿", "create books"),
    Action.GRANT_ROLE: ("分配角色", "grant roles"),
    Action.READ_REGISTER: ("查看房屋与业主名册", "read the units and owners register"),
    Action.KEEP_REGISTER: ("维护房屋与业主名册", "keep the units and owners register"),
    Action.RECORD_RESOLUTION: ("记录业主大会决定", "record owners' resolutions"),
    Action.KEEP_FEE_RATES: ("设定物业费标准", "set the fee rates"),
    Action.RUN_BILLING: ("生成物业费账单", "run the monthly billing"),
    Action.RECORD_PAYMENT: ("登记缴费", "record fee payments"),
    Action.READ_ARREARS: ("查看欠费明细", "read the arrears"),
    Action.ISSUE_ACCESS_CODES: ("发放房屋查询码", "issue unit access codes"),
    Action.IMPORT_BANK_STATEMENT: ("导入银行流水", "import bank statements"),
    Action.MATCH_BANK_ROWS: ("核对银行流水", "match bank rows"),
    Action.EDIT_BANK_PROFILES: ("维护银行流水格式", "keep bank statement layouts"),
    Action.SET_REMUNERATION: ("设定受托人酬金", "set the trustee's remuneration"),
    Action.SET_BUDGET: ("设定年度预算", "set the annual budget"),
    Action.MANAGE_REVENUES: ("管理公共收益合同", "manage public-revenue contracts"),
    Action.DECIDE_SURPLUS: ("处理年度结余", "decide the year-end surplus"),
    # --- micro-projects and matching (issue 10)
    Action.MANAGE_MATCHING: ("管理配捐池与配捐规则", "manage matching pools and their rules"),
    Action.MANAGE_PROJECTS: ("发起微项目", "open micro-projects"),
    Action.RECORD_DONATION: ("登记捐款与退款", "record donations and refunds"),
    Action.READ_DONORS: ("查看捐款明细与配捐异常", "read donations and matching warnings"),
    # --- grants (issue 10)
    Action.MANAGE_GRANT_PROGRAMMES: ("设立资助计划", "open grant programmes"),
    Action.RECORD_GRANT_APPLICATION: ("登记资助申请和报告", "record grant applications and reports"),
    Action.REVIEW_GRANT: ("评审资助申请", "review grant applications"),
    Action.DECIDE_GRANT: ("决定资助或不予资助", "award or decline grants"),
    Action.PAY_GRANT: ("拨付资助款、验收报告、结项", "release grant tranches, accept reports and close grants"),
}

ROLE_NAMES = {
    Role.TREASURER: ("财务", "treasurer"),
    Role.COMMITTEE: ("业委会委员", "committee member"),
    Role.SUPERVISOR: ("信托监察人", "supervisor"),
    Role.TRUSTEE: ("受托人", "trustee"),
    Role.FUND_MANAGER: ("基金管理人", "fund manager"),
    Role.VIEWER: ("查阅人", "viewer"),
}

EDITABLE = ("draft", "rejected")
_STATUS_ZH = {"draft": "草稿", "submitted": "待审批", "posted": "已过账", "rejected": "已退回"}


@dataclass(frozen=True)
class Refusal:
    kind: type[LedgerError]
    message_zh: str
    message_en: str
    field: str | None = None

    def error(self) -> LedgerError:
        return self.kind(self.message_zh, self.message_en, self.field)


def _role_refusal(action: Action, book_code: str) -> Refusal:
    what_zh, what_en = WHAT[action]
    allowed = ROLES[action]
    if not allowed:
        return Refusal(PermissionDenied, f"只有系统管理员可以{what_zh}", f"only an administrator may {what_en}")
    names_zh = "、".join(ROLE_NAMES[r][0] for r in Role if r in allowed)
    names_en = ", ".join(ROLE_NAMES[r][1] for r in Role if r in allowed)
    return Refusal(PermissionDenied, f"您在账簿 {book_code} 中无权{what_zh}（需要：{names_zh}）",
                   f"you may not {what_en} in book {book_code} (needs: {names_en})")


def _not_now(entry, what_zh: str, what_en: str) -> Refusal:
    return Refusal(
        InvalidState,
        f"凭证现为“{_STATUS_ZH.get(entry.status, entry.status)}”，不能{what_zh}（可能已被他人处理，请刷新）",
        f"the entry is now {entry.status}; it cannot be {what_en} (someone may have acted on it first; reload)",
        "entry",
    )


_SELF_APPROVAL = Refusal(SelfApproval, "制单人（含修改过这张凭证的人）不能审批它",
                         "the maker of an entry (anyone who made or edited it) cannot approve it", "entry")


def this_submission(entry) -> list:
    """The approvals given to the entry as it stands submitted now: to its signed submission, whose digest
    names the round (an entry sent back and submitted again is approved again; earlier yeses stay on record).
    A row with no signature is not an approval (whether a signature is valid, entries.counted_approvals asks)."""
    legacy = entry.submit_digest is None  # submitted before submissions were signed: no approval is
    return [a for a in entry.approvals if a.content_digest == entry.submit_digest and (a.signature or legacy)]


def _made_by(entry, user_id: int) -> bool:
    return entry.maker_id == user_id or any(m.user_id == user_id for m in entry.makers)


# Entries the micro-projects' service writes (a donation, its refund, a pool's deposit, a project's matches): the
# project's records (raised, matched, the pool's held and committed) were written with them, so sending one back,
# editing, deleting or reversing it would leave the project counting money the books do not have. A donation whose
# money never arrived is refunded (its match clawed back), not rejected.
PROJECT_SOURCES = frozenset({"donation", "donation_refund", "matching"})
_PROJECT_ENTRY = Refusal(InvalidState, "这是微项目自动生成的凭证（捐款、退款、配捐池注资或拨付配捐），项目记录已按它记账，不能退回、"
                         "修改、删除或冲销；捐款未到账请在项目中退款",
                         "this entry was made by a micro-project (a donation, a refund, a pool's deposit or a "
                         "project's matches) and the project's records count it: it cannot be rejected, edited, "
                         "deleted or reversed; for a donation that never arrived, refund it on the project", "entry")


def _entry_refusal(action: Action, roles: frozenset[Role], is_admin: bool, user_id: int, entry) -> Refusal | None:
    mine = entry.maker_id == user_id
    if getattr(entry, "source", None) in PROJECT_SOURCES and action in (
            Action.EDIT_ENTRY, Action.DELETE_ENTRY, Action.REJECT_ENTRY, Action.REVERSE_ENTRY):
        return _PROJECT_ENTRY
    if action in (Action.EDIT_ENTRY, Action.DELETE_ENTRY):
        if entry.status not in EDITABLE:
            return _not_now(entry, "修改、提交或删除", "edited, submitted or deleted")
        if not (mine or is_admin):
            return Refusal(InvalidState, "只有制单人可以修改、提交或删除这张凭证",
                           "only the entry's maker may edit, submit or delete it", "entry")
        if action is Action.DELETE_ENTRY and entry.attachments:
            return Refusal(InvalidState, "不能删除这张凭证：附有原始凭证（请先删除附件）",
                           "this entry cannot be deleted: it has vouchers attached (delete them first)", "entry")
        if action is Action.DELETE_ENTRY and entry.approvals:
            return Refusal(InvalidState, "这张凭证曾有人审批，审批记录须保留，不能删除；可修改后重新提交",
                           "someone approved this entry once and approvals are kept for good, so it cannot be "
                           "deleted; edit it and submit it again", "entry")
    elif action is Action.APPROVE_ENTRY:
        if _made_by(entry, user_id):
            return _SELF_APPROVAL
        if entry.status != "submitted":
            return _not_now(entry, "审批", "approved")
        if any(a.user_id == user_id for a in this_submission(entry)):
            return Refusal(DuplicateApproval, "您已审批过这张凭证，需要另一位审批人",
                           "you have already approved this entry; another approver is needed", "entry")
    elif action is Action.REJECT_ENTRY:
        # Even after a first approval: a second approver who says no, or an entry that can no longer post
        # (its fund spent meanwhile), must be able to send it back, or its month could never close.
        if entry.status != "submitted":
            return _not_now(entry, "退回", "rejected")
    elif action is Action.REVERSE_ENTRY:
        if entry.status != "posted":
            return Refusal(InvalidState, "只能冲销已过账的凭证", "only posted entries can be reversed", "entry")
        if entry.reversed_by is not None:
            other = entry.reversed_by.number or entry.reversed_by.status
            return Refusal(InvalidState, f"凭证 {entry.number} 已有冲销凭证（{other}）",
                           f"entry {entry.number} already has a reversal ({other})", "entry")
    elif action is Action.ATTACH_VOUCHER:
        if not (is_admin or roles & ATTACH_ANY_ENTRY or mine):
            return Refusal(PermissionDenied, "只有制单人、财务、业委会委员可以增删这张凭证的原始凭证",
                           "only the entry's maker, a treasurer or a committee member may add or remove its vouchers")
        if entry.status not in EDITABLE:
            return Refusal(
                InvalidState,
                "只有草稿或被退回的凭证可以增删原始凭证；已提交或已过账的凭证，其附件已计入审批和哈希链",
                "vouchers can be added or removed only while the entry is a draft or rejected: "
                "a submitted or posted entry's attachments are part of its approval and hash chain",
                "entry",
            )
    return None


FLAG_ACTIONS = frozenset({Action.ANSWER_FLAG, Action.FOLLOW_UP_FLAG, Action.CLOSE_FLAG})


def _flag_refusal(action: Action, roles: frozenset[Role], user_id: int, flag) -> Refusal | None:
    if flag.closed_at is not None:
        return Refusal(InvalidState, "这个标记已关闭（可能刚被关闭，请刷新）",
                       "this flag is closed (perhaps just now; reload)", "flag")
    if action is Action.ANSWER_FLAG:
        if flag.answer is not None:
            return Refusal(InvalidState, "这个标记已经回复过（可能刚被他人回复，请刷新）",
                           "this flag has already been answered (perhaps just now by someone else; reload)", "flag")
    elif flag.raised_by_id != user_id and S not in roles:
        return Refusal(PermissionDenied, "只有提出标记的人或信托监察人可以追问或关闭它",
                       "only the one who raised a flag, or a supervisor, may follow it up or close it", "flag")
    return None


# --- grants (issue 10): the rules on one application. `decide(..., entry=application)` takes anything with
# `status` ("submitted", "awarded", "declined", "closed"), `reviewer_ids` (the programme's reviewers),
# `conflicted_ids` (who declared a conflict on it) and `scored_ids` (who scored it).
GRANT_ACTIONS = frozenset({Action.REVIEW_GRANT, Action.DECIDE_GRANT})


def _grant_refusal(action: Action, is_admin: bool, user_id: int, application) -> Refusal | None:
    if action is Action.REVIEW_GRANT:
        if user_id not in application.reviewer_ids:
            return Refusal(PermissionDenied, "您不是这个资助计划的评审人", "you are not a reviewer of this grant programme",
                           "application")
        if user_id in application.conflicted_ids:
            return Refusal(PermissionDenied, "您已就这份申请声明利益冲突，不能为它评分",
                           "you declared a conflict of interest on this application, so you cannot score it", "application")
        if user_id in application.scored_ids:
            return Refusal(InvalidState, "您已为这份申请评过分；评分只能追加，不能修改",
                           "you have already scored this application; scores are kept as given, never changed",
                           "application")
        if application.status != "submitted":
            return Refusal(InvalidState, "这份申请已有决定，不再评审", "this application has been decided; reviewing is over",
                           "application")
    elif action is Action.DECIDE_GRANT:
        # Who assesses does not decide: a fund manager who scored an application (or declared a conflict on it)
        # leaves its award or decline to another fund manager.
        if user_id in application.scored_ids or user_id in application.conflicted_ids:
            return Refusal(PermissionDenied, "您评审过这份申请（或声明了利益冲突），须由另一位基金管理人决定",
                           "you reviewed this application (or declared a conflict on it): another fund manager decides it",
                           "application")
        if application.status != "submitted":
            return Refusal(InvalidState, "这份申请已有决定（可能刚被他人决定，请刷新）",
                           "this application has already been decided (perhaps just now by someone else; reload)",
                           "application")
    return None


def decide(action: Action, roles: frozenset[Role], is_admin: bool, user_id: int, book_code: str,
           entry=None, active: bool = True) -> Refusal | None:
    """None when the user may take the action (on the entry, if given); else why not."""
    if not active:
        return Refusal(PermissionDenied, "账号已停用", "this account is deactivated")
    if action is Action.APPROVE_ENTRY and entry is not None and _made_by(entry, user_id):
        return _SELF_APPROVAL  # said first: it is the reason that holds whatever one's roles
    if not is_admin and not roles & ROLES[action]:
        return _role_refusal(action, book_code)
    if entry is not None and action in FLAG_ACTIONS:
        return _flag_refusal(action, roles, user_id, entry)
    if entry is not None and action in GRANT_ACTIONS:  # --- grants (issue 10)
        return _grant_refusal(action, is_admin, user_id, entry)
    if entry is not None:
        return _entry_refusal(action, roles, is_admin, user_id, entry)
    return None
