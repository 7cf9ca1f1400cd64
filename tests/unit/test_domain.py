"""Entry rules and the chain's canonical form, without a database."""
import datetime as dt
import dataclasses
import hashlib
import json

import pytest

from ledger.domain.chain import GENESIS, canonical_bytes, chain_hash
from ledger.domain.errors import FundUnbalanced, InvalidAmount, InvalidInput, UnbalancedEntry
from ledger.domain.model import EntryInput, Line, PostedEntry, PostedLine, entry_number, line_from_parts, validate_entry

D = dt.date(2026, 3, 5)


def entry(*lines, summary="收物业费"):
    return EntryInput(D, summary, tuple(Line(a, f, fen) for a, f, fen in lines))


def test_balanced_entry_passes():
    validate_entry(entry(("1002", "GEN", 100), ("4101", "GEN", -100)))


def test_unbalanced_entry_names_the_difference():
    with pytest.raises(UnbalancedEntry) as info:
        validate_entry(entry(("1002", "GEN", 100), ("4101", "GEN", -90)))
    assert "0.10" in info.value.message_zh and "0.10" in info.value.message_en


def test_entry_must_balance_within_each_fund():
    with pytest.raises(FundUnbalanced) as info:
        validate_entry(entry(("1002", "GEN", 100), ("4101", "REPAIR", -100)))
    assert info.value.field == "lines[0].fund"


@pytest.mark.parametrize("lines, error, field", [
    ([("1002", "GEN", 100)], InvalidInput, "lines"),
    ([("1002", "GEN", 0), ("4101", "GEN", 0)], InvalidAmount, "lines[0].amount"),
])
def test_degenerate_entries_are_refused(lines, error, field):
    with pytest.raises(error) as info:
        validate_entry(entry(*lines))
    assert info.value.field == field


def test_summary_is_required():
    with pytest.raises(InvalidInput) as info:
        validate_entry(entry(("1002", "GEN", 1), ("4101", "GEN", -1), summary="  "))
    assert info.value.field == "summary"


def test_lines_from_form_parts():
    assert line_from_parts(0, "1002", "GEN", debit="1,234.50").fen == 123450
    assert line_from_parts(1, "4101", "GEN", credit="1234.50").fen == -123450
    assert line_from_parts(2, "4101", "GEN", amount="-3").fen == -300
    with pytest.raises(InvalidInput) as info:
        line_from_parts(3, "1002", "GEN", debit="1", credit="1")
    assert info.value.field == "lines[3].debit"
    with pytest.raises(InvalidAmount):
        line_from_parts(4, "1002", "GEN", debit="-5")
    with pytest.raises(InvalidInput) as info:
        line_from_parts(5, "", "GEN", debit="5")
    assert info.value.field == "lines[5].account"


def test_entry_numbers():
    assert entry_number(D, 42) == "记-2026-03-0042"
    assert entry_number((2026, 12), 1) == "记-2026-12-0001"


def test_chain_hash_is_sha256_of_prev_and_canonical_json():
    posted = PostedEntry("JCHY", "记-2026-03-0001", D, "收物业费",
                         (PostedLine("1002", "asset", True, "GEN", 123456, ""),
                          PostedLine("4101", "income", False, "GEN", -123456, "3月")), ("bb", "aa"),
                         makers=("caiwu",), approvers=("weiyuan2", "weiyuan1"))
    doc = json.loads(canonical_bytes(posted))
    assert doc == {
        "approvers": ["weiyuan1", "weiyuan2"], "attachments": ["aa", "bb"], "book": "JCHY", "date": "2026-03-05",
        "makers": ["caiwu"], "number": "记-2026-03-0001", "reverses": None, "source": "manual", "summary": "收物业费",
        "lines": [{"account": "1002", "account_type": "asset", "cash": True, "fen": 123456, "fund": "GEN", "note": ""},
                  {"account": "4101", "account_type": "income", "cash": False, "fen": -123456, "fund": "GEN", "note": "3月"}],
    }
    expected = hashlib.sha256(GENESIS.encode() + canonical_bytes(posted)).hexdigest()
    assert chain_hash(GENESIS, posted) == expected
    # Who approved is part of what is chained: the same content with another approver is another hash.
    assert chain_hash(GENESIS, dataclasses.replace(posted, approvers=("weiyuan1",))) != expected
    assert chain_hash("1" * 64, posted) != expected


def test_the_trend_chart_has_a_round_axis_in_yuan_and_names_the_months():
    from ledger.domain import graphs

    assert [graphs._nice_ceiling(f) for f in (1, 100, 101, 180_00, 230_00, 260_00, 999_999_00)] == [
        100, 100, 200, 200_00, 250_00, 500_00, 1_000_000_00]
    months = [("2025-12", 120_000_00, 80_000_00), ("2026-01", 90_000_00, 95_000_00), ("2026-02", 100_000_00, 0)]
    zh = graphs.trend("收支趋势", months, ("收入", "支出"))
    assert "单位：元" in zh and "12月" in zh and "1月" in zh and "2025" in zh and "2026" in zh
    assert ">200,000<" in zh or ">200000<" in zh or "200,000" in zh  # the round top of the axis, in yuan
    en = graphs.trend("Trend", months, ("Income", "Expenses"), english=True)
    assert "Dec" in en and "Jan" in en and "单位" not in en
