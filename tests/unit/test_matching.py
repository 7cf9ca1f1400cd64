"""Matching rules against examples computed by hand, and the properties no rule may break: no cap and no pool ever
exceeded, a quadratic round's shares summing to its pool to the fen, and an independent computation of the round
(Decimal square roots of each pair, water-filling for the caps) agreeing with the one the ledger uses."""
from __future__ import annotations

import json
import math
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from ledger.domain.errors import InvalidInput
from ledger.domain.matching import (
    Donation, MatchState, apply_donation, apply_in_order, claw_back, contributions_of, estimated_donation_shares,
    explain, parse_rule, quadratic_for_rule, quadratic_round, raw_match, share_cap_fen, tier_gaps,
)


def fen(yuan: str) -> int:
    return int(Decimal(yuan) * 100)


def gifts(*rows) -> list[Donation]:
    """("A", "100") or ("A", "100", "P2") -> a Donation in fen."""
    return [Donation(r[0], fen(r[1]), r[2] if len(r) > 2 else "") for r in rows]


def run(rule: dict, *rows):
    matches, state = apply_in_order(parse_rule(rule), gifts(*rows))
    return [format(Decimal(m.match_fen) / 100, ".2f") for m in matches], [m.reason for m in matches], state


# ------------------------------------------------------------------------------------------------ ratio


RATIO_CASES = [
    # (what, rule, donations, matches, reasons)
    ("1:1 matches yuan for yuan", {"kind": "ratio", "ratio": "1:1"},
     [("A", "100"), ("B", "50.50")], ["100.00", "50.50"], [None, None]),
    ("1:0.5 floors at the fen", {"kind": "ratio", "ratio": "1:0.5"},
     [("A", "0.03"), ("B", "100.01"), ("C", "0.01")], ["0.01", "50.00", "0.00"], [None, None, None]),
    ("2:1 is 1:0.5", {"kind": "ratio", "ratio": "2:1"}, [("A", "100.01")], ["50.00"], [None]),
    ("3:1 is a third, floored", {"kind": "ratio", "ratio": "3:1"}, [("A", "100")], ["33.33"], [None]),
    ("full-width ratio", {"kind": "ratio", "ratio": "１：２"}, [("A", "10")], ["20.00"], [None]),
    ("the donor's cap is hit in the middle of a donation",
     {"kind": "ratio", "ratio": "1:1", "per_donor_cap": "500"},
     [("A", "300"), ("A", "300"), ("A", "100"), ("B", "100")],
     ["300.00", "200.00", "0.00", "100.00"], [None, "donor_cap", "donor_cap", None]),
    ("the donor's cap is per project",
     {"kind": "ratio", "ratio": "1:1", "per_donor_cap": "100"},
     [("A", "150", "P1"), ("A", "150", "P2")], ["100.00", "100.00"], ["donor_cap", "donor_cap"]),
    ("the project's cap is hit in the middle of a donation",
     {"kind": "ratio", "ratio": "1:1", "per_project_cap": "250"},
     [("A", "100"), ("B", "100"), ("C", "100"), ("D", "100"), ("E", "100", "P2")],
     ["100.00", "100.00", "50.00", "0.00", "100.00"], [None, None, "project_cap", "project_cap", None]),
    ("the pool runs out in the middle of a donation, across projects",
     {"kind": "ratio", "ratio": "1:1", "pool": "150"},
     [("A", "100", "P1"), ("B", "100", "P2"), ("C", "100", "P1")], ["100.00", "50.00", "0.00"], [None, "pool", "pool"]),
    ("limited in turn: donor's cap, then the project's, then the pool",
     {"kind": "ratio", "ratio": "1:1", "per_donor_cap": "80", "per_project_cap": "70", "pool": "60"},
     [("A", "100")], ["60.00"], ["donor_cap"]),
    ("below the minimum: no match, and nothing used up",
     {"kind": "ratio", "ratio": "1:1", "min_donation": "10", "pool": "100", "once_per_donor": True},
     [("A", "9.99"), ("A", "100"), ("B", "10")], ["0.00", "100.00", "0.00"], ["below_minimum", None, "pool"]),
    ("exactly the minimum is matched", {"kind": "ratio", "ratio": "1:1", "min_donation": "10"},
     [("A", "10.00")], ["10.00"], [None]),
    ("each donor matched once per project",
     {"kind": "ratio", "ratio": "1:1", "once_per_donor": True},
     [("A", "100"), ("A", "200"), ("B", "50"), ("A", "30", "P2")],
     ["100.00", "0.00", "50.00", "30.00"], [None, "already_matched", None, None]),
    ("once per donor: the pool runs dry",
     {"kind": "ratio", "ratio": "1:1", "once_per_donor": True, "pool": "100"},
     [("A", "100"), ("B", "100")], ["100.00", "0.00"], [None, "pool"]),
]


