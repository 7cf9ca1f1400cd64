"""Fill the zh_Hans_CN catalogue from a table kept here; list any msgid still untranslated.

Run after `pybabel extract` and `pybabel update` (see README, "Translations").
"""
import sys

from babel.messages.pofile import read_po, write_po

ZH = {
    # The book's home page, the printed voucher, flag threads (helper: back office figures and flags)
    "At a glance": "概况", "as of %(date)s": "截至 %(date)s", "all posted entries": "全部已过账凭证",
    "Bank balance": "银行存款余额", "Income this month (%(month)s)": "本月收入（%(month)s）",
    "Spending this month (%(month)s)": "本月支出（%(month)s）", "Entries awaiting approval": "待审批凭证",
    "%(n)s awaiting an answer": "其中 %(n)s 条待回复", "Current period": "当前期间", "Months not yet closed": "尚未结账的月份",
    "(ended: may be closed)": "（已结束，可结账）", "none": "无", "%(n)s months": "共 %(n)s 个月",
    "Journal voucher": "记账凭证", "Print": "打印", "No.": "编号", "Total (in words)": "合计（大写）",
    "Attached documents: %(n)s": "附单据 %(n)s 张", "Prepared by": "制单", "Reviewed by": "审核", "Posted by": "记账",
    "(no number until posted)": "（过账后编号）",
    "Closed": "已关闭", "Answered; awaiting the supervisor": "已回复，待监察人确认",
    "Closed by %(who)s at %(when)s": "%(who)s 于 %(when)s 关闭", "answered": "回复", "followed up": "追问",
    "closed the flag": "关闭了标记", "Send answer": "发送回复", "Ask again": "追问", "Send follow-up": "发送追问",
    "Closing note (optional)": "关闭说明（可不填）", "I am satisfied: close this flag for good": "问题已解决：关闭此标记（不可重开）",
    "Close flag": "关闭标记", "Not yet closed": "只看未关闭", "Follow-up sent: the committee is asked to answer again.":
        "已发送追问，请业委会再次回复。", "Flag closed.": "标记已关闭。", "Followed up a flag": "追问监察标记",
    "Closed a flag": "关闭监察标记",
    "The request could not be read": "请求无法识别", "Something in it was malformed. Go back and try again.": "请求中有内容格式不对。请返回后重试。",
    "You may not see this page": "您没有查看此页面的权限",
    "Your role in this book does not allow it. If you think it should, ask the owners' committee.":
        "您在这本账簿中的角色不允许查看。如认为应有权限，请联系业主委员会。",
    "There is no such page": "找不到这个页面",
    "No book, entry, account or month at this address: it may have been removed, or the address is mistyped.":
        "这个地址上没有账簿、凭证、科目或月份：可能已被删除，或地址输错了。",
    "This page cannot be used that way": "不能这样使用这个页面", "Go back and use the buttons on the page.": "请返回，使用页面上的按钮。",
    "What you sent is too large": "提交的内容太大", "Send fewer or smaller files at once.": "请一次少传几个文件，或先缩小文件。",
    "Too many tries": "尝试次数过多", "Wait a minute, then try again.": "请等一分钟后再试。",
    "Something went wrong on our side": "系统出错了",
    "Nothing was saved. Try again; if it happens again, tell the administrator.": "没有保存任何内容。请重试；如再次出现，请告知管理员。",
    "Error code": "错误代码", "Back to my books": "返回我的账簿",
    "entry": "凭证", "voucher": "附件", "flag": "标记", "API token": "API 令牌",
    "A submitted or posted entry takes no more vouchers (they are part of what was approved). If the receipt is lost or was never issued, say why: the month can then close.":
        "已提交或已过账的凭证不能再补附件（附件是审批内容的一部分）。如果票据遗失或对方不开票，请说明原因，本月即可结账。",
    "e.g. cash paid at the market; the seller gives no receipt": "例如：菜市场现金购买，卖家不开票",
    "Open each entry and record why it has no voucher.": "请打开每张凭证，记录没有原始凭证的原因。",
    "Community accounts, published": "社区账目公示",
    "Each month a community's committee closes its books and publishes them here: the statements, every entry and the receipts behind it, signed so that anyone can check nothing was changed afterwards.":
        "每个月，社区的业委会结账后在这里公示：报表、每一张凭证和背后的票据，并附数字签名，任何人都可以核验公示后没有被改动。",
    "Latest: %(period)s": "最新：%(period)s", "Read it": "查看", "Nothing has been published yet.": "尚无公示。",
    "version %(n)s": "第 %(n)s 版", "(superseded by a correction)": "（已被更正版取代）",
    "This is version %(n)s; a correction superseded it.": "这是第 %(n)s 版，已被更正版取代。",
    "Read the current version": "查看现行版本",
    "Version %(n)s · chain head %(head)s (%(count)s entries) · manifest SHA-256 %(sha)s":
        "第 %(n)s 版 · 链头 %(head)s（共 %(count)s 张凭证）· 清单 SHA-256 %(sha)s",
    "Entries": "凭证", "debit": "借", "credit": "贷", "Voucher of %(number)s, redacted for publication": "%(number)s 的原始凭证（已遮盖隐私）",
    "Signed off a publication": "签署同意公示", "Objected to a publication": "对公示提出异议",
    "Your word is recorded beside the publication.": "您的意见已记录在公示旁。",
    "I have checked it and sign it off": "已核对，签署同意", "I object": "提出异议",
    "In your words (an objection needs its reasons)": "意见（提出异议须写明理由）", "Record my word": "记录我的意见",
    "Signed off by the supervisor %(who)s on %(when)s": "监察人 %(who)s 于 %(when)s 签署同意",
    "Objection by the supervisor %(who)s on %(when)s": "监察人 %(who)s 于 %(when)s 提出异议",
    "The supervisor signs it off": "监察人签署同意", "The supervisor objects": "监察人提出异议",
    "The supervisor has not given a word on this publication yet.": "监察人尚未对本次公示签署意见。",
    "Published a month": "公示了一个月份", "Publication (公示)": "公示",
    "Version %(n)s, published %(when)s": "第 %(n)s 版，%(when)s 公示", "(superseded)": "（已被更正版取代）",
    "Not published yet.": "尚未公示。",
    "Vouchers not yet reviewed for redaction (draw boxes, or confirm there is nothing to hide):":
        "以下原始凭证尚未审查遮盖（画框遮盖，或确认无需遮盖）：",
    "Publish version %(n)s": "公示第 %(n)s 版", "Published %(period)s, version %(n)s.": "已公示 %(period)s（第 %(n)s 版）。",
    "Looked at every page and nothing on it is private?": "每一页都看过，没有需要遮盖的隐私？",
    "Nothing to hide: publish it as it is": "无需遮盖：按原样公示", "manifest SHA-256": "清单 SHA-256", "files": "文件数",
    "supersedes version": "取代的版本",
    "Export": "导出", "Statements": "报表", "Statement of cash flows": "现金流量表", "This range": "本期金额",
    "Cash received": "收到的现金", "Cash paid": "支付的现金", "Total received": "现金流入小计", "Total paid": "现金流出小计",
    "Cash at the start": "期初现金", "Net change in cash": "现金净增加额", "Cash at the end": "期末现金", "Month": "月份", "Quarter": "季度", "Year to the end of": "本年累计至", "Show": "显示",
    "Statement of activities": "业务活动表", "Statement of financial position": "资产负债表",
    "Funds: income and expenditure": "基金收支表", "Item": "项目", "Unrestricted": "非限定性", "Restricted": "限定性",
    "Year to date": "本年累计", "Total income": "收入合计", "Total expenses": "费用合计", "Expenses": "费用",
    "Change in net assets": "净资产变动额", "At the year's start": "年初数", "At the end": "期末数",
    "Total assets": "资产合计", "Total liabilities": "负债合计", "Total net assets": "净资产合计",
    "Opening": "期初净资产", "Other movements": "其他变动", "Closing": "期末净资产",
    "Total debits": "借方合计", "Total credits": "贷方合计",
    "Fund %(fund)s does not balance (difference %(diff)s): within each fund debits must equal credits; put every line of one payment in the same fund.":
        "基金 %(fund)s 内借方与贷方不等（差额 %(diff)s）：每个基金内借方须等于贷方，同一笔收付的各行请选同一基金。",
    "No minus sign: put the amount in the debit or the credit column.": "不要填负号：金额填在借方栏或贷方栏。",
    "The amount cannot be zero.": "金额不能为零。",
    "Export what is listed": "导出所列凭证", "difference": "差额", "Your drafts and entries sent back to you": "我的草稿和被退回的凭证",
    "Drafts or returned entries left in this month": "本月尚有草稿或已退回的凭证",
    "The month is closed by: %(who)s.": "结账由以下角色操作：%(who)s。", "Remove this voucher": "删除此附件",
    "Bank statement balance recorded; it differs from the book by %(diff)s: find the difference before closing.":
        "已记录银行对账单余额；与账面相差 %(diff)s，结账前请查明差额。",
    "Operations": "接口", "Method": "方法", "Path": "路径", "What it does": "说明", "Parameters": "参数",
    "Request body": "请求体", "Responses": "响应", "required": "必填", "Schemas": "数据结构", "Field": "字段",
    "Type": "类型", "Required": "必填", "Notes": "说明", "yes": "是",
    "Approved an earlier submission: %(who)s at %(when)s (the entry was sent back since; this approval no longer counts)":
        "%(who)s 于 %(when)s 审批过此前提交的版本（其后凭证被退回，该审批不再计入）",
    "Accepted the database as the witness": "以数据库为准重写见证记录", "differences": "差异", "earlier witness (kept)": "原有见证记录（已保留）",
    "Drafted a red-ink reversal": "录入红字冲销凭证", "Noted what was checked before closing": "记录结账前的核对情况",
    "reverses": "冲销", "purpose": "用途", "boxes drawn": "遮盖框数", "file name": "文件名", "entry id": "凭证序号",
    "owner": "持有人", "name": "名称",
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
    # The entry form's field messages, vouchers on the form, confirmations, the journal's range and order, the ledger's totals.
    "Choose an account.": "请填写科目。", "Choose a fund.": "请填写基金。",
    "“%(name)s” is the name of several accounts (%(codes)s): type the code.": "“%(name)s”是多个科目的名称（%(codes)s），请填写科目代码。",
    "“%(name)s” is the name of several funds (%(codes)s): type the code.": "“%(name)s”是多个基金的名称（%(codes)s），请填写基金代码。",
    "Book %(book)s has no account “%(account)s”.": "账簿 %(book)s 中没有科目“%(account)s”。",
    "Unknown fund: book %(book)s has no fund “%(fund)s”.": "未知基金：账簿 %(book)s 中没有基金“%(fund)s”。",
    "The files you chose were not saved: correct the entry, then choose them again.": "所选文件未保存：请先改正凭证，再重新选择文件。",
    "Saved as a draft, but a file was refused: see beside the file field.": "已存为草稿，但有文件被拒收：见文件栏旁的说明。",
    "Nothing was saved: the files chosen come to more than %(size)s together. Send fewer at once.":
        "未保存任何内容：所选文件合计超过 %(size)s。请分几次上传。",
    "The request is too large.": "请求过大。",
    "Nothing was reversed: give the reason and tick “I confirm” first.": "未冲销：请先填写原因并勾选“我确认”。",
    "The month was not closed: say what was checked and tick “I confirm” first.": "未结账：请先写明核对了什么并勾选“我确认”。",
    "The note may be at most %(n)s characters.": "说明不能超过 %(n)s 字。",
    "“%(value)s” is not a date (YYYY-MM-DD): that limit is left out.": "“%(value)s”不是日期（应为 YYYY-MM-DD），此条件未使用。",
    "The range ends (%(to)s) before it starts (%(from)s): no range is applied.": "结束日期（%(to)s）早于开始日期（%(from)s），未按日期范围筛选。",
    "Unknown order: the journal is shown by date, newest first.": "排序方式无法识别，已按日期从新到旧显示。",
    "At most two decimals (fen), e.g. 12.35": "最多两位小数（到分），如 12.35",
    "Not an amount: type digits only, e.g. 1200 or 1,200.50": "不是金额：只填数字，如 1200 或 1,200.50",
    "A line has either a debit or a credit, not both.": "一行只能填借方或贷方，不能都填。",
    "No account has this code or name.": "没有这个代码或名称的科目。",
    "Unknown fund: no fund has this code or name.": "未知基金：没有这个代码或名称的基金。",
    "This name belongs to several; type the code.": "这个名称对应多项，请填写代码。",
    "Some fields are not right: see the messages beside them.": "有些栏目填写有误：见各栏旁的说明。",
    "Account: code or name": "科目：代码或名称",
    "Some amounts are not understood: see the fields marked": "有金额无法识别：见标红的栏目",
    "Vouchers: photos or scans of receipts and invoices": "原始凭证：发票、收据的照片或扫描件",
    "Take a photo": "拍照", "Choose files": "选择文件",
    "A reversing entry with every amount of %(number)s negated is made and sent for approval. Once posted it cannot be undone.":
        "将生成一张金额与 %(number)s 相反的冲销凭证并提交审批。过账后不能撤销。",
    "Reason for the reversal": "冲销原因", "e.g. amount typed wrong: should be 1,235.50": "例如：金额录错，应为 1,235.50",
    "Date of the reversal": "冲销日期（不填为今天）", "I confirm": "我确认", "Reverse %(number)s": "红字冲销 %(number)s",
    "Closing %(label)s is for good: its last day becomes the lock date, and nothing can be entered on or before it again. Corrections are then made by reversal in an open month.":
        "结账 %(label)s 后不能撤销：月末成为锁定日，此日及以前不能再记账；此后的更正须在未结账月份以红字冲销。",
    "What was checked (recorded in the audit log)": "核对情况（记入操作日志）",
    "e.g. bank statement agreed, every voucher seen": "例如：银行对账相符，原始凭证齐全",
    "Close %(label)s for good": "确认结账 %(label)s",
    "The checklist above must be complete before the month can be closed.": "上面的结账检查全部通过后才能结账。",
    "Order": "排序", "by date": "按日期", "by number": "按凭证号", "Direction": "顺序",
    "newest first": "从新到旧", "oldest first": "从旧到新", "Month total": "本月合计", "Year to date": "本年累计",
    "Filter and order": "筛选与排序",
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
    # publishing off the request path
    "The month's voucher pages gathered": "已汇集本月凭证图片",
    "Statements and journal as CSV and XLSX": "报表和序时账已生成 CSV 与 XLSX",
    "Graphs drawn": "图表已绘制",
    "Statements PDF laid out": "报表 PDF 已排版",
    "Notice-board poster laid out": "公示栏海报已排版",
    "Manifest signed with the book's key": "清单已用账簿密钥签名",
    "Publishing %(period)s": "正在公示 %(period)s",
    "Publishing %(period)s, version %(n)s": "公示 %(period)s（第 %(n)s 版）",
    "Publishing runs on the server; this page follows it and reloads itself. You may leave it: publishing goes on.":
        "公示在服务器上进行，本页会自动刷新显示进度。您可以离开本页，公示不会中断。",
    "Manifest SHA-256": "清单 SHA-256",
    "Residents read it at": "居民可在此阅读：",
    "Nothing was published.": "没有公示任何内容。",
    "Back to %(period)s": "返回 %(period)s",
    "Poster for the notice board (PDF)": "公示栏海报（PDF）",
    "Statements and journal (PDF)": "报表和序时账（PDF）",
    "Journal (XLSX)": "序时账（XLSX）",
    # The public site: a month's statements with drill-down, entries, the voucher viewer, downloads (helper: public site)
    "Statements (PDF, A4)": "财务报表（PDF，A4）", "Notice-board poster (PDF, A4)": "公示栏海报（PDF，A4）",
    "Cash flow statement": "现金流量表", "Income and expenditure by fund": "基金收支表", "Journal of entries": "序时账（凭证明细）",
    "Chart: where the money came from and went": "图表：收入来源与支出去向", "Chart: income and expenditure over 12 months": "图表：近12个月收支走势",
    "Chart: fund balances": "图表：各基金余额", "Statements as data (JSON)": "报表数据（JSON）", "Entries as data (JSON)": "凭证数据（JSON）",
    "You are here": "当前位置", "All communities": "全部小区", "On these accounts": "计入这些科目",
    "Lines of %(number)s": "%(number)s 的分录",
    "Voucher of %(number)s, page %(n)s of %(total)s, redacted for publication": "%(number)s 的凭证，第 %(n)s 页，共 %(total)s 页，已遮盖隐私后公示",
    "No voucher image with this entry.": "这笔凭证没有附单据图片。", "Skip to the content": "跳到正文", "Reading options": "阅读设置",
    "Large text": "大字", "Normal text": "标准字号",
    "Every published file is signed by the book's key. Anyone can check a month with its export and verify.py, without trusting this site.":
        "每个公示文件都有账簿密钥的签名。任何人都可以下载某月的核验包，用 verify.py 自行核验，无需信任本网站。",
    "accounts published": "账目公示",
    "Latest month %(period)s: income %(income)s yuan, expenses %(expense)s yuan, cash at the end %(cash)s yuan.":
        "最新公示 %(period)s：收入 %(income)s 元，支出 %(expense)s 元，期末现金 %(cash)s 元。",
    "Latest month: %(period)s": "最新公示：%(period)s", "Read %(period)s: statements, entries, vouchers": "查看 %(period)s：报表、凭证、票据",
    "All published months": "全部公示月份", "%(period)s entries": "%(period)s 凭证",
    "%(n)s entries of %(period)s with their vouchers; income %(income)s yuan, expenses %(expense)s yuan.":
        "%(period)s 共 %(n)s 笔凭证及票据；收入 %(income)s 元，支出 %(expense)s 元。",
    "%(period)s: all %(n)s entries": "%(period)s：全部 %(n)s 笔凭证",
    "In the order they were posted; each voucher image opens larger when tapped.": "按记账顺序排列；点票据图片可放大查看。",
    "No entries this month.": "本月没有凭证。",
    "%(line)s: %(figure)s yuan in %(period)s, and the entries behind it.": "%(line)s：%(period)s 共 %(figure)s 元，以及构成它的凭证。",
    "Balance at the end of %(period)s": "%(period)s 月末余额", "%(period)s": "%(period)s", "Accounts: %(codes)s.": "会计科目：%(codes)s。",
    "This is a balance, which includes earlier months: below are this month's entries on these accounts, which moved it by %(total)s.":
        "这是余额，包含以前月份的发生额；下面是本月计入这些科目的凭证，本月变动 %(total)s。",
    "Below are this month's entries on these accounts that moved cash.": "下面是本月计入这些科目并有现金收付的凭证。",
    "Below are this month's entries on these accounts; what they add up to is the figure.": "下面是本月计入这些科目的凭证，合计即为上面的数字。",
    "%(n)s entries, together": "共 %(n)s 笔，合计", "the same as the statement": "与报表一致",
    "No entries on these accounts this month.": "本月没有计入这些科目的凭证。", "Back to the statements": "返回报表",
    "%(period)s accounts": "%(period)s 账目公示",
    "Income %(income)s yuan, expenses %(expense)s yuan, cash at the end %(cash)s yuan; every entry and voucher, signed.":
        "收入 %(income)s 元，支出 %(expense)s 元，期末现金 %(cash)s 元；每笔凭证和票据均公开并签名。",
    "The month at a glance": "本月概况",
    "Tap a figure to see the entries behind it, and an entry's voucher to see the receipt.": "点任一数字可查看构成它的凭证，再点凭证的票据可查看原始票据图片。",
    "The supervisor's word": "监察人意见", "On this page": "本页内容", "All %(n)s entries": "全部 %(n)s 笔凭证", "Downloads": "下载",
    "%(period)s, in yuan; tap a figure for its entries": "%(period)s，单位：元；点数字查看凭证", "This month": "本月",
    "At the end of %(period)s, in yuan": "%(period)s 月末，单位：元", "End of the month": "期末数", "Start of the year": "年初数",
    "Assets": "资产", "Liabilities": "负债", "Net assets": "净资产", "%(period)s, in yuan": "%(period)s，单位：元", "Other": "其他",
    "At the start": "期初", "(restricted)": "（限定性）",
    "All %(n)s entries of %(period)s, with their vouchers": "%(period)s 全部 %(n)s 笔凭证及票据", "To print": "打印张贴",
    "Charts": "图表", "Tables for a spreadsheet": "表格（可用 Excel 打开）", "To check it yourself": "自行核验",
    "The verifiable export (ZIP): every file, the signed manifest and verify.py": "核验包（ZIP）：全部文件、签名清单和 verify.py",
    "unzip the export and run: python3 verify.py FOLDER": "解压核验包后运行：python3 verify.py 文件夹",
    "%(n)s voucher images: on their entries' pages, and in the export": "%(n)s 张票据图片：见各凭证页面，也在核验包内",
    "voucher page %(n)s": "票据第 %(n)s 页", "voucher page %(n)s of %(total)s": "票据第 %(n)s 页，共 %(total)s 页",
    "Pinch to zoom, or tap the image to see it at full size.": "可双指缩放，或点图片查看原尺寸。",
    "Before publishing, the committee reviewed this image and covered private details.": "公示前，业委会已审查这张图片并遮盖了个人信息。",
    "Show at full size": "按原尺寸显示", "Fit to the screen": "适应屏幕", "Previous page": "上一页",
    "Open the image itself (full size)": "打开图片原件（原尺寸）", "Next page": "下一页", "Back to entry %(number)s": "返回凭证 %(number)s",
    "also on %(number)s": "也用于 %(number)s", "Voucher page %(n)s": "票据第 %(n)s 页",
    # The public site in a resident's words (helper ux8): what came in, what went out, what is left; versions; objections
    "Came in this month": "本月收入", "Went out this month": "本月支出", "yuan": "元",
    "Left over this month (in minus out)": "本月结余（收入减支出）",
    "Money in the account at the end of the month": "月末账上资金（货币资金）",
    "Counts towards this figure:": "计入本项：", "Account (statement item)": "科目（报表项目）",
    "Receipt, page %(n)s (tap to enlarge)": "票据第 %(n)s 页（点开放大）",
    "(the correction: current)": "（更正版，现行）",
    "Old version: do not rely on these figures.": "旧版本：请以更正版的数字为准。",
    "Read the current version (version %(n)s)": "查看现行版本（第 %(n)s 版）",
    "This is the current version (version %(n)s): it corrects and replaces version %(old)s.":
        "这是现行版本（第 %(n)s 版），更正并取代了第 %(old)s 版。",
    "See version %(old)s": "查看第 %(old)s 版",
    "An objection does not change the figures on this page. If the committee corrects the month, a new version is published and this page will say so.":
        "监察人的异议不会改动本页数字。如业委会更正本月账目，会发布新版本，本页会注明。",
    "The tables have more columns on the right: swipe a table sideways to see them.": "表格右侧还有几列，左右滑动表格即可查看。",
    "%(n)s entries, together:": "共 %(n)s 笔，合计：",
    "(current)": "（现行）",
    "Tap an underlined figure to see the entries behind it, then a receipt to see it larger.":
        "点带下划线的数字，可查看构成它的每一笔凭证；再点票据图片，可放大查看。",
    "Publishing again makes a correction: version %(n)s replaces version %(old)s on the public site, where version %(old)s stays readable, marked as superseded.":
        "再次公示即为更正：第 %(n)s 版在公示网站上取代第 %(old)s 版；第 %(old)s 版仍可查阅，并标明已被更正。",
    "A month is published by: %(who)s.": "公示由以下人员发布：%(who)s。",
    # Public site: the supervisor's objection before a month is opened, its date
    "The supervisor has objected to this month's accounts: read the objection on the month's page.":
        "监察人对本月账目提出了异议，请在该月页面查看异议内容。",
    "(the supervisor objects)": "（监察人有异议）", "on %(day)s": "%(day)s",
    "Trust operations": "物业运营",
    # --- units register and owners' resolutions


    # --- fees, billing, payments, arrears, my unit
    "The rate is recorded.": "收费标准已记录。", "Choose a month as YYYY-MM.": "请按 YYYY-MM 选择月份。",
    "Payment recorded for %(unit)s and submitted for approval.": "已登记 %(unit)s 的缴费，并已提交审批。",
    "Property fees": "物业费", "Fee rates and billing runs": "收费标准与月度计费", "Arrears and collection rate": "欠费与收缴率",
    "Fee rates": "收费标准", "Use": "用途", "Basis": "计费方式", "Rate (yuan)": "单价（元）", "Residential": "住宅",
    "Shop": "商铺", "Parking space": "车位", "per ㎡ per month": "每㎡每月", "fixed per month": "每月固定",
    "No rate recorded yet.": "尚未登记收费标准。", "Record rate": "登记收费标准", "Billing runs": "月度计费",
    "No billing run yet.": "尚未计费。", "Run the billing": "生成本月账单",
    "One entry for the month, submitted for approval; a month already billed is not billed again.":
        "每月生成一张凭证并提交审批；已计费的月份不会重复计费。",
    "Record a payment": "登记缴费", "Unit": "房屋", "Channel": "收款方式", "WeChat Pay": "微信支付", "Alipay": "支付宝",
    "Bank transfer": "银行转账", "Reference": "参考号", "Record payment": "登记缴费",
    "The unit's oldest open fees are paid first; any rest becomes a prepayment.": "先冲抵该房屋最早的欠费，余额转为预收物业费。",
    "Current month": "当月", "1–3 months": "1–3个月", "4–6 months": "4–6个月", "7–12 months": "7–12个月",
    "Over 12 months": "12个月以上",
    "Only approved (posted) bills and payments count. Payments pay the oldest open fees first.":
        "只计入已审批过账的账单与缴费；缴费先冲抵最早的欠费。",
    "Per building": "按楼栋", "Building": "楼栋", "Collection rate this year": "本年收缴率",
    "No unit in the register yet.": "房屋登记簿中还没有房屋。",
    "Collection rate (billed in the month, collected against it)": "收缴率（当月应收及其实收）",
    "Billed": "应收", "Collected": "实收", "Collection rate": "收缴率", "Per unit": "按房屋", "Prepaid": "预收",
    "Reminder": "催缴通知", "PDF": "PDF", "Latest payments": "最近缴费", "Fees paid": "冲抵应收",
    "No payment recorded yet.": "尚未登记缴费。",


    # --- the co-managed bank account


    # --- remuneration, budgets, public revenues


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
