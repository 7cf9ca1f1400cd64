"""The statements of the non-profit accounting system (民间非营利组织会计制度), as data.

Each statement line has a key, its names and the account codes of the chart templates that roll up
into it. An account added to a book later falls under its parent's line, else under the "other"
line of its type: the mapping lives here, beside the charts, never in the code that adds figures up.

- 资产负债表 (statement of financial position): assets and liabilities by line; net assets split into
  非限定性 and 限定性 by the funds' restriction (a fund's net assets are its assets less its liabilities).
- 业务活动表 (statement of activities): income and expense lines with 非限定性 / 限定性 / 合计 columns,
  for the period and 本年累计 (the year to its end).
- 基金收支表 (funds): each fund's net assets at the start, its income, its expense, and at the end.
- 现金流量表 (cash flows, direct method): receipts and payments by the account on the other side of the cash.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import AccountType as T


@dataclass(frozen=True)
class StatementLine:
    key: str
    name_zh: str
    name_en: str
    type: T  # the kind of account that rolls up into it
    codes: tuple[str, ...] = ()  # the chart templates' accounts on this line
    other: bool = False  # where an account of this type with no line of its own goes


POSITION_ASSETS = (
    StatementLine("cash", "货币资金", "Cash and bank", T.ASSET, ("1001", "1002", "1012")),
    StatementLine("receivables", "应收款项", "Receivables", T.ASSET, ("1122", "1131")),
    StatementLine("due_from", "内部往来（应收）", "Due from other funds", T.ASSET, ("1141",)),
    StatementLine("fixed_assets", "固定资产", "Fixed assets", T.ASSET, ("1601",)),
    StatementLine("other_assets", "其他资产", "Other assets", T.ASSET, other=True),
)
POSITION_LIABILITIES = (
    StatementLine("advances", "预收款项", "Received in advance", T.LIABILITY, ("2202",)),
    StatementLine("payables", "应付款项", "Payables", T.LIABILITY, ("2203", "2206", "2241")),
    StatementLine("deposits", "押金及保证金", "Deposits held", T.LIABILITY, ("2242",)),
    StatementLine("due_to", "内部往来（应付）", "Due to other funds", T.LIABILITY, ("2251",)),
    StatementLine("other_liabilities", "其他负债", "Other liabilities", T.LIABILITY, other=True),
)
ACTIVITY_INCOME = (
    StatementLine("fees", "物业服务收入", "Property fee income", T.INCOME, ("4101",)),
    StatementLine("public_revenue", "公共收益", "Public revenue", T.INCOME, ("4201", "4202", "4203")),
    StatementLine("donations", "捐赠收入", "Donations", T.INCOME, ("4401", "4402")),
    StatementLine("grants", "政府补助收入", "Government grants", T.INCOME, ("4501",)),
    StatementLine("interest", "投资及利息收入", "Interest", T.INCOME, ("4301",)),
    StatementLine("other_income", "其他收入", "Other income", T.INCOME, ("4901",), other=True),
)
ACTIVITY_EXPENSE = (
    StatementLine("services", "业务活动成本—物业服务", "Programme cost: property services", T.EXPENSE,
                  ("5101", "5102", "5103", "5104", "5105", "5107", "5109")),
    StatementLine("programmes", "业务活动成本—项目与资助", "Programme cost: projects and grants", T.EXPENSE,
                  ("5201", "5202", "5401")),
    StatementLine("remuneration", "受托人酬金", "Trustee remuneration", T.EXPENSE, ("5106",)),
    StatementLine("administration", "管理费用", "Administration", T.EXPENSE, ("5108", "5301")),
    StatementLine("other_expense", "其他费用", "Other expenses", T.EXPENSE, ("5110", "5901"), other=True),
)
ALL_LINES = POSITION_ASSETS + POSITION_LIABILITIES + ACTIVITY_INCOME + ACTIVITY_EXPENSE


def line_of(code: str, type_: str, parent_code: str | None = None) -> StatementLine | None:
    """The statement line an account rolls up into: its own, its parent's, or its type's "other" line.
    None for net-asset accounts (the statements show net assets by fund, not by account)."""
    for candidate in (code, parent_code):
        for line in ALL_LINES:
            if candidate and candidate in line.codes and line.type.value == type_:
                return line
    return next((line for line in ALL_LINES if line.other and line.type.value == type_), None)


# 现金流量表 (direct method): each cash movement is put on the line of the account on the other side of its
# entry; cash moving between cash accounts is no flow.
CASH_RECEIPTS = (
    StatementLine("cf_fees", "提供物业服务收到的现金", "Cash received for property services", T.INCOME,
                  ("4101", "1122", "2202")),
    StatementLine("cf_public", "公共收益收到的现金", "Cash received from public revenue", T.INCOME, ("4201", "4202", "4203")),
    StatementLine("cf_donations", "接受捐赠及政府补助收到的现金", "Cash received from donations and grants", T.INCOME,
                  ("4401", "4402", "4501")),
    StatementLine("cf_other_in", "收到的其他与业务活动有关的现金", "Other cash received", T.INCOME, other=True),
)
CASH_PAYMENTS = (
    StatementLine("cf_services", "为业务活动支付的现金", "Cash paid for programme activities", T.EXPENSE,
                  ("5101", "5102", "5103", "5104", "5105", "5107", "5109", "5201", "5202", "5401", "2206")),
    StatementLine("cf_remuneration", "支付给受托人的酬金", "Cash paid to the trustee", T.EXPENSE, ("5106", "2203")),
    StatementLine("cf_fixed", "购建固定资产支付的现金", "Cash paid for fixed assets", T.EXPENSE, ("1601",)),
    StatementLine("cf_other_out", "支付的其他与业务活动有关的现金", "Other cash paid", T.EXPENSE, other=True),
)
# Opening balances and moves of net assets between funds are shown apart, never as receipts or payments.
CASH_NET_ASSETS = StatementLine("cf_net_assets", "期初余额及净资产调整", "Opening balances and net-asset adjustments",
                                T.NET_ASSETS, ("3101", "3102"))


def cash_flow_line(code: str, parent_code: str | None, inflow: bool) -> StatementLine:
    """Where cash moved against this account goes: its own line, its parent's, else the other receipts or
    payments (by the direction the cash moved)."""
    for candidate in (code, parent_code):
        if candidate and candidate in CASH_NET_ASSETS.codes:
            return CASH_NET_ASSETS
        for line in CASH_RECEIPTS + CASH_PAYMENTS:
            if candidate and candidate in line.codes:
                return line
    return CASH_RECEIPTS[-1] if inflow else CASH_PAYMENTS[-1]