@pytest.mark.parametrize("what, rule, rows, matches, reasons", RATIO_CASES, ids=[c[0] for c in RATIO_CASES])
def test_ratio_rules_match_hand_computed_figures(what, rule, rows, matches, reasons):
    got, why, _ = run(rule, *rows)
    assert got == matches
    assert why == reasons


def test_limits_apply_in_turn_and_each_cut_is_recorded():
    rule = parse_rule({"kind": "ratio", "ratio": "1:1", "per_donor_cap": "80", "per_project_cap": "70", "pool": "60"})
    (m,), state = apply_in_order(rule, gifts(("A", "100")))
    assert (m.raw_fen, m.match_fen, m.limited_by) == (10000, 6000, ("donor_cap", "project_cap", "pool"))
    assert state.pool_remaining_fen == 0 and state.donor_used == {("", "A"): 6000} and state.project_used == {"": 6000}


# ------------------------------------------------------------------------------------------------ tiers

TIERS = {"kind": "tiers", "tiers": [{"min": "500", "max": "749", "percent": "30"},  # listed out of order on purpose
                                    {"min": "100", "max": "499", "percent": "20"}]}


@pytest.mark.parametrize("amount, match, reason", [
    ("99.99", "0.00", "no_tier"),
    ("100.00", "20.00", None),  # the lower edge is in
    ("100.03", "20.00", None),  # 2000.6 fen, floored
    ("499.00", "99.80", None),  # the upper edge is in
    ("499.01", "0.00", "no_tier"),  # between 499 and 500: in no tier, as written
    ("499.99", "0.00", "no_tier"),
    ("500.00", "150.00", None),
    ("749.00", "224.70", None),
    ("749.01", "0.00", "no_tier"),
    ("10000", "0.00", "no_tier"),
])
def test_tiers_at_their_exact_edges(amount, match, reason):
    got, why, _ = run(TIERS, ("A", amount))
    assert (got, why) == ([match], [reason])


def test_an_open_last_tier_and_a_ratio_tier():
    rule = {"kind": "tiers", "tiers": [{"min": "100", "max": "499.99", "percent": "20"},
                                       {"min": "500", "ratio": "1:0.5"}]}
    assert run(rule, ("A", "499.99"), ("B", "500"), ("C", "100000"))[0] == ["99.99", "250.00", "50000.00"]
    assert tier_gaps(parse_rule(rule)) == [(1, 9999)]


def test_tiers_once_per_donor_and_caps():
    rule = {**TIERS, "once_per_donor": True, "per_project_cap": "160"}
    got, why, state = run(rule, ("A", "50"), ("A", "100"), ("A", "500"), ("B", "500"), ("C", "100"))
    assert got == ["0.00", "20.00", "0.00", "140.00", "0.00"]
    assert why == ["no_tier", None, "already_matched", "project_cap", "project_cap"]
    assert state.matched == {("", "A"), ("", "B")}


# ---------------------------------------------------------------------------------------------- parsing

