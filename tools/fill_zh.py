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
    "Units and owners' resolutions": "房屋名册与业主大会决定",
    # --- units register and owners' resolutions
    "Choose a file first.": "请先选择文件。",
    "Register imported: %(added)s units added, %(updated)s updated, %(unchanged)s unchanged.":
        "名册已导入：新增 %(added)s 套，更新 %(updated)s 套，未变 %(unchanged)s 套。",
    "Give the date the meeting was held.": "请填写会议召开日期。",
    "Resolution recorded: it passed.": "已记录业主大会决定：表决通过。",
    "Resolution recorded: it did not pass.": "已记录业主大会决定：表决未通过。",
    "Units and owners": "房屋与业主",
    "Private: owners' names and phones are for the committee, the supervisor and the trustee; they never reach a public page or export.":
        "保密：业主姓名与电话仅供业委会、监察人和受托人使用，不会出现在任何公示页面或公开导出中。",
    "%(units)s units, %(owners)s owners (an owner of several units once, the developer once), %(area)s ㎡ in all.":
        "共 %(units)s 套房屋、%(owners)s 位业主（一人多套计一人，开发商计一人），总建筑面积 %(area)s ㎡。",
    "Export XLSX": "导出 XLSX", "Export CSV": "导出 CSV",
    "Import the register (XLSX or CSV: 楼栋, 房号, 建筑面积, 用途, 业主, 电话)":
        "导入名册（XLSX 或 CSV：楼栋、房号、建筑面积、用途、业主、电话）",
    "Import": "导入", "Unit": "房屋", "Use": "用途", "Area (㎡)": "建筑面积（㎡）", "Owners": "业主", "Phone": "电话",
    "residential": "住宅", "shop": "商铺", "parking space": "车位", "No units yet.": "尚无房屋。",
    "Owners' resolutions": "业主大会决定",
    "Civil Code Art. 278: owners holding at least 2/3 of the area and 2/3 of the owners take part; an ordinary matter needs more than 1/2 of the participating area and owners, a special one at least 3/4.":
        "《民法典》第278条：专有部分面积占比三分之二以上且人数占比三分之二以上的业主参与表决；一般事项须经参与表决面积过半数且人数过半数的业主同意，特别事项须经四分之三以上同意。",
    "Expenses above %(amount)s need a passed resolution.": "超过 %(amount)s 的支出须引用已通过的业主大会决定。",
    "No expense threshold is set.": "未设置须经业主大会决定的支出门槛。",
    "Held on": "召开日期", "Title": "标题", "Matter": "事项",
    "Participation (area / owners)": "参与表决（面积 / 人数）", "Approval (area / owners)": "同意（面积 / 人数）",
    "Result": "结果", "special": "特别事项", "ordinary": "一般事项", "passed": "通过", "did not pass": "未通过",
    "No resolutions recorded.": "尚无业主大会决定。", "Record a resolution": "记录业主大会决定",
    "special (Art. 278 items 6-8)": "特别事项（第278条第六至八项）",
    "Votes (CSV or XLSX: unit, vote)": "表决结果（CSV 或 XLSX：房号、表决）",
    "By area": "按面积", "By owners": "按人数", "Needed": "要求", "Participation": "参与表决", "Approval": "同意",
    "met": "达到", "not met": "未达到",
    "Agree %(agree)s, against %(against)s, abstain %(abstain)s units.":
        "同意 %(agree)s 套，反对 %(against)s 套，弃权 %(abstain)s 套。",
    "Votes by unit": "各房屋表决", "agree": "同意", "against": "反对", "abstain": "弃权",
    "All resolutions": "全部业主大会决定",
    "Give the entry's number as shown on it (#123).": "请填写凭证上显示的编号（#123）。",
    "The entry now references this resolution.": "该凭证已引用此业主大会决定。",
    "Reference it from my draft entry #": "在我的草稿凭证中引用，凭证 #", "Cite this resolution": "引用此决定",
    "Save": "保存", "Expense threshold saved.": "支出门槛已保存。", "Expense threshold removed.": "已取消支出门槛。",
    "Expenses above this amount need a passed resolution (empty: none)": "超过此金额的支出须经业主大会决定（留空：不设）",


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
    "This access code does not open any unit. Check it on your fee notice, or ask the committee for a new one.":
        "查询码无效，无法打开任何房屋。请核对缴费通知上的查询码，或向业主委员会申请新的查询码。",
    "The access code of %(unit)s is revoked.": "%(unit)s 的查询码已作废。", "Access code": "查询码",
    "Issue code": "发放查询码", "My unit": "我的房屋",
    "Type the access code printed on your fee notice to see your unit's bills, payments and arrears.":
        "输入缴费通知上印的查询码，查看本户的账单、缴费和欠费。",
    "Show my unit": "查看本户", "The committee can issue a new code (the old one then stops working).":
        "业主委员会可以发放新的查询码（旧码随即失效）。",
    "cash": "现金", "bank transfer": "银行转账",
    "As of %(date)s. Only approved (posted) bills and payments count; payments pay the oldest open fees first.":
        "截至 %(date)s。只计入已审批过账的账单与缴费；缴费先冲抵最早的欠费。",
    "Open fees": "未缴物业费", "Open fees by age": "欠费账龄", "Bills": "账单", "Paid": "已缴", "Open": "未缴",
    "No bill yet.": "尚无账单。", "Payments": "缴费记录", "Paid by": "缴费方式", "No payment yet.": "尚无缴费。",
    "Done": "完成", "Access code of %(unit)s": "%(unit)s 的查询码",
    "This code is shown this once only and is not kept in the clear: copy it onto the unit's fee notice now. Its earlier code no longer works.":
        "此查询码只显示这一次，系统不保存明文：请现在抄到该房屋的缴费通知上。该房屋原来的查询码已失效。",
    "The owner types it at %(address)s.": "业主在 %(address)s 输入此码。", "Back to arrears": "返回欠费页",


    "Your share of the year-end surplus refunded": "本户分得的年度结余退还",
    "My unit: where owners open their unit with its access code": "本户查询：业主凭查询码查看本户账单的页面",
    "The owners decided to refund the trust's surplus by floor area; your share first paid any open fees, the rest pays the coming bills.":
        "业主大会决定按建筑面积退还信托结余；本户所得先抵扣欠费，其余用于抵扣以后的物业费。",
    # --- the co-managed bank account
    'This file does not follow on from the rows already imported: after %(after)s the balance was %(held)s, this file opens at %(opens)s. Is a statement missing?': '此文件与已导入的流水不衔接：%(after)s 之后余额为 %(held)s，此文件期初为 %(opens)s。是否缺少一份对账单？',
    'Choose a statement file (CSV or XLSX).': '请选择对账单文件（CSV 或 XLSX）。',
    '%(matched)s rows matched, %(unmatched)s still unmatched.': '已核对 %(matched)s 行，仍有 %(unmatched)s 行未核对。',
    'A draft entry was made for the row; submit it for approval.': '已为该行生成凭证草稿，请提交审核。',
    'Bank account': '银行账户',
    'Reconciliation of this month': '本月银行对账',
    'Imported: %(added)s rows added, %(duplicates)s already held (layout %(profile)s).': '导入完成：新增 %(added)s 行，已存在 %(duplicates)s 行（格式 %(profile)s）。',
    'The file was refused; nothing was imported.': '文件被拒绝，未导入任何内容。',
    'Import a statement': '导入银行流水',
    'Statement file (CSV or XLSX)': '对账单文件（CSV 或 XLSX）',
    'Layout': '格式',
    'detected': '自动识别',
    'Import': '导入',
    'Statement rows': '银行流水',
    'Match rows to posted entries': '与已过账凭证核对',
    'Date': '日期',
    "Other party's account": '对方户名',
    'Memo': '摘要',
    'Serial': '流水号',
    'matched': '已核对',
    'draft entry': '凭证草稿',
    'unmatched': '未核对',
    'Counter-account': '对方科目',
    'Draft an entry': '生成凭证草稿',
    'No statement rows in this month.': '本月没有银行流水。',
    'Bank reconciliation': '银行存款余额调节',
    'Statement rows of this month': '本月银行流水',
    'Bank closing balance': '银行对账单期末余额',
    'no statement rows imported': '未导入银行流水',
    'Book balance': '账面余额',
    'Reconciled': '是否相符',
    'no': '否',
    'Bank rows no posted entry explains': '银行已记、账上未记的流水',
    'None.': '无。',
    'Book lines no bank row explains': '账上已记、银行未记的分录',
    'Co-managed bank account': '共管账户',
    'Statement rows and matching': '银行流水与核对',
    'import a statement': '导入流水',


    "The row is booked as a fee payment and awaits approval.": "该笔流水已登记为物业费缴款，等待审批。",
    "Unit (blank: read from the memo)": "房号（留空则从摘要识别）", "Book as a fee payment": "登记为物业费缴款",
    # --- remuneration, budgets, public revenues
    "The trustee's contract is recorded.": "受托人酬金合同已记录。",
    "The budget is recorded.": "预算已记录。",
    "The revenue contract is recorded.": "收益合同已记录。",
    "The receipt is drafted and awaits approval.": "收款凭证已生成，等待审批。",
    "Remuneration, budget, public revenues": "酬金、预算、公共收益",
    "The trustee's remuneration": "受托人酬金",
    "Budget against actual": "预算执行",
    "Public revenues": "公共收益",
    "Year": "年度",
    "Budget recorded %(date)s.": "预算记录于 %(date)s。",
    "Approved by resolution %(id)s.": "经第 %(id)s 号决议通过。",
    "Annual budget": "年度预算",
    "On overrun": "超支处理",
    "Budget": "预算",
    "Actual": "实际",
    "Variance": "差异",
    "Block": "禁止过账",
    "Warn": "提醒",
    "No budget for this year.": "本年度尚无预算。",
    "Record the budget": "记录预算",
    "Resolution number": "决议编号",
    "Lines (CSV: account,fund,amount,on_overrun)": "预算行（CSV：account,fund,amount,on_overrun）",
    "Closing a month accrues the remuneration under the contract in force on its last day: Dr 5106 / Cr 2203, the calculation written on the entry.":
        "每月结账时按当月最后一天有效的合同计提酬金：借 5106 / 贷 2203，计算过程写在凭证上。",
    "Contracts": "合同",
    "In force from": "生效日期",
    "Kind": "类别",
    "Monthly": "每月金额",
    "Percentage": "比例",
    "Monthly cap": "每月上限",
    "Fixed": "固定金额",
    "Share of fees collected": "按实收物业费比例",
    "No contract yet.": "尚无合同。",
    "Record the contract": "记录合同",
    "Accruals": "计提记录",
    "Calculation": "计算过程",
    "Nothing accrued yet.": "尚未计提。",
    "Counterparty": "对方单位",
    "Per period": "每期金额",
    "Schedule": "收款周期",
    "Expected": "应收",
    "Received": "实收",
    "Overdue": "逾期",
    "Awaiting approval:": "待审批：",
    "No revenue contract yet.": "尚无收益合同。",
    "Record a receipt": "登记收款",
    "Contract": "合同",
    "Draft the receipt for approval": "生成收款凭证并提交审批",
    "Add a contract": "新增合同",
    "Start": "开始日期",
    "End": "结束日期",
    "Add the contract": "新增合同",
    "Over budget: %(account)s (%(fund)s) annual budget %(budget)s, actual with this entry %(actual)s, overrun %(overrun)s.":
        "预算超支：%(account)s（%(fund)s）年度预算 %(budget)s，含本凭证实际 %(actual)s，超支 %(overrun)s。",
    "Recorded the trustee's remuneration contract": "记录受托人酬金合同",
    "Accrued the trustee's remuneration": "计提受托人酬金",
    "Recorded the annual budget": "记录年度预算",
    "Posted above a budget line (warning)": "超预算过账（提醒）",
    "Recorded a public-revenue contract": "记录公共收益合同",
    "Drafted a public-revenue receipt": "生成公共收益收款凭证",
    "account": "科目", "fund": "基金", "budget": "预算", "actual": "实际", "overrun": "超支", "calculation": "计算",
    "period": "期间", "contract": "合同", "year": "年度", "lines": "行数", "total": "合计", "resolution": "决议",
    "monthly": "每月金额", "percentage (basis points)": "比例（基点）", "monthly cap": "每月上限",
    "in force from": "生效日期", "schedule": "收款周期", "start": "开始", "end": "结束",


    # A published month's trust figures (public site): arrears per building, budget, bank, public revenues
    "Fees, budget, bank and public revenues as data (JSON)": "物业费、预算、银行对账和公共收益数据（JSON）",
    "Fees outstanding": "物业费欠费", "Fees outstanding and the collection rate": "物业费欠费与收缴率",
    "Per building, never per owner or unit. The collection rate is what was collected against a period's bills "
    "divided by those bills, as of the month's end.":
        "按楼栋汇总，不列业主姓名和房号。收缴率 = 某期账单中已收回的金额 ÷ 该期账单金额（截至月末）。",
    "Collection rate of this month's bills": "本月账单收缴率", "Collection rate of this year's bills": "本年账单收缴率",
    "Fees outstanding at the month's end": "月末欠费合计",
    "At the end of %(period)s, in yuan; by how long a bill has been open": "截至%(period)s末，单位：元；按账单欠缴时长分列",
    "Units": "户数", "Current": "当期", "Outstanding": "欠费合计", "Collected, this month": "本月收缴率",
    "Collected, this year": "本年收缴率",
    "Billed this month %(billed)s yuan, collected %(collected)s; billed this year %(ybilled)s yuan, collected %(ycollected)s.":
        "本月账单 %(billed)s 元，已收 %(collected)s 元；本年账单 %(ybilled)s 元，已收 %(ycollected)s 元。",
    "The owners approved this budget by resolution no. %(id)s, “%(title)s”, of %(day)s.":
        "本预算经业主大会决定批准：第 %(id)s 号决定《%(title)s》（%(day)s）。",
    "No owners' resolution is recorded for this budget.": "本预算未记录批准它的业主大会决定。",
    "Variance is actual minus budget; the percentage is actual divided by budget.": "差异 = 实际 − 预算；执行率 = 实际 ÷ 预算。",
    "%(period)s and the year to its end, in yuan": "%(period)s及本年累计，单位：元",
    "Budget, this month": "本月预算", "Actual, this month": "本月实际", "Variance, this month": "本月差异",
    "Budget to date": "累计预算", "Actual to date": "累计实际", "Variance to date": "累计差异",
    "Bank statement at the month's end": "银行对账单月末余额", "Balance in the books": "账面余额",
    "The bank statement agrees with the books.": "银行对账单与账面相符。",
    "The bank statement and the books differ by the items below.": "银行对账单与账面的差额由以下未达账项构成。",
    "Items not yet on both sides, in yuan": "未达账项，单位：元", "No reconciling items this month.": "本月没有未达账项。",
    "Public revenues: expected and received": "公共收益：应收与实收",
    "Income from the common parts belongs to the owners (Civil Code Art. 282). Each contract's receipts as its schedule "
    "expects them, against what was received, as of the month's end.":
        "共有部分产生的收入属于业主共有（民法典第282条）。以下为各合同按约定应收的款项与实际收到的款项，截至月末。",
    "Expected, this month": "本月应收", "Received, this month": "本月实收", "Expected to date": "累计应收",
    "Received to date": "累计实收",
}
ZH.update({
    "Showing %(shown)s of %(all)s units.": "显示 %(shown)s 户，共 %(all)s 户。",
    "Units with fees open": "有欠费的房屋",
    "All units": "全部房屋",
    "Building %(b)s": "%(b)s 栋",
})
ZH.update({
    # units off the register, revenue terms and ends, bank layouts from a refused file (0017)
    "Each field must name a column of the header found.": "每个字段须选自找到的表头中的一列。",
    "Layout %(name)s saved.": "流水格式 %(name)s 已保存。",
    "%(unit)s is back on the register from %(day)s.": "%(unit)s 自 %(day)s 起恢复在册。",
    "%(unit)s is off the register from %(day)s: it is no longer billed, has no vote and its access code is revoked.":
        "%(unit)s 自 %(day)s 起停用：不再计收物业费，没有表决权，查询码已作废。",
    "The contract with %(who)s ends on %(day)s; no receipt is expected after it.":
        "与 %(who)s 的合同于 %(day)s 结束，此后不再有应收款。",
    "New terms from %(day)s are recorded.": "自 %(day)s 起的新条款已记录。",
    "Ended a public-revenue contract": "结束公共收益合同",
    "Changed a public-revenue contract's terms": "变更公共收益合同条款",
    "Took a unit off the register": "停用房屋",
    "Put a unit back on the register": "恢复房屋在册",
    "unit": "房屋",
    "access codes revoked": "作废的查询码",
    "Income (money in)": "收入（转入）",
    "Spending (money out)": "支出（转出）",
    "Signed amount (instead of income and spending)": "带符号的金额（代替收入与支出两列）",
    "Save this layout and import the file": "保存此流水格式并导入文件",
    "The header found:": "找到的表头：",
    "Say which column holds each field: a date, a balance, and either income and spending or one signed amount. "
    "Saving under the name of a layout already kept makes its next version; the file is imported with it, and if the "
    "file still cannot be read nothing is saved.":
        "请指明各字段所在的列：日期、余额，以及收入与支出两列或一个带符号的金额列。用已有格式的名称保存即为其新版本；"
        "保存后即用它导入此文件，若文件仍无法读取，则不保存任何内容。",
    "File: %(name)s": "文件：%(name)s",
    "Choose the same file again (it is too large to keep in this form)": "请再次选择同一文件（文件较大，无法随表单保留）",
    "Layout name": "格式名称",
    "(none)": "（无）",
    "Save the layout and import": "保存格式并导入",
    "from %(day)s:": "自 %(day)s 起：",
    "Change the terms or end the contract": "变更条款或结束合同",
    "New terms from": "新条款生效日",
    "Record the new terms": "记录新条款",
    "Ends on": "结束日期",
    "Reason": "原因",
    "End the contract": "结束合同",
    "Take a unit off the register": "停用房屋",
    "A unit sold and merged, demolished, or entered in error: from the first day of a month it is no longer billed, "
    "has no vote and gets no share of a refund; its fee history stays. Refused while it has open fees or a "
    "prepayment.":
        "出售合并、拆除或登记有误的房屋：自某月1日起不再计收物业费，没有表决权，也不参与结余退还；其收费记录保留。"
        "尚有欠费或预收款时不能停用。",
    "From (the first day of a month)": "生效日（某月1日）",
    "merged with 1-102": "与1-102合并",
    "Take off the register": "停用",
    "Units off the register": "已停用的房屋",
    "Off from": "停用日",
    "back on the register from %(day)s": "自 %(day)s 起恢复在册",
    "Put back on the register": "恢复在册",
})

