"""The total of a printed 记账凭证 in capital numerals (大写金额), as 《支付结算办法》 has them written."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from ledger.domain.capitals import capital_amount


@pytest.mark.parametrize("fen, words", [
    # the examples a committee checks first
    (1234567, "壹万贰仟叁佰肆拾伍元陆角柒分"),
    (10000, "壹佰元整"),
    (100530, "壹仟零伍元叁角"),
    # 整 only after 元
    (100, "壹元整"),
    (1000000, "壹万元整"),
    (150, "壹元伍角"),
    (155, "壹元伍角伍分"),
    # less than a yuan, and nothing at all
    (0, "零元整"),
    (1, "壹分"),
    (30, "叁角"),
    (35, "叁角伍分"),
    (5, "伍分"),
    # a zero 角 between 元 and 分 is said; a yuan part ending in zero before 角 is not
    (105, "壹元零伍分"),
    (1005, "壹拾元零伍分"),
    (1050, "壹拾元伍角"),
    (168032, "壹仟陆佰捌拾元叁角贰分"),
    (10000003, "壹拾万元零叁分"),
    # ten to nineteen with 壹拾
    (1000, "壹拾元整"),
    (1600, "壹拾陆元整"),
    (11000, "壹佰壹拾元整"),
    # zeros inside a group: one 零 however many
    (10100, "壹佰零壹元整"),
    (100100, "壹仟零壹元整"),
    (105000, "壹仟零伍拾元整"),
    (150000, "壹仟伍佰元整"),
    # zeros across the 万 group
    (1000500, "壹万零伍元整"),
    (1001000, "壹万零壹拾元整"),
    (1010000, "壹万零壹佰元整"),
    (1100000, "壹万壹仟元整"),
    (10000500, "壹拾万零伍元整"),
    (100050000, "壹佰万零伍佰元整"),
    (150030000, "壹佰伍拾万零叁佰元整"),
    (150300000, "壹佰伍拾万叁仟元整"),
    (200000000, "贰佰万元整"),
    (1000000000, "壹仟万元整"),
    # 亿, and zeros across it
    (10000000000, "壹亿元整"),
    (10000000100, "壹亿零壹元整"),
    (10100000000, "壹亿零壹佰万元整"),
    (11000000000, "壹亿壹仟万元整"),
    (100001000000, "壹拾亿零壹万元整"),
    (120000050000, "壹拾贰亿零伍佰元整"),
    (1234567890123, "壹佰贰拾叁亿肆仟伍佰陆拾柒万捌仟玖佰零壹元贰角叁分"),
    (100000000000000, "壹万亿元整"),
    (100000000000001, "壹万亿元零壹分"),
    (100010000000000, "壹万零壹亿元整"),
    # negative: a red-ink reversal's total
    (-1234567, "负壹万贰仟叁佰肆拾伍元陆角柒分"),
    (-30, "负叁角"),
])
def test_capital_amounts(fen, words):
    assert capital_amount(fen) == words


@pytest.mark.parametrize("bad", [1.5, "100", True, None])
def test_only_integer_fen(bad):
    with pytest.raises(TypeError):
        capital_amount(bad)


DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}


def _section(text: str) -> int:
    """壹仟零伍 -> 1005 (a group below ten thousand)."""
    total, digit = 0, 0
    for ch in text:
        if ch in DIGIT:
            digit = DIGIT[ch]
        else:
            total += digit * {"拾": 10, "佰": 100, "仟": 1000}[ch]
            digit = 0
    return total + digit


def _whole(text: str) -> int:
    """The yuan part read back, 亿 and 万 groups included (亿 may repeat: 壹万亿)."""
    if "亿" in text:
        high, low = text.rsplit("亿", 1)
        return _whole(high) * 10**8 + _whole(low)
    if "万" in text:
        high, low = text.split("万", 1)
        return _section(high.lstrip("零")) * 10**4 + _section(low.lstrip("零"))
    return _section(text.lstrip("零"))


def _read_back(words: str) -> int:
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负")
    m = re.fullmatch(r"(?:(.+)元)?(?:零)?(?:(.)角)?(?:(.)分)?(整)?", words)
    assert m, words
    yuan = 0 if m.group(1) in (None, "零") else _whole(m.group(1))
    return sign * (yuan * 100 + DIGIT.get(m.group(2) or "零") * 10 + DIGIT.get(m.group(3) or "零"))


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_every_amount_reads_back_to_the_fen_and_keeps_the_zero_rules(fen):
    words = capital_amount(fen)
    assert _read_back(words) == fen
    assert "零零" not in words  # a run of zeros is one 零
    assert fen == 0 or not re.search(r"零[元万亿整角]", words)  # never a zero before a unit or the end
    assert not re.search(r"(?<![壹贰叁肆伍陆柒捌玖])拾", words)  # 壹拾, never a bare 拾
    assert words.endswith("整") == (fen % 100 == 0)
    assert set(words) <= set("负零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