BAD_RULES = [
    ({"kind": "percentage"}, "kind"),
    ({"kind": "ratio"}, "ratio"),
    ({"kind": "ratio", "ratio": "1/1"}, "ratio"),
    ({"kind": "ratio", "ratio": "1:0"}, "ratio"),
    ({"kind": "ratio", "ratio": "1:1000"}, "ratio"),
    ({"kind": "ratio", "ratio": 1.0}, "ratio"),
    ({"kind": "ratio", "ratio": "1:1", "min_donation": "abc"}, "min_donation"),
    ({"kind": "ratio", "ratio": "1:1", "per_donor_cap": "-5"}, "per_donor_cap"),
    ({"kind": "ratio", "ratio": "1:1", "per_donor_cap": "1.234"}, "per_donor_cap"),
    ({"kind": "ratio", "ratio": "1:1", "pool": 100.5}, "pool"),
    ({"kind": "ratio", "ratio": "1:1", "per_donner_cap": "5"}, "per_donner_cap"),  # a typo is no silent "no cap"
    ({"kind": "ratio", "ratio": "1:1", "cap_share": "0.5"}, "cap_share"),
    ({"kind": "ratio", "ratio": "1:1", "once_per_donor": "yes"}, "once_per_donor"),
    ({"kind": "ratio", "ratio": "1:1", "version": 0}, "version"),
    ({"kind": "tiers"}, "tiers"),
    ({"kind": "tiers", "tiers": [{"max": "5", "percent": "1"}]}, "tiers[0].min"),
    ({"kind": "tiers", "tiers": [{"min": "500", "max": "100", "percent": "20"}]}, "tiers[0].max"),
    ({"kind": "tiers", "tiers": [{"min": "100", "percent": "20", "ratio": "1:1"}]}, "tiers[0]"),
    ({"kind": "tiers", "tiers": [{"min": "100", "percent": "0"}]}, "tiers[0].percent"),
    ({"kind": "tiers", "tiers": [{"min": "100", "percent": "20", "rate": "1"}]}, "tiers[0].rate"),
    ({"kind": "tiers", "tiers": [{"min": "100", "max": "500", "percent": "20"},
                                 {"min": "500", "percent": "30"}]}, "tiers[1]"),  # 500 in both: inclusive ends
    ({"kind": "tiers", "tiers": [{"min": "100", "percent": "20"}, {"min": "500", "percent": "30"}]}, "tiers[1]"),
    ({"kind": "quadratic", "cap_share": "0.5"}, "pool"),
    ({"kind": "quadratic", "pool": "100", "cap_share": "1.5"}, "cap_share"),
    ({"kind": "quadratic", "pool": "100", "per_donor_cap": "5"}, "per_donor_cap"),
]


@pytest.mark.parametrize("data, field", BAD_RULES, ids=[f for _, f in BAD_RULES])
def test_a_bad_rule_is_refused_naming_its_field_in_both_languages(data, field):
    with pytest.raises(InvalidInput) as e:
        parse_rule(data)
    assert e.value.field == field
    assert field.split(".")[-1].split("[")[0] in e.value.message_zh + e.value.message_en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in e.value.message_zh) and e.value.message_en != e.value.message_zh


@pytest.mark.parametrize("data", [
    {"kind": "ratio", "ratio": "1:0.5", "min_donation": "10", "per_donor_cap": "500", "per_project_cap": "5000",
     "pool": "100000.00", "once_per_donor": True, "version": 3, "name": "街道 1:0.5 配捐"},
    {"kind": "ratio", "ratio": "3:1"},
    {"kind": "ratio", "ratio": "549755.813888:1"},  # 1/2^39 × 10^6: an exact decimal of 39 places, written as given
    {"kind": "ratio", "ratio": "１：０.５０"},
    {"kind": "tiers", "tiers": [{"min": "100", "max": "499", "percent": "20"}, {"min": "500", "ratio": "3:1"}]},
    {"kind": "quadratic", "pool": "10000", "cap_share": "0.25", "min_donation": "1"},
])
def test_a_rule_reads_back_what_it_writes(data):
    rule = parse_rule(data)
    assert parse_rule(rule.to_dict()) == rule
    assert parse_rule(json.loads(json.dumps(rule.to_dict()))).to_dict() == rule.to_dict()
    assert parse_rule(rule.to_dict()).digest() == rule.digest()
    assert parse_rule({**data, "version": 9}).digest() != rule.digest()


# ------------------------------------------------------------------------------------ state and claw-back


