"""How long a 100,000-row bank statement takes to import, and to import again (issue 9's aim: under 5 s each,
and nothing added the second time). Runs on SQLite, and on PostgreSQL when LEDGER_TEST_POSTGRES_URL is set.

    make bench   # or: .venv/bin/python -m pytest tests/bench/test_bank_import_bench.py -s -q
"""
from __future__ import annotations

import datetime as dt
import os
import random
import time

from ledger.services import bank

ROWS = int(os.environ.get("BENCH_BANK_ROWS", "100000"))
AIM_SECONDS = 5.0


def _statement(rows: int) -> bytes:
    """An ICBC-style CSV in GBK, newest first, with preamble, opening balance and footer."""
    rng = random.Random(9)
    balance, lines, income, spending = 50_000_000, [], 0, 0
    day = dt.date(2020, 1, 1)
    body = []
    for i in range(rows):
        fen = rng.randint(1_00, 5_000_00)
        if i % 3:
            balance += fen
            income += fen
            cells = [f"{day:%Y-%m-%d}", f"S{i:08d}", f"物业费 {i % 8 + 1}-{i % 600 + 101}", "业主", f'"{fen // 100:,}.{fen % 100:02d}"', "", ""]
        else:
            balance -= fen
            spending += fen
            cells = [f"{day:%Y-%m-%d}", f"S{i:08d}", "保洁费", "某保洁公司", "", f'"{fen // 100:,}.{fen % 100:02d}"', ""]
        cells[-1] = f'"{balance // 100:,}.{balance % 100:02d}"'
        body.append(",".join(cells))
        if i % 60 == 59:
            day += dt.timedelta(days=1)
    lines = ["账号:,6222000011112222", "户名:,幸福里小区业主大会", "币种:,人民币",
             "交易日期,交易流水号,摘要,对方户名,转入金额,转出金额,余额", "2020-01-01,,期初余额,,,,\"500,000.00\""]
    lines += reversed(body)
    lines += [f"合计笔数:,{rows}", f'收入合计:,"{income / 1:.0f}"'.replace(f"{income / 1:.0f}", f"{income // 100}.{income % 100:02d}"),
              f"支出合计:,{spending // 100}.{spending % 100:02d}"]
    return "\n".join(lines).encode("gbk")


def test_import_and_reimport_100k_rows(ledger):
    data = _statement(ROWS)
    timings = []
    for run in ("first", "again"):
        started = time.perf_counter()
        with ledger.tx() as s:
            result = bank.import_statement(s, ledger.user(s, "clerk"), ledger.book(s), "big.csv", data)
        seconds = time.perf_counter() - started
        timings.append((run, seconds, result.added, result.duplicates))
        print(f"\nbank import {run}: {ROWS} rows in {seconds:.2f} s, added {result.added}, duplicates {result.duplicates} "
              f"({seconds / AIM_SECONDS:.2f} of the {AIM_SECONDS:.0f} s aim)")
    assert timings[0][2] == ROWS and timings[1][2] == 0 and timings[1][3] == ROWS