ZH.update({
    # --- grants (issue 10): a fund book's programmes, pipeline, application page, public page, audit words
    "The grant programme is open.": "资助计划已设立。", "The reviewer is named.": "评审人已指定。",
    "The application is recorded.": "申请已登记。", "Your score is recorded.": "您的评分已记录。",
    "Your conflict of interest is recorded; you will not score this application.": "已记录您的利益冲突声明；您不再为这份申请评分。",
    "The decision is recorded.": "决定已记录。", "The tranche is released for payment.": "本期资助款已拨付（凭证已生成）。",
    "The report is recorded.": "报告已登记。", "The report is reviewed.": "报告已验收处理。", "The grant is closed.": "资助已结项。",
    "Awarded grants as data (JSON)": "资助项目数据（JSON）", "Grants": "资助", "Grant programmes": "资助计划",
    "Programme": "资助计划", "Call": "征集期", "Pool": "资金池", "Committed": "已承诺", "Uncommitted": "未承诺",
    "Applications": "申请", "%(n)s waiting, %(a)s awarded, %(d)s declined, %(c)s closed":
        "待决定 %(n)s，已资助 %(a)s，未获资助 %(d)s，已结项 %(c)s",
    "No grant programme yet.": "还没有资助计划。", "Open a grant programme": "设立资助计划",
    "Restricted fund (code; made if new)": "限定性基金（代码；不存在则新建）", "Ceiling per grant": "单项资助上限",
    "Call opens": "征集开始", "Call closes": "征集截止", "Criteria": "评审标准", "Open the programme": "设立计划",
    "Grant programmes are opened by: %(who)s": "资助计划由以下角色设立：%(who)s",
    "Waiting for a decision": "待决定", "Awarded": "已资助", "Declined": "未获资助", "Applicant": "申请单位",
    "Contact (private)": "联系人（不公开）", "Asked": "申请金额", "Received on": "收到日期", "Reviews": "评审",
    "%(n)s scores, average %(avg)s": "%(n)s 个评分，平均 %(avg)s", "No score yet.": "尚无评分。",
    "A reviewer declared a conflict of interest and does not score this application.": "一位评审人声明了利益冲突，不为这份申请评分。",
    "Score (0–100)": "评分（0–100）", "Record my score": "提交我的评分",
    "I have a conflict of interest on this application (why)": "我与这份申请有利益冲突（说明原因）",
    "Declare a conflict of interest": "声明利益冲突", "Decide": "决定",
    "Committed so far: %(c)s of a pool of %(p)s.": "已承诺 %(c)s，资金池 %(p)s。", "Decision": "决定", "Award": "资助",
    "Decline": "不予资助", "Amount awarded (blank: the amount asked)": "资助金额（不填即申请金额）",
    "Tranches, separated by commas (blank: one)": "分期金额，用逗号分隔（不填即一期）", "Record the decision": "记录决定",
    "Tranches": "分期拨付", "Awarded %(a)s, paid %(p)s, accepted as spent %(s)s.": "资助 %(a)s，已拨付 %(p)s，验收支出 %(s)s。",
    "Tranche %(n)s": "第 %(n)s 期", "Released on %(d)s": "%(d)s 拨付", "Release this tranche": "拨付本期",
    "Report of %(d)s": "%(d)s 的报告", "Voucher": "凭证号", "Accepted": "验收通过", "Returned": "已退回",
    "Note (needed to return it)": "验收意见（退回时必填）", "Accept the report": "验收通过", "Return the report": "退回报告",
    "What was done": "完成情况", "Expenses: one line each, item, amount, voucher number": "支出：每行一笔，用途、金额、凭证号",
    "Record the report": "登记报告", "spent %(s)s, unspent %(u)s": "已支出 %(s)s，未使用 %(u)s", "Close the grant": "结项",
    "Unspent: %(t)s (held by the grantee %(h)s, never paid %(u)s).": "未使用：%(t)s（受资助方持有 %(h)s，未拨付 %(u)s）。",
    "How": "方式", "Complete: nothing unspent": "完成：无未使用资金",
    "Return the unspent to the fund (by an entry)": "未使用资金退回基金（生成凭证）",
    "Re-grant the unspent to another grant (by an entry)": "未使用资金转资助另一项目（生成凭证）", "Re-grant to": "转资助给",
    "Paid of committed": "已拨付占承诺", "Pipeline": "申请进度", "Application": "申请", "Scores": "评分",
    "Reviewers": "评审人", "No reviewer named yet.": "尚未指定评审人。",
    "User name of a reviewer (with a role in this book)": "评审人的用户名（须在本账簿中有角色）", "Name the reviewer": "指定评审人",
    "Record an application": "登记申请", "Applicant (organisation; public once awarded)": "申请单位（获资助后公开）",
    "Community or group": "所在社区或团体", "Purpose": "项目目的", "Budget: one line each, item, amount": "预算：每行一项，用途、金额",
    "Amount asked (the budget's total)": "申请金额（预算合计）", "Record the application": "登记申请",
    "Grants awarded, their tranches and reports": "资助项目及其分期拨付和报告", "entry not yet posted in a published month":
        "凭证尚未在已公示月份中过账", "Grants awarded": "资助项目",
    "Grants awarded by %(book)s, with each tranche paid and each report accepted, as published for %(period)s.":
        "%(book)s 资助的项目，以及每期拨付和验收通过的报告（%(period)s 公示）。",
    "As published with %(period)s (to %(through)s).": "随 %(period)s 公示（截至 %(through)s）。",
    "Call open from %(start)s to %(end)s.": "征集期 %(start)s 至 %(end)s。", "Criteria:": "评审标准：",
    "Awarded on %(date)s: %(reason)s": "%(date)s 决定资助：%(reason)s",
    "%(n)s reviews, average score %(score)s of 100": "%(n)s 位评审，平均分 %(score)s（满分 100）",
    "Budget of %(title)s": "%(title)s 的预算", "paid %(amount)s on %(date)s": "%(date)s 拨付 %(amount)s",
    "not paid yet": "尚未拨付", "Report accepted on %(date)s": "%(date)s 验收通过的报告", "Expenses reported": "报告的支出",
    "Closed on %(date)s.": "%(date)s 结项。", "Spent %(spent)s; unspent %(unspent)s": "已支出 %(spent)s；未使用 %(unspent)s",
    "returned to the fund": "已退回基金", "re-granted to another grant of the programme": "已转资助本计划另一项目",
    "No grant awarded yet.": "尚无资助项目。",
    "Opened a grant programme": "设立资助计划", "Named a grant reviewer": "指定资助评审人",
    "Recorded a grant application": "登记资助申请", "Declared a conflict of interest": "声明利益冲突",
    "Scored a grant application": "为资助申请评分", "Awarded a grant": "决定资助", "Declined a grant application": "不予资助",
    "Released a grant tranche": "拨付资助款", "Recorded a grant report": "登记资助报告", "Accepted a grant report": "验收资助报告",
    "Returned a grant report": "退回资助报告", "Closed a grant": "资助结项", "Closed a grant, the unspent returned": "资助结项，未使用资金退回",
    "Closed a grant, the unspent re-granted": "资助结项，未使用资金转资助", "pool": "资金池", "ceiling": "上限",
    "reviewer": "评审人", "programme": "资助计划", "amount": "金额", "score": "评分", "tranche": "期次", "unspent": "未使用",
    "entry": "凭证",
})