def test_the_callers_state_is_never_changed_and_rebuilding_gives_the_same_state():
    rule = parse_rule({"kind": "ratio", "ratio": "1:1", "per_donor_cap": "500", "pool": "1000", "once_per_donor": True})
    fresh = MatchState.start(rule)
    matches, after = apply_in_order(rule, gifts(("A", "300"), ("B", "900"), ("C", "5", "P2")), fresh)
    assert fresh == MatchState(100000)
    assert [m.match_fen for m in matches] == [30000, 50000, 500]
    rebuilt = MatchState.rebuild(after.pool_remaining_fen, [(m.project, m.donor, m.match_fen) for m in matches])
    assert rebuilt == after
    # the next donation applied to the rebuilt state is matched as if the file went on
    nxt, _ = apply_donation(rule, Donation("D", 50000), rebuilt)
    assert (nxt.match_fen, nxt.reason) == (100000 - 80500, "pool")
    assert MatchState.start(rule, pool_remaining_fen=7).pool_remaining_fen == 7


def test_a_full_refund_claws_the_match_back_and_frees_the_caps():
    rule = parse_rule({"kind": "ratio", "ratio": "1:1", "per_donor_cap": "500", "pool": "1000"})
    (first, second), state = apply_in_order(rule, gifts(("A", "300"), ("A", "300")))
    assert (first.match_fen, second.match_fen, state.pool_remaining_fen) == (30000, 20000, 50000)
    back, state = claw_back(rule, first, state)
    assert (back.clawed_back_fen, back.kept_fen) == (30000, 0)
    assert state.pool_remaining_fen == 80000 and state.donor_used[("", "A")] == 20000
    again, state = apply_donation(rule, Donation("A", 40000), state)
    assert again.match_fen == 30000  # the cap left: 500 − 200


@pytest.mark.parametrize("rule, amount, refunded, kept, clawed", [
    ({"kind": "ratio", "ratio": "1:1", "min_donation": "50"}, "100", "30", "70.00", "30.00"),
    ({"kind": "ratio", "ratio": "1:1", "min_donation": "50"}, "100", "60", "0.00", "100.00"),  # left below minimum
    ({"kind": "ratio", "ratio": "1:1", "per_donor_cap": "40"}, "100", "30", "40.00", "0.00"),  # still above the cap
    (TIERS, "500", "1", "99.80", "50.20"),  # 499 falls into the 20% tier
    (TIERS, "500", "0.50", "0.00", "150.00"),  # 499.50 is in no tier
])
def test_a_partial_refund_keeps_what_the_rest_would_earn_never_more(rule, amount, refunded, kept, clawed):
    rule = parse_rule(rule)
    (m,), state = apply_in_order(rule, gifts(("A", amount)))
    back, after = claw_back(rule, m, state, fen(refunded))
    assert (back.kept_fen, back.clawed_back_fen) == (fen(kept), fen(clawed))
    assert after.donor_used.get(("", "A"), 0) == fen(kept)


def test_a_refund_lets_a_once_per_donor_donor_be_matched_again_and_bad_refunds_are_refused():
    rule = parse_rule({"kind": "ratio", "ratio": "1:1", "once_per_donor": True})
    (m,), state = apply_in_order(rule, gifts(("A", "100")))
    _, state = claw_back(rule, m, state)
    assert state.matched == set()
    assert apply_donation(rule, Donation("A", 500), state)[0].match_fen == 500
    for bad in (0, 10001):
        with pytest.raises(InvalidInput) as e:
            claw_back(rule, m, state, bad)
        assert e.value.field == "refunded"


def test_once_per_donor_a_donation_the_pool_could_not_match_does_not_use_up_the_once():
    rule = parse_rule({"kind": "ratio", "ratio": "1:1", "once_per_donor": True, "pool": "100"})
    (a, b), state = apply_in_order(rule, gifts(("A", "100"), ("B", "100")))
    assert (a.match_fen, b.match_fen, b.reason) == (10000, 0, "pool")
    _, state = claw_back(rule, a, state)  # A's donation is refunded: its match goes back to the pool
    again, _ = apply_donation(rule, Donation("B", 10000), state)
    assert (again.match_fen, again.reason) == (10000, None)


def test_a_quadratic_rule_is_not_applied_donation_by_donation():
    with pytest.raises(InvalidInput) as e:
        apply_in_order(parse_rule({"kind": "quadratic", "pool": "100"}), gifts(("A", "1")))
    assert e.value.field == "kind"


# -------------------------------------------------------------------------------------------- quadratic


