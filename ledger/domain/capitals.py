"""Amounts in Chinese capital numerals (大写金额), as written on a 记账凭证, a cheque or a receipt.

`capital_amount(1234567)` → "壹万贰仟叁佰肆拾伍元陆角柒分". The rules are those of the People's Bank
of China's 《支付结算办法》 (附一, 正确填写票据和结算凭证的基本规定), choosing one of each pair of forms
it allows:

- digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟, groups 万 and 亿 (so 10^12 yuan is 壹万亿);
  ten to nineteen are written 壹拾…, never a bare 拾;
- zeros between non-zero digits, however many, are written as one 零 (1005 → 壹仟零伍;
  100005 → 壹拾万零伍); zeros at the end of the yuan are not written (100 → 壹佰元);
  a group whose leading digits are zero after a higher group says 零 once (壹亿零壹佰万);
- 整 follows an amount that ends at 元 (100.00 → 壹佰元整); an amount that ends at 角 or 分
  takes no 整 (1005.30 → 壹仟零伍元叁角; the rule says 整 after 角 "可以不写");
- 角 being zero between 元 and 分 is said 零 (1.05 → 壹元零伍分); a yuan part that ends in zero
  before 角 is not (10.50 → 壹拾元伍角, which the rule allows);
- less than a yuan starts at 角 or 分 (0.30 → 叁角); zero is 零元整; a negative amount is led by 负.
"""
from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")


def _below_ten_thousand(n: int) -> str:
    """1..9999 with 拾佰仟, one 零 for any run of inner zeros, none at the end."""
    out, zero = [], False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(out)  # a zero after a written digit; written only if a digit follows
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + _UNITS[power])
    return "".join(out)


def _yuan(n: int) -> str:
    """A positive whole number of yuan, without 元."""
    if n >= 10**8:
        high, low = divmod(n, 10**8)
        text = _yuan(high) + "亿"
        if low:
            text += ("零" if low < 10**7 else "") + _yuan(low)
        return text
    if n >= 10**4:
        high, low = divmod(n, 10**4)
        text = _below_ten_thousand(high) + "万"
        if low:
            text += ("零" if low < 1000 else "") + _below_ten_thousand(low)
        return text
    return _below_ten_thousand(n)


def capital_amount(fen: int) -> str:
    """An amount of integer fen in capital numerals: 1234567 → 壹万贰仟叁佰肆拾伍元陆角柒分."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("capital_amount takes integer fen")
    if fen < 0:
        return "负" + capital_amount(-fen)
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    if fen == 0:
        return "零元整"
    text = _yuan(yuan) + "元" if yuan else ""
    if not jiao and not cents:
        return text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += "零"  # 壹元零伍分: the missing 角 is said
    if cents:
        text += DIGITS[cents] + "分"
    return text