# --- micro-projects and matching (issue 10)
ZH.update({
    "Opened a matching pool": "开设配捐池",
    "Put money into a matching pool": "向配捐池注资",
    "Published a matching rule version": "发布配捐规则版本",
    "Closed a quadratic matching round": "结束二次方配捐轮",
    "Opened a micro-project": "发起微项目",
    "Settled a micro-project": "结算微项目",
    "Published a micro-project's progress": "公示微项目进展",
    "Recorded a donation": "登记捐款",
    "Refunded a donation": "退还捐款",
    "Donation recorded: receipt %(code)s. Its entry waits for approval.": "捐款已登记，收据号 %(code)s；其凭证等待审批。",
    "The project is settled: %(status)s.": "项目已结算：%(status)s。",
    "The project's public progress is updated.": "项目公示进展已更新。",
    "Micro-projects": "微项目",
    "Project": "项目",
    "Raised": "已筹",
    "Matched": "已配捐",
    "Goal": "目标",
    "Deadline": "截止日",
    "No micro-project yet.": "还没有微项目。",
    "Matching pools": "配捐池",
    "Pool": "配捐池",
    "Held": "池中资金",
    "Committed, pending": "已承诺（待拨付）",
    "Posted": "已拨付",
    "Voided": "已作废",
    "Clawed back": "已收回",
    "Remaining": "剩余",
    "No matching pool yet.": "还没有配捐池。",
    "estimate: %(amount)s": "估算：%(amount)s",
    "Record a donation": "登记捐款",
    "Channel": "方式",
    "Payment reference": "支付参考号",
    "Donor's phone (kept only as a keyed hash)": "捐款人手机号（只保存加密摘要）",
    "Display name": "显示名",
    "Anonymous": "匿名",
    "The donor will get a match of %(amount)s.": "捐款人将获配捐 %(amount)s。",
    "Quadratic rule: the match is an estimate until the round closes.": "二次方配捐：本轮结束前配捐额只是估算。",
    "Save the donation": "保存捐款",
    "Show the match": "显示配捐额",
    "Settle the project": "结算项目",
    "Update the public progress": "更新公示进展",
    "Donations": "捐款",
    "Receipt": "收据",
    "Name": "名称",
    "Match": "配捐",
    "Donor (hash)": "捐款人（摘要）",
    "Refunded": "已退还",
    "No donation yet.": "还没有捐款。",
    "Rule versions": "规则版本",
    "Donors who hit their cap": "达到配捐上限的捐款人",
    "None.": "无。",
    "Warnings: one phone, several names": "提醒：同一手机号、多个名字",
    "Warnings: one payment reference, several donors": "提醒：同一支付参考号、多位捐款人",
})