def independent_raw(contributions: list[int]) -> int:
    """floor(2 Σ_{i<j} √(cᵢcⱼ)) with Decimal at 120 digits, pair by pair (the ledger sums truncated roots instead);
    a value within 10^-60 of an integer is that integer."""
    with localcontext() as ctx:
        ctx.prec = 120
        total = sum((Decimal(a * b).sqrt() for i, a in enumerate(contributions) for b in contributions[i + 1:]),
                    Decimal(0)) * 2
        nearest = total.to_integral_value()
        return int(nearest) if abs(total - nearest) < Decimal("1e-60") else int(total.to_integral_value(rounding="ROUND_FLOOR"))


def independent_round(pool: int, contributions: dict[str, dict[str, int]], cap: int | None) -> dict[str, int]:
    """Water-filling: the capped projects are always those with the largest raw matches; try 0, 1, 2 … of them capped
    until the next one's share fits under the cap. Then largest remainder over Fractions, ties by name."""
    raw = {p: independent_raw(list(d.values())) for p, d in contributions.items()}
    ranked = sorted((p for p in raw if raw[p] > 0), key=lambda p: -raw[p])
    exact = {p: Fraction(0) for p in contributions}
    for k in range(len(ranked) + 1):
        rest = ranked[k:]
        left = pool - k * (cap or 0)
        total = sum(raw[p] for p in rest)
        if not rest:
            for p in ranked:
                exact[p] = Fraction(cap)
            break
        if cap is None or Fraction(left * raw[rest[0]], total) <= cap:
            for p in ranked[:k]:
                exact[p] = Fraction(cap)
            for p in rest:
                exact[p] = Fraction(left * raw[p], total)
            break
    target = sum(exact.values())
    assert target.denominator == 1
    out = {p: int(math.floor(v)) for p, v in exact.items()}
    spare = int(target) - sum(out.values())
    for p in sorted(exact, key=lambda p: (-(exact[p] - math.floor(exact[p])), p))[:spare]:
        out[p] += 1
    return out


@pytest.mark.parametrize("contributions, raw", [
    ([], 0),
    ([40000], 0),  # a single donor gets nothing
    ([10000, 10000], 20000),  # 2√(100·100 yuan²) = 200 yuan
    ([10000] * 4, 120000),  # (4 × 10)² − 400 = 1,200 yuan
    ([10000, 40000], 40000),  # (10 + 20)² − 500 = 400 yuan
    ([2, 8], 8),  # (√2 + √8)² − 10 = 18 − 10: exactly an integer, though every root is irrational
    ([1, 2], 2),  # 2√2 = 2.83
    ([3, 5], 7),  # 2√15 = 7.75
    ([1, 1, 1], 6),
    ([9 * 10**14, 9 * 10**14 - 1], 1799999999999998),  # 2√(c(c−1)) = 2c − 1 − 1/(4c) …, just below 2c − 1
])
def test_raw_match_by_hand(contributions, raw):
    assert raw_match(contributions) == raw
    assert independent_raw(contributions) == raw


def test_a_quadratic_round_with_a_capped_project_by_hand():
    # raw: A 4×100 yuan → 1,200; B 100 + 400 → (10+20)² − 500 = 400; C 2×25 → 100² − 5000 fen = 50; D alone → 0.
    # Pool 10,000 yuan, cap 50% = 5,000: A's share 10,000 × 1200/1650 = 7,272.72 > 5,000, so A gets 5,000 and
    # B and C share the other 5,000 as 400:50: B 4,444.444…, C 555.555…; the spare fen goes to C (.555 > .444).
    round_ = {"A": {"a1": 10000, "a2": 10000, "a3": 10000, "a4": 10000}, "B": {"b1": 10000, "b2": 40000},
              "C": {"c1": 2500, "c2": 2500}, "D": {"d1": 100000}}
    result = quadratic_round(1000000, round_, share_cap_fen(1000000, Fraction(1, 2)))
    assert {p: s.raw_fen for p, s in result.projects.items()} == {"A": 120000, "B": 40000, "C": 5000, "D": 0}
    assert {p: s.match_fen for p, s in result.projects.items()} == {"A": 500000, "B": 444444, "C": 55556, "D": 0}
    assert [p for p, s in result.projects.items() if s.capped] == ["A"]
    assert result.unallocated_fen == 0 and result.allocated_fen == 1000000
    assert independent_round(1000000, round_, 500000) == {"A": 500000, "B": 444444, "C": 55556, "D": 0}


