"""Civil Code Art. 278 on exact fractions, at its exact boundaries: exactly 2/3 takes part, exactly 1/2 does not pass
an ordinary matter, exactly 3/4 passes a special one; owners counted once however many units they hold."""
from __future__ import annotations

from fractions import Fraction

import pytest

from ledger.domain.resolutions import UnitShare, decimal_string, percent_string, tally, voters


def _units(*areas):
    """Units 1..n of the given areas, each with an owner of its own (owner id = unit id)."""
    return [UnitShare(i, a, (i,)) for i, a in enumerate(areas, start=1)]


def test_exactly_two_thirds_takes_part_and_just_below_does_not():
    units = _units(100, 100, 100)  # 3 owners, 300
    t = tally(units, {1: "agree", 2: "agree"}, "ordinary")
    assert (t.participation_area, t.participation_owners) == (Fraction(2, 3), Fraction(2, 3))
    assert t.quorum and t.passed
    below = tally(_units(100, 100, 101), {1: "agree", 2: "agree"}, "ordinary")  # 200/301 < 2/3
    assert below.participation_area == Fraction(200, 301) and not below.quorum and not below.passed


def test_exactly_half_fails_an_ordinary_matter_and_a_hair_more_passes():
    units = _units(100, 100, 100, 100)
    half = tally(units, {1: "agree", 2: "agree", 3: "against", 4: "abstain"}, "ordinary")
    assert half.approval_area == Fraction(1, 2) and half.approval_owners == Fraction(1, 2)
    assert half.quorum and not half.approved and not half.passed
    more = tally(_units(101, 100, 100, 100), {1: "agree", 2: "agree", 3: "against", 4: "against"}, "ordinary")
    assert more.approval_area == Fraction(201, 401) > Fraction(1, 2)
    assert more.approval_owners == Fraction(1, 2) and not more.passed  # the area is not enough: both must hold


def test_exactly_three_quarters_passes_a_special_matter():
    units = _units(100, 100, 100, 100)
    t = tally(units, {1: "agree", 2: "agree", 3: "agree", 4: "against"}, "special")
    assert (t.approval_area, t.approval_owners) == (Fraction(3, 4), Fraction(3, 4)) and t.passed
    short = tally(_units(100, 100, 100, 101), {1: "agree", 2: "agree", 3: "agree", 4: "against"}, "special")
    assert short.approval_area == Fraction(300, 401) and not short.passed
    # two thirds agreeing passes an ordinary matter but not a special one
    third = tally(_units(100, 100, 100), {1: "agree", 2: "agree", 3: "against"}, "special")
    assert third.approval_area == Fraction(2, 3) and not third.passed
    assert tally(_units(100, 100, 100), {1: "agree", 2: "agree", 3: "against"}, "ordinary").passed


def test_an_owner_of_several_units_and_the_developer_count_once():
    # owner 10 holds units 1,2,3; the developer (owner 99) holds 4,5,6; owners 11 and 12 one unit each
    units = [UnitShare(1, 100, (10,)), UnitShare(2, 100, (10,)), UnitShare(3, 100, (10,)),
             UnitShare(4, 100, (99,)), UnitShare(5, 100, (99,)), UnitShare(6, 100, (99,)),
             UnitShare(7, 100, (11,)), UnitShare(8, 100, (12,))]
    t = tally(units, {1: "agree", 2: "agree", 3: "agree", 4: "against", 5: "against", 6: "against"}, "ordinary")
    assert t.total_owners == 4 and t.voted_owners == 2 and t.agree_owners == 1
    assert t.participation_area == Fraction(600, 800) and t.participation_owners == Fraction(1, 2)
    assert not t.quorum  # 3/4 of the area but only half the owners


def test_co_owners_are_one_and_an_owner_split_across_units_does_not_agree_by_head():
    # units 1 (co-owned by 1 and 2) and 2 (owner 1 alone) form one voter; unit 3 its own
    units = [UnitShare(1, 100, (1, 2)), UnitShare(2, 50, (1,)), UnitShare(3, 100, (3,))]
    assert sorted(map(sorted, voters(units))) == [[1, 2], [3]]
    split = tally(units, {1: "agree", 2: "against", 3: "agree"}, "ordinary")
    assert split.total_owners == 2 and split.voted_owners == 2 and split.agree_owners == 1
    assert split.agree_area == 200 and split.approval_area == Fraction(200, 250)
    assert split.approval_owners == Fraction(1, 2) and not split.passed
    same = tally(units, {1: "agree", 2: "agree", 3: "against"}, "ordinary")
    assert same.agree_owners == 1 and same.approval_area == Fraction(150, 250)


def test_no_votes_and_unknown_units():
    t = tally(_units(100), {}, "ordinary")
    assert t.approval_area == 0 and not t.passed
    with pytest.raises(ValueError):
        tally(_units(100), {7: "agree"}, "ordinary")


def test_figures_as_text():
    assert decimal_string(Fraction(2, 3)) == "0.666667" and percent_string(Fraction(2, 3)) == "66.67%"
    d = tally(_units(100, 100, 100), {1: "agree", 2: "agree"}, "ordinary").to_dict()
    assert d["participation"]["area"] == {"fraction": "2/3", "decimal": "0.666667", "percent": "66.67%"}
    assert d["approval"]["owners"]["fraction"] == "1" and d["passed"] is True