ZH.update({
    # micro-projects on the public site and "track my donation" (issue 10)
    "Raising money": "筹款中", "Funded": "已达成目标", "Missed its goal: every donation refunded": "未达目标，捐款已全部退还",
    "Donations: %(percent)s%% of the goal": "捐款已达目标的 %(percent)s%%", "Donated": "已捐款",
    "Match (estimate)": "配捐（估算）", "Matched by %(funder)s": "%(funder)s配捐", "Stretch goal": "延伸目标",
    "Under quadratic matching this match is only an estimate: it goes up when more people give to this project and down "
    "when the round's other projects gain support. It is fixed when the round closes.":
        "二次方配捐下，这个配捐额只是估算：本项目有更多人捐款时会上升，本轮其他项目获得更多支持时会下降；本轮结束时才最终确定。",
    "Paid from the project's own fund so far:": "至今从本项目专项基金支出：", "Paid:": "支出：",
    "A voucher of this payment is being checked for private details; it is shown once the committee has reviewed it.":
        "这笔支出的凭证正在检查是否含有个人隐私，审核后公开。",
    "Nothing has been paid from this project's fund yet.": "本项目基金还没有支出。",
    "Micro-projects: %(n)s, with their donations, matches and expenses": "微项目：%(n)s 个，含捐款、配捐和支出",
    "%(n)s micro-projects": "%(n)s 个微项目",
    "Donated %(raised)s of %(goal)s yuan, matched %(matched)s yuan.": "已捐 %(raised)s 元，目标 %(goal)s 元，配捐 %(matched)s 元。",
    "All or nothing: if the goal is missed by the deadline, every donor gets their money back.":
        "全有或全无：截止日前未达目标，全部捐款原路退还。",
    "Keep what is raised: the project goes ahead with whatever was given.": "筹多少用多少：无论筹到多少，项目都按实际筹款实施。",
    "Progress": "进展", "%(n)s donations from %(donors)s donors.": "%(donors)s 位捐款人，共 %(n)s 笔捐款。",
    "The project": "项目介绍", "Team:": "项目团队：", "How the government's match works": "政府配捐怎么算",
    "Matching pool: %(pool)s, funded by %(funder)s.": "配捐池：%(pool)s，出资方：%(funder)s。",
    "Rule version %(v)s, fingerprint %(digest)s.": "规则第 %(v)s 版，指纹 %(digest)s。",
    "Donor wall": "捐款榜",
    "Donors choose a name to show, or to give anonymously (匿名). Nobody's phone number is ever shown.":
        "捐款人自己选择显示的名字，或选择匿名。任何人的手机号都不会公开。",
    "Amount (yuan)": "金额（元）", "No budget lines were published.": "没有公示预算明细。",
    "Where the money went": "钱花在了哪里",
    "This page is read from the project's published document, signed by the book's key and checked before it is shown:":
        "本页内容来自项目的公示文件，由账簿密钥签名，显示前已核验签名：",
    "the signed message is project:BOOK:CODE:SHA256 of progress.json": "签名的内容为 project:账簿:项目代码:progress.json 的 SHA256",
    "Projects residents started and raise money for, with the government's match and every expense with its receipt.":
        "居民发起并众筹的项目，附政府配捐，以及每一笔支出和它的凭证。",
    "Micro-projects of %(book)s": "%(book)s的微项目",
    "%(n)s project(s) are not shown: their published document failed the check of the book's signature.":
        "有 %(n)s 个项目未显示：其公示文件未通过账簿密钥的签名核验。",
    "Track my donation": "查询我的捐款", "Receipt code (on your receipt, e.g. JZ-7K2QM-9XPTA)": "收据号（见捐款收据，如 JZ-7K2QM-9XPTA）",
    "Track": "查询", "Your donation": "您的捐款",
    "Track a donation: the gift, the match it unlocked and where the money went.": "查询一笔捐款：捐款、它带来的配捐，以及钱花在了哪里。",
    "Receipt code": "收据号", "The donation": "捐款", "Refunded in full": "已全额退还",
    "Partly refunded: %(yuan)s yuan": "已部分退还 %(yuan)s 元", "Received, not refunded": "已收到，未退还",
    "For the project:": "捐给项目：", "The match it unlocked": "这笔捐款带来的配捐",
    "The match is set when the quadratic round closes.": "配捐额在本轮二次方配捐结束时确定。",
    "For now the whole project's match is estimated at %(yuan)s yuan (for all its donations together).":
        "目前整个项目的配捐估算为 %(yuan)s 元（项目全部捐款合计，不是单指这一笔）。",
    "Voided: the project missed its goal, so the match went back to the matching pool.": "已作废：项目未达目标，配捐退回配捐池。",
    "Clawed back: the donation was refunded, so its match went back to the matching pool.": "已收回：捐款已退还，配捐退回配捐池。",
    "Paid: the match was moved into the project's fund.": "已拨付：配捐已转入项目基金。",
    "Pending: promised from the matching pool, paid when the project is funded.": "待拨付：配捐池已承诺，项目达成目标后拨付。",
    "%(yuan)s yuan of the match was clawed back when the donation was refunded.": "捐款退还时收回配捐 %(yuan)s 元。",
    "Why it is this amount:": "为什么是这个金额：", "The project's progress": "项目进展",
    "This page is only for whoever holds the receipt code; it is not listed anywhere.": "本页只给持有收据号的人看，不在任何地方列出。",
    # A funder's donations across projects, a matching pool's account (helper: hfund)
    "Your donations": "我的捐赠", "All your donations in this community, with the matches they unlocked.":
        "你在本社区的全部捐赠，以及它们带来的配捐。", "Your donations in this community": "我在本社区的全部捐赠",
    "Funder code": "捐赠者代码", "In all": "合计", "Given": "已捐", "Matches unlocked": "带来的配捐", "Projects": "项目数",
    "Each donation": "每一笔捐赠", "Match status": "配捐状态", "Project status": "项目状态", "Donated / goal": "已筹 / 目标",
    "Pending": "待拨付", "Paid to the project": "已拨付", "The project's match": "项目获得的配捐", "Set when the round closes": "本轮结束时确定", "%(yuan)s clawed back": "已收回 %(yuan)s",
    "This page is only for whoever holds the funder code; it is not listed anywhere and shows no name or phone number.":
        "本页只给持有捐赠者代码的人看，不在任何地方列出，也不显示姓名或手机号。",
    "No such funder code": "找不到这个捐赠者代码",
    "No donations were found for this funder code. Check the code printed on your receipt (like JF-7K2QM-9XPTA).":
        "没有找到这个捐赠者代码对应的捐赠。请核对收据上印的代码（形如 JF-7K2QM-9XPTA）。",
    "The matching pool of %(funder)s: what it holds, what it promised and what it paid.":
        "%(funder)s的配捐池：池中资金、已承诺和已拨付的配捐。",
    "Matching pool %(code)s, funded by %(funder)s.": "配捐池 %(code)s，出资方：%(funder)s。", "The pool's money": "配捐池资金",
    "Held (deposits)": "池中资金（注资）", "of which pending": "其中待拨付", "of which paid to projects": "其中已拨付给项目",
    "Voided (projects that missed their goal)": "已作废（项目未达目标）", "Clawed back (refunded donations)": "已收回（捐款退还）",
    "Deposits": "注资", "No deposit yet.": "尚无注资。", "Projects and their matches": "各项目的配捐", "No project yet.": "尚无项目。",
    "The rules": "配捐规则", "Rule version %(v)s": "规则第 %(v)s 版", "Fingerprint %(digest)s.": "指纹 %(digest)s。",
    "Donors are never named here: a pool's account shows only amounts per project.": "这里不显示任何捐款人：配捐池的账目只列各项目的金额。",
    "The matching pool's account: what it holds, what it promised and paid, project by project":
        "配捐池账目：池中资金、已承诺和已拨付的配捐，逐个项目列出",
})
ZH.update({
    # micro-project forms: pools, deposits, rule versions with their preview, projects with budgets (helper hforms)
    "Matching pool %(code)s is open, with its own restricted fund %(fund)s.": "配捐池 %(code)s 已设立，有自己的限定用途基金 %(fund)s。",
    "%(amount)s put into the pool. Its entry waits for approval.": "已向配捐池注资 %(amount)s，其凭证待审批。",
    "Rule version %(version)s is published. It will never change; projects pin it when they open.":
        "规则第 %(version)s 版已发布，此后不再修改；项目发起时固定采用某一版。",
    "Micro-project %(code)s is open for donations, pinned to its rule version.": "微项目 %(code)s 已开始筹款，配捐规则版本已固定。",
    "Funder": "配捐方", "Put money into the pool": "向配捐池注资",
    "The pool holds the money at once; its entry (bank into the pool's fund) waits for a second person's approval.":
        "配捐池即时计入这笔钱；其凭证（银行存款记入配捐池基金）须由另一人审批。",
    "Record the deposit": "登记注资",
    "A published version never changes: a new rule is a new version, and each project keeps the version it pinned.":
        "已发布的版本不再修改：新规则即新版本，每个项目始终采用它固定的版本。",
    "Projects pinned to it": "采用此版本的项目", "none yet": "暂无", "No rule version yet.": "尚无规则版本。",
    "Publish a new rule version": "发布新的规则版本", "Version": "版本",
    "Ratio: each gift matched at one rate": "按比例：每笔捐款按同一比例配捐",
    "Tiers: the rate depends on the gift's size": "分档：按单笔捐款金额分档配捐",
    "Quadratic: a round of projects shares the pool": "二次方：一轮各项目共享配捐池",
    "Name (optional)": "名称（可不填）", "Ratio rules": "按比例规则",
    "Ratio, given:matched (1:1, 1:0.5, 2:1)": "配比，捐:配（如 1:1、1:0.5、2:1）", "Tier rules": "分档规则",
    "Tiers: one a line, lowest amount, highest amount (empty for the last), rate (20 means 20 percent, or a ratio such as 1:0.5). Both ends are inside the tier, so the next tier starts 0.01 above.":
        "分档：每行一档，依次为起点金额、上限金额（最后一档可空）、配捐率（20 表示百分之二十，或写配比如 1:0.5）。"
        "每档两端都含在档内，所以下一档从上一档上限加 0.01 元起。",
    "Ratio and tier rules": "按比例与分档规则", "Per-donor cap in one project (yuan)": "每人在单个项目的配捐上限（元）",
    "Match each donor only once per project": "每位捐款人在每个项目只配一次", "Quadratic rules": "二次方规则",
    "Cap share: the most one project gets, as a share of the pool (0.5)": "上限比例：单个项目最多获配配捐池的几成（如 0.5）",
    "Every kind": "各类规则通用", "Minimum donation matched (yuan)": "获配捐的最低单笔捐款（元）",
    "Per-project cap (yuan)": "每个项目的配捐上限（元）",
    "Pool amount (yuan): required for quadratic; for ratio and tiers only the simulation uses it, real matches stop at what the pool holds":
        "配捐池金额（元）：二次方规则必填；按比例与分档规则只在模拟中使用，实际配捐以配捐池的实际余额为限",
    "Try it on donations (optional): one a line, donor, amount (and project, for quadratic)":
        "用捐款试算（可不填）：每行一笔，捐款人、金额（二次方规则再加项目）",
    "Preview: what residents will read": "预览：居民将看到的说明", "Simulated matches": "模拟配捐",
    "estimates: a quadratic round is fixed when it closes": "估算：二次方配捐在本轮结束时才确定",
    "Line": "行", "Donor": "捐款人", "Why": "说明", "Matched in all: %(amount)s": "配捐合计：%(amount)s",
    "left in the pool: %(amount)s": "配捐池剩余：%(amount)s", "not shared: %(amount)s": "未分配：%(amount)s",
    "Show the preview": "显示预览", "Publish this version": "发布此版本",
    "The version can be published once its preview is shown; change anything and preview again.":
        "显示预览后才能发布；改动任何内容后请重新预览。",
    "Open a micro-project": "发起微项目", "Matching pool and rule version (pinned for good)": "配捐池与规则版本（一经选定不再改变）",
    "Code (letters, digits, - and _)": "代码（字母、数字、- 和 _）",
    "Story: what it is for, as residents will read it": "项目介绍：做什么、为什么（居民会看到）",
    "Area (the building or place it serves)": "受益区域（楼栋或场所）", "Team": "项目团队", "Goal (yuan)": "目标金额（元）",
    "Stretch goal (yuan, optional; above the goal)": "延伸目标（元，可不填，须高于目标）",
    "If the goal is not reached by the deadline": "截止日仍未达到目标时", "All or nothing": "不达目标全额退还",
    "Every donor is refunded what they gave and the matches go back to the pool. Only a project that reaches its goal gets the money.":
        "每位捐款人的捐款全额退还，配捐退回配捐池。只有达到目标的项目才能拿到钱。",
    "Keep what you raise": "筹多少用多少",
    "The project keeps the donations and their matches it has at the deadline, even below the goal.":
        "即使未达目标，项目也保留截止日时已筹得的捐款及其配捐。",
    "Open the project": "发起项目",
    "A micro-project pins a version of a pool's matching rule: publish one on a pool's page first.":
        "微项目须固定采用某个配捐池的一个规则版本：请先在配捐池页面发布规则。",
    "Micro-projects are opened by: %(who)s": "可发起微项目的角色：%(who)s", "Open a matching pool": "设立配捐池",
    "Funder (who matches, as the explainer names them)": "配捐方（规则说明中的称呼）",
    "The pool gets its own restricted fund (POOL-code). Money goes in by deposits on the pool's page.":
        "配捐池有自己的限定用途基金（POOL-代码）。在配捐池页面登记注资。",
    "Open the pool": "设立配捐池", "Matching pools are opened by: %(who)s": "可设立配捐池的角色：%(who)s",
})