def test_a_cap_whose_excess_pushes_another_project_over_it():
    # raw A 100, B 70, C 30 (two equal donors each: raw = 2c); pool 1,000 yuan, cap 40% = 400 yuan.
    # First pass: A 500 > 400 → capped. Second: the other 600 as 70:30: B 420 > 400 → capped. Then C gets 200.
    round_ = {"A": {"x": 50, "y": 50}, "B": {"x": 35, "y": 35}, "C": {"x": 15, "y": 15}}
    result = quadratic_round(100000, round_, 40000)
    assert {p: (s.raw_fen, s.match_fen, s.capped) for p, s in result.projects.items()} == {
        "A": (100, 40000, True), "B": (70, 40000, True), "C": (30, 20000, False)}
    assert independent_round(100000, round_, 40000) == {"A": 40000, "B": 40000, "C": 20000}


def test_when_every_project_with_a_raw_match_is_capped_the_rest_stays_in_the_pool():
    result = quadratic_round(100001, {"A": {"x": 1, "y": 1}, "B": {"x": 4, "y": 9}, "C": {"z": 7}}, 30000)
    assert {p: s.match_fen for p, s in result.projects.items()} == {"A": 30000, "B": 30000, "C": 0}
    assert result.unallocated_fen == 40001


def test_when_every_raw_match_is_zero_every_project_gets_zero():
    result = quadratic_round(100000, {"A": {"x": 500}, "B": {"y": 700}, "C": {}}, None)
    assert {p: s.match_fen for p, s in result.projects.items()} == {"A": 0, "B": 0, "C": 0}
    assert result.unallocated_fen == 100000


def test_ties_in_the_remainders_go_to_the_project_first_by_name():
    result = quadratic_round(100, {"b": {"x": 1, "y": 1}, "a": {"x": 1, "y": 1}, "c": {"x": 1, "y": 1}})
    assert {p: s.match_fen for p, s in result.projects.items()} == {"a": 34, "b": 33, "c": 33}


def test_a_quadratic_rule_sums_each_donors_gifts_ignores_those_below_the_minimum_and_estimates_each_gift():
    rule = parse_rule({"kind": "quadratic", "pool": "100", "min_donation": "1", "cap_share": "0.8"})
    donations = gifts(("a", "50", "P"), ("a", "50", "P"), ("b", "100", "P"), ("c", "0.99", "P"),
                      ("d", "100", "Q"), ("e", "100", "Q"), ("f", "100", "Q"), ("g", "100", "Q"))
    assert contributions_of(rule, donations) == {"P": {"a": 10000, "b": 10000}, "Q": {k: 10000 for k in "defg"}}
    result = quadratic_for_rule(rule, donations)
    # raw P 200 yuan, Q 1,200; pool 100 yuan shared 1:6, Q capped at 80 yuan → P 20, Q 80
    assert {p: s.match_fen for p, s in result.projects.items()} == {"P": 2000, "Q": 8000}
    shares = estimated_donation_shares(rule, donations, result)
    assert shares == [500, 500, 1000, 0, 2000, 2000, 2000, 2000]


# ----------------------------------------------------------------------------------------------- properties

amounts = st.integers(min_value=1, max_value=2_000_000)
maybe_cap = st.one_of(st.none(), st.integers(min_value=0, max_value=3_000_000))


@st.composite
def in_order_rules(draw):
    if draw(st.booleans()):
        data = {"kind": "ratio", "ratio": draw(st.sampled_from(["1:1", "1:0.5", "2:1", "3:1", "1:3", "1:0.35"]))}
    else:
        edges = sorted(draw(st.lists(st.integers(min_value=1, max_value=1_000_000), min_size=2, max_size=6, unique=True)))
        tiers = [{"min": str(Decimal(lo) / 100), "max": str(Decimal(hi - 1) / 100),
                  "percent": draw(st.sampled_from(["5", "20", "33.33", "100", "150"]))}
                 for lo, hi in zip(edges, edges[1:]) if hi - 1 >= lo]
        if not tiers:
            tiers = [{"min": "0.01", "percent": "10"}]
        data = {"kind": "tiers", "tiers": tiers}
    for key in ("per_donor_cap", "per_project_cap", "pool"):
        cap = draw(maybe_cap)
        if cap is not None:
            data[key] = str(Decimal(cap) / 100)
    data["min_donation"] = str(Decimal(draw(st.integers(min_value=0, max_value=50_000))) / 100)
    data["once_per_donor"] = draw(st.booleans())
    return parse_rule(data)


