"""A statement in a layout no profile knows: the bank page shows the header found, the treasurer maps its columns,
saves the layout (a new version under a used name) and imports the file in one step; a mapping that does not read
the file saves nothing. SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import json
import re

from sqlalchemy import func, select

from ledger.db.schema import BankProfile, BankStatementRow

from .test_bank_web import _upload

# ICBC's download after a change of layout: renamed columns, so no kept layout fits.
NEW_LAYOUT = """账号:,6222000011112222
交易日期,流水号,摘要,对方户名,收入,支出,账户余额
2026-03-01,,期初余额,,,,"10,000.00"
2026-03-02,ICBC0001,停车费,张三,"1,200.50",,"11,200.50"
2026-03-05,ICBC0002,电梯维保,某电梯公司,,"3,000.00","8,200.50"
2026-03-10,ICBC0003,广告收入,某传媒,500.00,,"8,700.50"
"""
GOOD = {"date": "交易日期", "income": "收入", "spending": "支出", "balance": "账户余额", "counterparty": "对方户名",
        "memo": "摘要", "serial": "流水号"}


def _counts(ledger):
    with ledger.tx() as s:
        return (s.scalar(select(func.count(BankProfile.id))), s.scalar(select(func.count(BankStatementRow.id))))


def _save(who, page_html, columns, name="icbc-2026"):
    header = re.findall(r'<input type="hidden" name="header" value="([^"]*)">', page_html)
    carried = re.search(r'name="carried" value="([^"]*)"', page_html).group(1)
    data = {"csrf_token": who.token(page_html), "account": "1002", "period": "2026-03", "name": name,
            "filename": "new.csv", "carried": carried, "header": header}
    data.update({f"col_{f}": columns.get(f, "") for f in ("date", "income", "spending", "amount", "balance",
                                                          "counterparty", "memo", "serial")})
    return who.client.post("/books/T1/bank/layout", data=data)


def test_the_treasurer_maps_a_new_layout_and_imports_the_file(ledger, sign_in):
    treasurer = sign_in("maker")
    refused = _upload(treasurer, NEW_LAYOUT, "new.csv")
    assert refused.status_code == 422 and 'data-testid="bank-layout"' in refused.text
    shown = re.search(r'data-testid="bank-layout-header">([^<]*)<', refused.text).group(1)
    assert shown == "交易日期 | 流水号 | 摘要 | 对方户名 | 收入 | 支出 | 账户余额"
    assert re.search(r'name="col_date">.*?<option selected>交易日期</option>', refused.text, re.S)  # a first guess
    carried = re.search(r'name="carried" value="([^"]*)"', refused.text).group(1)
    assert base64.b64decode(carried) == NEW_LAYOUT.encode("gbk")  # the same bytes ride along, not re-chosen

    # balance and spending swapped: the balance check breaks on row 4; nothing saved, the form comes back
    wrong = _save(treasurer, refused.text, dict(GOOD, balance="支出", spending="账户余额"))
    assert wrong.status_code == 422 and 'data-testid="bank-layout"' in wrong.text
    assert _counts(ledger) == (0, 0)
    unknown = _save(treasurer, refused.text, dict(GOOD, memo="备注"))
    assert unknown.status_code == 422 and _counts(ledger) == (0, 0)

    done = _save(treasurer, refused.text, GOOD)
    assert done.status_code == 200 and 'data-testid="bank-result"' in done.text and "icbc-2026" in done.text
    assert _counts(ledger) == (1, 3)
    with ledger.tx() as s:
        saved = s.scalars(select(BankProfile)).one()
        assert (saved.name, saved.version, json.loads(saved.columns)) == ("icbc-2026", 1, GOOD)
        rows = s.scalars(select(BankStatementRow).order_by(BankStatementRow.seq)).all()
        assert [(r.serial, r.amount_fen, r.balance_fen) for r in rows] == [
            ("ICBC0001", 120050, 1120050), ("ICBC0002", -300000, 820050), ("ICBC0003", 50000, 870050)]
    # the next download in that layout is recognised: nothing added twice
    again = _upload(sign_in("clerk"), NEW_LAYOUT, "new.csv")
    assert again.status_code == 200 and _counts(ledger) == (1, 3)

    # the bank moves its columns again: the same name gets version 2
    moved = NEW_LAYOUT.replace("账户余额", "余额(元)")
    refused = _upload(treasurer, moved, "moved.csv")
    assert refused.status_code == 422
    done = _save(treasurer, refused.text, dict(GOOD, balance="余额(元)"))
    assert done.status_code == 200
    with ledger.tx() as s:
        assert s.scalar(select(func.max(BankProfile.version)).where(BankProfile.name == "icbc-2026")) == 2


def test_only_those_who_keep_layouts_see_or_use_the_form(ledger, sign_in):
    clerk = sign_in("clerk")  # the trustee imports statements but does not keep layouts
    refused = _upload(clerk, NEW_LAYOUT, "new.csv")
    assert refused.status_code == 422 and "交易日期 | 流水号" in refused.text  # told the header found
    assert 'data-testid="bank-layout"' not in refused.text and "/bank/layout" not in refused.text
    page = clerk.get("/books/T1/bank?period=2026-03").text
    tried = clerk.client.post("/books/T1/bank/layout", data={
        "csrf_token": clerk.token(page), "name": "x", "header": list(GOOD.values()),
        "carried": base64.b64encode(NEW_LAYOUT.encode("gbk")).decode(), **{f"col_{k}": v for k, v in GOOD.items()}})
    assert tried.status_code == 403 and _counts(ledger) == (0, 0)
    # a statement refused for its rows (not its layout) offers no layout form
    bad = _upload(sign_in("maker"), NEW_LAYOUT.replace("交易日期,流水号,摘要,对方户名,收入,支出,账户余额",
                                                      "交易日期,交易流水号,摘要,对方户名,转入金额,转出金额,余额")
                  .replace('"8,200.50"', '"8,200.00"'))
    assert bad.status_code == 422 and 'data-testid="bank-layout"' not in bad.text
    # a large file (over 300 kB) is chosen again in the form rather than carried
    big = NEW_LAYOUT + "".join(f"2026-03-{d:02d},X{i},,,,,\n" for i, d in enumerate([11] * 20000))
    page = _upload(sign_in("maker"), big, "big.csv").text
    assert 'data-testid="bank-layout"' in page and 'name="carried"' not in page and 'type="file" name="file"' in page


def test_a_layout_saved_on_the_page_follows_the_cli_listing(ledger, sign_in, db_url, monkeypatch):
    from click.testing import CliRunner

    from ledger.cli import main

    treasurer = sign_in("approver1")  # the committee keeps layouts too
    refused = _upload(treasurer, NEW_LAYOUT, "new.csv")
    assert _save(treasurer, refused.text, GOOD, name="工行新版").status_code == 200
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    out = CliRunner().invoke(main, ["bank", "profiles", "--book", "T1", "--format", "json"])
    kept = [p for p in json.loads(out.output) if p["name"] == "工行新版"]
    assert kept == [{"name": "工行新版", "version": 1, "builtin": False, "columns": GOOD}]