# --- grant report files and rebooking (0021)
ZH.update({
    "Attached a file to a grant report": "为资助报告上传附件",
    "Reviewed a grant report's file for redaction": "审查资助报告附件（遮盖隐私）",
    "Read the original of a grant report's file": "查看资助报告附件原件",
    "Booked a rejected grant commitment again": "重新提交被退回的资助承诺分录",
    "Booked a rejected grant closing entry again": "重新提交被退回的结项分录",
    "rejected entry": "被退回的分录",
    "files": "附件数",
    "The file is reviewed; its public copy is the one residents will see.": "附件已审查；居民看到的是这份公开副本。",
    "The entry is booked again.": "分录已重新提交。",
    "What was changed, or why it goes again": "改了什么，或为何重新提交",
    "Book the entry again": "重新提交分录",
    "rejected by the approver": "被审批人退回",
    "The approver rejected the commitment entry: %(reason)s": "审批人退回了资助承诺分录：%(reason)s",
    "The approver rejected the closing entry: %(reason)s": "审批人退回了结项分录：%(reason)s",
    "reviewed for redaction: residents see this copy": "已审查遮盖：居民看到这份副本",
    "not reviewed for redaction yet: not published": "尚未审查遮盖：不公示",
    "Original (audited)": "原件（查看留痕）",
    "Page %(n)s of %(name)s": "%(name)s 第 %(n)s 页",
    "Boxes to black out (JSON: page, x, y, w, h as fractions of the page; empty: nothing to hide)":
        "要涂黑的区域（JSON：page、x、y、w、h，按页面比例；留空表示无需遮盖）",
    "Review for the public copy": "审查并生成公开副本",
    "Receipts: photos or scans (JPEG, PNG, WebP, HEIC or PDF)": "票据：照片或扫描件（JPEG、PNG、WebP、HEIC 或 PDF）",
    "Receipts of the report": "报告的票据",
    "Receipt of the report on tranche %(seq)s, page %(n)s of %(total)s, redacted for publication":
        "第 %(seq)s 期报告的票据，第 %(n)s 页，共 %(total)s 页，已遮盖隐私后公示",
    "%(n)s receipts of this report are being checked for private details; they are shown once the committee has reviewed them.":
        "这份报告有 %(n)s 张票据正在审查隐私信息，业委会审查后才会公示。",
})