donation_lists = st.lists(st.builds(Donation, st.sampled_from("ABCDE"), amounts, st.sampled_from(["P1", "P2", "P3"])),
                          max_size=40)


@settings(max_examples=300, deadline=None)
@given(in_order_rules(), donation_lists, st.randoms(use_true_random=False))
def test_no_cap_and_no_pool_is_ever_exceeded_and_claw_backs_restore_the_state(rule, donations, rnd):
    matches, state = apply_in_order(rule, donations)
    total = sum(m.match_fen for m in matches)
    if rule.pool_fen is not None:
        assert total <= rule.pool_fen and state.pool_remaining_fen == rule.pool_fen - total
    per_donor, per_project, positive = {}, {}, {}
    for m in matches:
        rate = rule.rate_for(m.donation.amount_fen)
        assert 0 <= m.match_fen <= (m.donation.amount_fen * rate if rate is not None else 0)
        if m.donation.amount_fen < rule.min_donation_fen:
            assert m.match_fen == 0 and m.reason == "below_minimum"
        per_donor[(m.project, m.donor)] = per_donor.get((m.project, m.donor), 0) + m.match_fen
        per_project[m.project] = per_project.get(m.project, 0) + m.match_fen
        positive[(m.project, m.donor)] = positive.get((m.project, m.donor), 0) + (m.match_fen > 0)
    if rule.per_donor_cap_fen is not None:
        assert all(v <= rule.per_donor_cap_fen for v in per_donor.values())
    if rule.per_project_cap_fen is not None:
        assert all(v <= rule.per_project_cap_fen for v in per_project.values())
    if rule.once_per_donor:
        assert all(v <= 1 for v in positive.values())
    assert MatchState.rebuild(state.pool_remaining_fen,
                              [(m.project, m.donor, m.match_fen) for m in matches]) == state
    order = list(matches)
    rnd.shuffle(order)
    for m in order:
        _, state = claw_back(rule, m, state)
    assert state == MatchState.start(rule)


rounds = st.dictionaries(st.sampled_from(["p1", "p2", "p3", "p4", "p5"]),
                         st.dictionaries(st.sampled_from("abcdefgh"), st.integers(min_value=1, max_value=10**9),
                                         max_size=6),
                         min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), rounds,
       st.one_of(st.none(), st.sampled_from(["0.1", "0.25", "0.3", "0.5", "0.99", "1"])))
def test_quadratic_shares_sum_to_the_pool_and_never_exceed_the_cap(pool, contributions, cap_share):
    cap = None if cap_share is None else share_cap_fen(pool, Fraction(cap_share))
    result = quadratic_round(pool, contributions, cap)
    shares = {p: s.match_fen for p, s in result.projects.items()}
    assert sum(shares.values()) + result.unallocated_fen == pool
    rawed = [p for p, s in result.projects.items() if s.raw_fen > 0]
    if rawed and (cap is None or cap * len(rawed) >= pool):
        assert result.unallocated_fen == 0  # the whole pool, to the fen
    if not rawed:
        assert result.unallocated_fen == pool
    for p, s in result.projects.items():
        assert s.match_fen >= 0 and (cap is None or s.match_fen <= cap)  # the cap is whole fen: rounding never lifts
        if s.raw_fen == 0:
            assert s.match_fen == 0
        if len(contributions[p]) == 1:
            assert s.raw_fen == 0
    assert shares == independent_round(pool, contributions, cap)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=9 * 10**14), max_size=8))
