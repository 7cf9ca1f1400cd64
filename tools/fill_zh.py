"""Fill the zh_Hans_CN catalogue from a table kept here; list any msgid still untranslated.

Run after `pybabel extract` and `pybabel update` (see README, "Translations").
"""
import sys

from babel.messages.pofile import read_po, write_po

ZH = {
    "Bank statement balance recorded.": "已记录银行对账单余额。", "Period %(period)s is closed.": "%(period)s 已结账。",
    "Submitted for approval.": "已提交审批。", "Saved as a draft.": "已存为草稿。", "Approved.": "已审批。",
    "Returned to its maker.": "已退回制单人。", "The reversing entry is waiting for approval.": "冲销凭证已提交，等待审批。",
    "Draft deleted.": "草稿已删除。", "Reason recorded.": "原因已记录。", "Flag raised.": "已标记。", "Answer recorded.": "回复已记录。",
    "Overview": "概览", "New entry": "录入凭证", "Approvals": "审批", "Flags": "监察标记", "Audit log": "操作日志",
    "Page %(n)s": "第 %(n)s 页", "draft": "草稿", "awaiting approval": "待审批", "posted": "已过账", "rejected": "已退回",
    "all": "全部", "From": "从", "to": "至", "Show": "显示", "Balance": "余额", "Opening balance": "期初余额",
    "Awaiting approval": "待审批凭证", "Made by": "制单人", "Amount": "金额", "Nothing is waiting.": "没有待审批的凭证。",
    "Action": "操作", "User": "用户", "Filter": "筛选", "When": "时间", "Target": "对象", "Detail": "详情",
    "Nothing recorded.": "没有记录。", "as of": "截至", "As of": "截至日期", "Entry": "凭证",
    "Returned by %(who)s: %(why)s": "%(who)s 退回：%(why)s", "Note": "备注", "History": "经过",
    "Made by %(who)s at %(when)s": "%(who)s 于 %(when)s 制单", "Submitted at %(when)s": "%(when)s 提交审批",
    "Approved by %(who)s at %(when)s": "%(who)s 于 %(when)s 审批通过", "Approvals: %(have)s of %(need)s": "已审批 %(have)s 人，共需 %(need)s 人",
    "Posted at %(when)s": "%(when)s 过账", "Reverses": "冲销", "Reversed by": "已被冲销：", "Chain hash": "链哈希",
    "Edit": "修改", "Submit for approval": "提交审批", "Delete draft": "删除草稿", "Approve": "审批通过",
    "Reason for returning it": "退回原因", "Reject": "退回", "Reverse (red-ink correction)": "红字冲销", "Vouchers": "原始凭证",
    "No voucher: %(why)s": "无原始凭证：%(why)s", "Why is there no voucher?": "为何没有原始凭证？", "Record reason": "记录原因",
    "Answer": "回复", "No flags.": "没有标记。", "Raise a flag": "提出标记", "Flag": "标记", "Edit entry": "修改凭证",
    "e.g. March property fees, batch 1": "例如：收3月物业费（第1批）", "Remove line": "删除此行", "Add line": "增加一行",
    "Difference": "差额", "Balanced": "借贷平衡", "Save draft": "存为草稿", "Submit and new": "提交并录入下一张",
    "Period": "期间", "Open only": "只看未处理", "Raised by": "提出人", "Comment": "意见", "Text": "文字",
    "Amount from": "金额从", "Status": "状态", "No entries match.": "没有符合条件的凭证。", "Period %(label)s": "会计期间 %(label)s",
    "Journal of this month": "本月序时账", "Flags of this month": "本月标记", "Close checklist": "结账检查",
    "No entries awaiting approval": "没有待审批的凭证", "Every expense entry has a voucher or a recorded reason": "每张支出凭证都有原始凭证或说明",
    "Bank statement matches the book": "银行对账单与账面一致", "book": "账面", "statement": "对账单", "not entered": "未录入",
    "Statement balance": "对账单余额", "Record": "记录", "Open flags": "未处理的标记", "Drafts left in this month": "本月尚有草稿",
    "Close %(label)s": "结账 %(label)s", "current period": "本期",
    "Debits and credits must be equal before the entry can be saved.": "借方与贷方合计相等后才能保存凭证。",
    "Token revoked.": "令牌已吊销。", "API tokens": "API 令牌",
    "A token lets an integration (a bank feed, a spreadsheet) use the API as you, with your roles. Send it as: Authorization: Bearer <token>.":
        "令牌让对接的程序（银行流水、电子表格）以您的身份和权限调用 API。请求时带上：Authorization: Bearer <令牌>。",
    "Copy this token now; it is not shown again:": "请现在复制此令牌，之后不再显示：", "What it is for": "用途",
    "Make a token": "生成令牌", "Name": "名称", "Begins with": "开头", "Made": "生成时间", "Last used": "最近使用",
    "revoked": "已吊销", "Revoke": "吊销", "No tokens.": "没有令牌。", "API documentation": "API 文档",
    "Edited by %(who)s at %(when)s": "%(who)s 于 %(when)s 修改", "Signed with the book's key": "账簿密钥签名",
    "awaiting an answer": "待回复",
    "Drafted an entry": "录入凭证草稿", "Submitted an entry for approval": "提交凭证审批", "Edited an entry": "修改凭证",
    "Deleted a draft": "删除草稿", "Approved an entry": "审批通过凭证", "Returned an entry to its maker": "退回凭证",
    "Entry posted": "凭证过账", "Imported posted entries": "导入并过账凭证", "Closed a month": "结账",
    "Entered a bank statement balance": "录入银行对账单余额", "Attached a voucher": "上传原始凭证",
    "Removed a voucher": "删除原始凭证", "Redacted a voucher": "遮盖原始凭证隐私", "Viewed a voucher original": "查看原始凭证原件",
    "Recorded why there is no voucher": "记录无原始凭证原因", "Raised a flag": "提出监察标记", "Answered a flag": "回复监察标记",
    "Exported a table": "导出表格", "Signed in": "登录", "Failed to sign in": "登录失败", "Signed out": "退出登录",
    "Changed their password": "修改密码", "Added an account": "新增科目", "Renamed an account": "科目改名",
    "Reactivated an account": "重新启用科目", "Deactivated an account": "停用科目", "Deleted an unused account": "删除未用科目",
    "Added a fund": "新增基金", "Opened the book": "建立账簿", "Granted a role": "分配角色", "Created a user": "新建用户",
    "Made an API token": "生成 API 令牌", "Revoked an API token": "吊销 API 令牌",
    "Signed history posted before signatures existed": "为签名功能上线前的历史凭证补签",
    "reason": "原因", "amount": "金额", "answer": "回复", "comment": "意见", "role": "角色", "format": "格式", "rows": "行数",
    "posted": "已过账", "skipped": "跳过", "kind": "类型", "lock date": "锁定日", "trial balance SHA-256": "试算表 SHA-256",
    "before": "原为", "after": "改为", "entries": "凭证数", "closed months": "已结账月数", "restricted": "限定性", "file": "文件", "Please sign in to see this page.": "请先登录再查看此页。",
    "Change my password": "修改我的密码", "Current password": "当前密码", "Change password": "修改密码",
    "New password (at least 8 characters)": "新密码（至少8位）", "Your password is changed.": "密码已修改。",
    "After the change you stay signed in here; every other browser and phone signed in as you is signed out.":
        "修改后，您在这里保持登录；其他以您身份登录的浏览器和手机都将退出登录。",
}


def main(path="translations/zh_Hans_CN/LC_MESSAGES/messages.po") -> int:
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale="zh_Hans_CN")
    for message in catalog:
        # A fuzzy string is pybabel's guess from a similar message ("Awaiting approval" for
        # "awaiting an answer"): compile skips it, so it is as good as missing.
        if message.id and (not message.string or message.fuzzy) and message.id in ZH:
            message.string = ZH[message.id]
            message.flags.discard("fuzzy")
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=120)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    for m in missing:
        print("untranslated:", m, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
