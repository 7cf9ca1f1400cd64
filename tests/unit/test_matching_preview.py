"""What the back office's rule preview shares with `ledger matching simulate` (ledger/domain/matching.py): a table of
donations read row by row, the simulation, and the refusal of a gap between typed tiers."""
from __future__ import annotations

import pytest

from ledger.domain import matching
from ledger.domain.errors import InvalidInput


def tiers(*rows, **extra):
    return matching.parse_rule({"kind": "tiers", "tiers": [dict(zip(("min", "max", "percent"), r)) if r[1] else
                                                           {"min": r[0], "percent": r[2]} for r in rows], **extra})


def test_tiers_that_follow_each_other_to_the_fen_pass():
    matching.refuse_tier_gaps(tiers(("100", "499.99", "20"), ("500", None, "50")))
    matching.refuse_tier_gaps(tiers(("100", "499.99", "20"), ("500", "999.99", "30")))  # nothing above: not a gap here
    matching.refuse_tier_gaps(matching.parse_rule({"kind": "ratio", "ratio": "1:1"}))


def test_a_gap_between_tiers_is_refused_naming_it_in_both_languages():
    with pytest.raises(InvalidInput) as e:
        matching.refuse_tier_gaps(tiers(("500", None, "50"), ("100", "499", "20")))  # typed out of order, still a gap
    assert "捐 499.01 元至 499.99 元不在任何一档内" in e.value.message_zh
    assert "499.01 to 499.99 yuan is in no tier" in e.value.message_en and e.value.field == "tiers"
    with pytest.raises(InvalidInput):
        matching.refuse_tier_gaps(tiers(("100", "199.99", "20"), ("300", None, "50")))


def test_the_table_and_the_simulation_are_the_clis():
    rows = [["捐款人", "金额"], ["张三", "100"], ["", ""], ["李四", "5"], ["张三", "450"]]
    rule = matching.parse_rule({"kind": "ratio", "ratio": "1:1", "min_donation": "10", "per_donor_cap": "300",
                                "pool": "1000"})
    donations, numbers, has_project = matching.donations_from_table(rows, False, "f.csv", "f.csv")
    assert numbers == [2, 4, 5] and not has_project
    result = matching.simulate(rule, donations, numbers, has_project)
    assert [(d["row"], d["match"], d["reason"]) for d in result["donations"]] == [
        (2, "100.00", None), (4, "0.00", "below_minimum"), (5, "200.00", "donor_cap")]
    assert (result["total_match"], result["pool_remaining"]) == ("300.00", "700.00")


def test_every_bad_row_is_named_and_pasted_lines_count_from_one():
    rows = [["donor", "amount"], ["张三", "abc"], ["", "5"], ["李四", "0"]]
    with pytest.raises(InvalidInput) as e:
        matching.donations_from_table(rows, False, "捐款明细", "the lines", first_row=0)
    assert e.value.message_zh.startswith("捐款明细：第 1 行“amount”列") and "第 2 行“donor”列：捐款人为空" in e.value.message_zh
    assert "row 3, column amount: a donation must be above zero" in e.value.message_en and e.value.field == "row 1.amount"