def test_raw_match_agrees_with_decimal_pairs(contributions):
    assert raw_match(contributions) == independent_raw(contributions)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.builds(Donation, st.sampled_from("abcd"), st.integers(min_value=1, max_value=10**7),
                          st.sampled_from(["P", "Q", "R"])), max_size=30),
       st.integers(min_value=0, max_value=10**9))
def test_estimated_shares_add_up_to_each_projects_match(donations, pool):
    rule = parse_rule({"kind": "quadratic", "pool": str(Decimal(pool) / 100), "min_donation": "0.50"})
    result = quadratic_for_rule(rule, donations)
    shares = estimated_donation_shares(rule, donations, result)
    for project, s in result.projects.items():
        assert sum(f for d, f in zip(donations, shares) if d.project == project) == s.match_fen
    assert all(f == 0 for d, f in zip(donations, shares) if d.amount_fen < 50)


# ------------------------------------------------------------------------------------------------ explainer


def test_the_explainer_of_a_ratio_rule_with_caps():
    rule = parse_rule({"kind": "ratio", "ratio": "1:1", "min_donation": "10", "per_donor_cap": "500",
                       "per_project_cap": "5000", "pool": "100000"})
    zh = explain(rule)
    for text in ("按比例配捐 1:1", "你捐 100 元，政府再配 100 元，项目共得 200 元", "单笔捐款不足 10 元的不配捐，也不占用任何配捐额度",
                 "每人在本项目最多配 500 元", "你在本项目已获配 450 元，再捐 100 元，只再配 50 元", "本项目最多共配 5,000 元",
                 "配捐池共 100,000 元", "先看你在本项目还剩多少额度，再看本项目还剩多少，最后看配捐池还剩多少"):
        assert text in zh
    en = explain(rule, "en")
    for text in ("you give 100 yuan, the government adds 100 yuan", "under 10 yuan is not matched",
                 "at most 500 yuan of matching in this project", "at most 5,000 yuan", "100,000 yuan"):
        assert text in en
    assert "街道" in explain(rule, funder="街道")


def test_the_explainer_of_a_half_ratio_a_third_and_a_cap_smaller_than_the_match():
    assert "你捐 100 元，政府再配 50 元" in explain(parse_rule({"kind": "ratio", "ratio": "1:0.5"}))
    third = explain(parse_rule({"kind": "ratio", "ratio": "3:1"}))
    assert "你每捐 3 元，政府再配 1 元" in third and "你捐 100 元，政府再配 33.33 元" in third
    capped = explain(parse_rule({"kind": "ratio", "ratio": "1:1", "per_donor_cap": "50"}))
    assert "你捐 100 元，按比例应配 100 元，但受上限所限，政府只配 50 元" in capped
    assert "按捐款登记的先后顺序配捐，以配捐池的实际余额为限" in capped  # no pool in the rule


def test_the_explainer_of_tiers_names_each_edge_and_every_gap():
    zh = explain(parse_rule({**TIERS, "once_per_donor": True}))
    for text in ("每档两端的金额都含在档内", "捐 100 元至 499 元：配 20%，例如捐 100 元配 20 元",
                 "捐 500 元至 749 元：配 30%，例如捐 500 元配 150 元", "· 不足 100 元：不在任何一档内，不配捐",
                 "捐 499.01 元至 499.99 元：不在任何一档内，不配捐", "捐 749.01 元及以上：不在任何一档内，不配捐",
                 "每位捐款人在本项目只配一次"):
        assert text in zh
    en = explain(parse_rule({**TIERS, "once_per_donor": True}), "en_US")
    assert "give 499.01 to 499.99 yuan: in no tier, not matched" in en and "matched once per project" in en


def test_the_explainer_of_a_quadratic_rule_says_it_is_an_estimate_and_how_it_moves():
    rule = parse_rule({"kind": "quadratic", "pool": "10000", "cap_share": "0.5", "min_donation": "1"})
    zh = explain(rule)
    for text in ("共享配捐池 10,000 元", "(4 × 10)² − 400 = 1,200 元", "1 人独捐 400 元，原始配捐额为 0 元",
                 "每个项目最多获配 5,000 元", "只是估算", "会上升", "会下降", "单笔不足 1 元的捐款不计入"):
        assert text in zh
    en = explain(rule, "en")
    assert "ESTIMATE" in en and "goes up" in en and "down when other projects" in en