# --- the phone walk of the community fund (helper hphone): words for codes, what a match is, what to fix
ZH.update({
    "The project is settled as funded: its matches are paid into its fund.": "项目已结算为达成：配捐已拨入项目基金。",
    "The project is settled: it missed its goal, every donor is refunded and its matches go back to the pool.":
        "项目已结算：未达目标，每位捐款人的捐款全额退还，配捐退回配捐池。",
    "Receipt %(code)s": "收据号 %(code)s", "Print the receipt (PDF)": "打印收据（PDF）",
    "Never shown anywhere: it only links this donor's gifts, for the per-person match cap and the funder code on the receipt.":
        "任何地方都不会显示：只用于把同一位捐款人的捐款归在一起，以计算每人配捐上限和收据上的捐赠者代码。",
    "Shown on the project's public donor wall. Tick Anonymous to show 匿名 instead.":
        "会显示在项目公开的捐款榜上。勾选“匿名”则显示为“匿名”。",
    "It can be settled once it reaches its goal, or after its deadline (%(date)s).":
        "达到目标后，或截止日（%(date)s）之后，才能结算。",
    "A match is money the matching pool's funder adds to the project because you gave; it goes to the project, not to you.":
        "配捐是配捐池的出资方因为您的捐款而额外给项目的钱；它进入项目，不归您个人。",
    "The project's match (estimate)": "项目获得的配捐（估算）",
    "A match is money this pool's funder adds to a project because residents gave to it. It is promised (pending) when the donation is recorded, paid when the project is settled as funded, and goes back to the pool if the project misses its goal or the donation is refunded.":
        "配捐是出资方因居民捐款而额外给项目的钱。登记捐款时承诺（待拨付），项目结算为达成时拨付；"
        "项目未达目标或捐款退还时，配捐退回配捐池。",
    "It is not counted in the pool's committed figure until then.": "在此之前，它不计入配捐池的“已承诺”。",
    "Match promised (voided)": "原承诺的配捐（已作废）",
    "It shows no name or phone number. Your receipt also carries a funder code (starting JF-) whose page lists all your donations in this community.":
        "本页不显示姓名或手机号。您的收据上还印有捐赠者代码（JF- 开头），凭它可查看您在本社区的全部捐赠。",
    "Or the funder code printed on it (JF-…): it opens all your donations in this community.":
        "也可以填收据上的捐赠者代码（JF- 开头），查看您在本社区的全部捐赠。",
    "Grant budget": "资助总额", "Grant budget (yuan)": "资助总额（元）", "Paid out": "已拨付",
    "ratio matching": "按比例配捐", "tiered matching": "分档配捐", "quadratic matching": "二次方配捐",
    "The round is closed: %(amount)s shared among its projects, now fixed; %(left)s stays in the pool.":
        "本轮已结束：%(amount)s 已分配给各项目，配捐额就此确定；%(left)s 留在配捐池。",
    "Closing the round shares its pool among its %(n)s open projects as the estimates show now; each project's match is then fixed and no longer moves. It cannot be undone.":
        "结束本轮即按当前估算把本轮配捐池分给 %(n)s 个筹款中的项目；此后各项目的配捐额确定，不再变动。此操作不可撤销。",
    "Close the round and fix the matches": "结束本轮，确定配捐",
    "Donations in a quadratic matching round: %(num)s. Their matches are fixed when the round closes and are not counted above.":
        "二次方配捐轮中的捐款：%(num)s 笔。它们的配捐在本轮结束时才确定，未计入上面的合计。",
})


