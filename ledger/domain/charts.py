"""Chart-of-accounts templates, one per kind of book.

Codes follow the style of China's accounting system for non-profit
organisations (民间非营利组织会计制度): 1xxx assets, 2xxx liabilities, 3xxx net
assets, 4xxx income, 5xxx expenses. `cash` marks the accounts whose balance is
money in hand; a restricted fund may never hold less than zero of it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import AccountType as T, BookKind


@dataclass(frozen=True)
class AccountTemplate:
    code: str
    name_zh: str
    name_en: str
    type: T
    cash: bool = False


@dataclass(frozen=True)
class FundTemplate:
    code: str
    name_zh: str
    name_en: str
    restricted: bool


_COMMON_ASSETS = (
    AccountTemplate("1001", "库存现金", "Cash on hand", T.ASSET, cash=True),
    AccountTemplate("1131", "其他应收款", "Other receivables", T.ASSET),
    AccountTemplate("1141", "内部往来—应收", "Due from other funds", T.ASSET),
)
_COMMON_LIABILITIES = (
    AccountTemplate("2241", "其他应付款", "Other payables", T.LIABILITY),
    AccountTemplate("2251", "内部往来—应付", "Due to other funds", T.LIABILITY),
)
_COMMON_NET_ASSETS = (
    AccountTemplate("3101", "非限定性净资产", "Unrestricted net assets", T.NET_ASSETS),
    AccountTemplate("3102", "限定性净资产", "Restricted net assets", T.NET_ASSETS),
)

TRUST_ACCOUNTS = (
    _COMMON_ASSETS[0],
    AccountTemplate("1002", "银行存款—共管账户", "Bank - co-managed account", T.ASSET, cash=True),
    AccountTemplate("1012", "其他货币资金", "Other monetary funds", T.ASSET, cash=True),
    AccountTemplate("1122", "应收物业费", "Property fees receivable", T.ASSET),
    *_COMMON_ASSETS[1:],
    AccountTemplate("1601", "固定资产", "Fixed assets", T.ASSET),
    AccountTemplate("2202", "预收物业费", "Property fees received in advance", T.LIABILITY),
    AccountTemplate("2203", "应付受托人酬金", "Trustee remuneration payable", T.LIABILITY),
    *_COMMON_LIABILITIES,
    AccountTemplate("2242", "押金及保证金", "Deposits held", T.LIABILITY),
    *_COMMON_NET_ASSETS,
    AccountTemplate("4101", "物业费收入", "Property fee income", T.INCOME),
    AccountTemplate("4201", "公共收益—广告", "Public revenue - advertising", T.INCOME),
    AccountTemplate("4202", "公共收益—停车", "Public revenue - parking", T.INCOME),
    AccountTemplate("4203", "公共收益—场地租赁", "Public revenue - leasing of common space", T.INCOME),
    AccountTemplate("4301", "利息收入", "Interest income", T.INCOME),
    AccountTemplate("4901", "其他收入", "Other income", T.INCOME),
    AccountTemplate("5101", "保洁费", "Cleaning", T.EXPENSE),
    AccountTemplate("5102", "秩序维护费", "Security", T.EXPENSE),
    AccountTemplate("5103", "绿化养护费", "Greening", T.EXPENSE),
    AccountTemplate("5104", "电梯维保费", "Elevator maintenance", T.EXPENSE),
    AccountTemplate("5105", "公共水电费", "Common-area utilities", T.EXPENSE),
    AccountTemplate("5106", "受托人酬金", "Trustee remuneration", T.EXPENSE),
    AccountTemplate("5107", "维修费", "Repairs", T.EXPENSE),
    AccountTemplate("5108", "办公及公示费", "Office and disclosure", T.EXPENSE),
    AccountTemplate("5109", "保险费", "Insurance", T.EXPENSE),
    AccountTemplate("5110", "银行手续费", "Bank charges", T.EXPENSE),
    AccountTemplate("5901", "其他支出", "Other expenses", T.EXPENSE),
)

_FUND_BOOK_ACCOUNTS = (
    _COMMON_ASSETS[0],
    AccountTemplate("1002", "银行存款", "Bank deposits", T.ASSET, cash=True),
    *_COMMON_ASSETS[1:],
    *_COMMON_LIABILITIES,
    *_COMMON_NET_ASSETS,
    AccountTemplate("4301", "利息收入", "Interest income", T.INCOME),
    AccountTemplate("4401", "捐赠收入", "Donation income", T.INCOME),
    AccountTemplate("4402", "政府配捐收入", "Government matching income", T.INCOME),
    AccountTemplate("4501", "政府补助收入", "Government grant income", T.INCOME),
    AccountTemplate("5201", "项目支出—微项目", "Programme expense - micro-projects", T.EXPENSE),
    AccountTemplate("5202", "项目支出—社区活动", "Programme expense - community activities", T.EXPENSE),
    AccountTemplate("5301", "管理费用", "Administrative expense", T.EXPENSE),
    AccountTemplate("5110", "银行手续费", "Bank charges", T.EXPENSE),
)

COMMUNITY_FUND_ACCOUNTS = _FUND_BOOK_ACCOUNTS
FOUNDATION_ACCOUNTS = _FUND_BOOK_ACCOUNTS + (
    AccountTemplate("2206", "应付资助款", "Grants payable", T.LIABILITY),
    AccountTemplate("5401", "资助支出", "Grants made", T.EXPENSE),
)

CHARTS = {
    BookKind.TRUST: TRUST_ACCOUNTS,
    BookKind.COMMUNITY_FUND: COMMUNITY_FUND_ACCOUNTS,
    BookKind.FOUNDATION: FOUNDATION_ACCOUNTS,
}

DEFAULT_FUNDS = {
    BookKind.TRUST: (
        FundTemplate("GEN", "信托财产（非限定）", "Trust property (unrestricted)", False),
        FundTemplate("REPAIR", "维修储备金", "Maintenance reserve", True),
    ),
    BookKind.COMMUNITY_FUND: (FundTemplate("GEN", "非限定性资金", "Unrestricted fund", False),),
    BookKind.FOUNDATION: (FundTemplate("GEN", "非限定性资金", "Unrestricted fund", False),),
}