# --- project spending by budget line (hspend)
ZH.update({
    "Spending recorded as entry %(id)s; it waits for approval.": "支出已记录为凭证 %(id)s，等待审批。",
    "Budget and spending": "预算与支出", "Budget line": "预算项目", "Spent (posted)": "已支出（已过账）",
    "Waiting for approval": "待审批", "Left": "剩余",
    "This project has no budget lines: nothing can be spent from its fund.": "本项目没有预算项目：不能从其专项基金支出。",
    "Record spending": "记录项目支出", "left: %(amount)s": "剩余 %(amount)s", "Expense account": "支出科目",
    "Paid from": "付款科目", "Voucher (photo of the invoice or receipt; required)": "原始凭证（发票或收据照片，必填）",
    "Record the spending": "保存支出", "Budget line:": "预算项目：", "Spent (yuan)": "已支出（元）",
    "Left (yuan)": "剩余（元）", "Recorded a micro-project's spending": "记录微项目支出",
})


ZH.update({
    # quadratic rounds closed and the pool's public account updated from the pool's page
    "The pool's public account is updated.": "配捐池的公开账目已更新。",
    "This round cannot close yet:": "本轮暂不能结束：",
    "Update the pool's public account": "更新配捐池公开账目",
    "Residents see held, committed, posted and voided matches per project; never a donor.":
        "居民可看到配捐池的资金、各项目已承诺、已过账和已作废的配捐；不显示任何捐款人。",
})


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
