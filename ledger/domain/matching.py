"""Matching rules (配捐规则) for crowdfunded micro-projects, in integer fen. No I/O, no database.

A **rule** is a versioned value (`Rule`), read from RULE.json by `parse_rule` and written back by
`Rule.to_dict`, of one of three kinds:

* ``ratio``: a donation's match is ``floor(amount × ratio)`` ("1:1", "1:0.5": the match per yuan given).
* ``tiers``: the same with the rate of the tier the donation falls in. A tier's ``min`` and ``max`` are both
  INCLUSIVE and exact to the fen, as written: ``{"min": "100", "max": "499", "percent": "20"}`` covers
  100.00 up to and including 499.00; 499.01–499.99 lies in no tier unless the next one starts there, and a
  donation in no tier is not matched (the explainer names such gaps). Tiers may not overlap; only the last
  may leave ``max`` out (no upper bound).
* ``quadratic``: a round of several projects sharing one pool (`quadratic_round`).

Ratio and tier rules apply to donations in the order they are recorded (`apply_in_order`). Each match is
limited IN TURN by what remains of the donor's cap in this project, of the project's cap and of the pool;
a donation below ``min_donation`` (or in no tier, or from a donor already matched in this project under
"once per donor") gets no match and uses up nothing. "Once per donor" means a donor's first donation to a
project that earns a positive match is their only matched one there. The state those limits are read from
(`MatchState`) is explicit, so a service can rebuild it from the database (`MatchState.rebuild`) and apply
the next donation; `claw_back` gives a refund's effect on it.

Quadratic rounds are computed in integer arithmetic; see `raw_match` for how (Σ√cᵢ)² − Σcᵢ is floored to
the fen exactly, and `quadratic_round` for the caps and the rounding.
"""
from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction

from .errors import InvalidInput, LedgerError
from .money import MAX_ABS_FEN, fen_to_str, format_fen, to_fen

KINDS = ("ratio", "tiers", "quadratic")
MAX_RATE = Fraction(100)  # a match of more than 100 yuan per yuan given is a typo, not a rule

# Why a donation's match is what it is: the first reason it is less than the rate gives (bilingual).
REASONS = {
    "below_minimum": ("低于最低捐款额，不配捐", "below the minimum donation: not matched"),
    "no_tier": ("不在任何一档内，不配捐", "in no tier: not matched"),
    "already_matched": ("本项目已为该捐款人配过一次", "this donor was already matched once in this project"),
    "donor_cap": ("已到每人在本项目的配捐上限", "reached the donor's cap in this project"),
    "project_cap": ("已到本项目的配捐上限", "reached the project's cap"),
    "pool": ("配捐池余额不足", "the matching pool ran out"),
}


# ---------------------------------------------------------------------------------------------- the rule


@dataclass(frozen=True)
class Tier:
    """Donations from ``min_fen`` to ``max_fen`` (both inclusive; None: no upper bound) are matched at ``rate``
    (match per fen given, exact)."""

    min_fen: int
    max_fen: int | None
    rate: Fraction
    ratio_written: str | None = None  # "given:matched" as the rule wrote it, for a tier given by a ratio

    def covers(self, amount_fen: int) -> bool:
        return amount_fen >= self.min_fen and (self.max_fen is None or amount_fen <= self.max_fen)


@dataclass(frozen=True)
class Rule:
    kind: str
    version: int = 1
    ratio: Fraction | None = None  # ratio rules: match per fen given
    tiers: tuple[Tier, ...] = ()
    once_per_donor: bool = False
    min_donation_fen: int = 0
    per_donor_cap_fen: int | None = None  # per donor per project; None: no cap
    per_project_cap_fen: int | None = None
    pool_fen: int | None = None  # None: the pool's real balance, which the service supplies
    cap_share: Fraction | None = None  # quadratic: a project's cap as a share of the pool
    name: str = ""
    ratio_written: str | None = None  # "given:matched" as the rule wrote it (canonical decimals), e.g. "2:1"

    def rate_for(self, amount_fen: int) -> Fraction | None:
        """The rate a donation of this size is matched at, or None (in no tier)."""
        if self.kind == "ratio":
            return self.ratio
        for tier in self.tiers:
            if tier.covers(amount_fen):
                return tier.rate
        return None

    def project_cap_fen(self) -> int | None:
        """Quadratic: the most one project can get, in whole fen (floor of cap_share × pool, and per_project_cap)."""
        caps = []
        if self.cap_share is not None and self.pool_fen is not None:
            caps.append(share_cap_fen(self.pool_fen, self.cap_share))
        if self.per_project_cap_fen is not None:
            caps.append(self.per_project_cap_fen)
        return min(caps) if caps else None

    def to_dict(self) -> dict:
        """The rule as RULE.json has it (amounts as decimal strings); `parse_rule` reads it back to an equal Rule."""
        d: dict = {"kind": self.kind, "version": self.version}
        if self.name:
            d["name"] = self.name
        if self.kind == "ratio":
            d["ratio"] = self.ratio_written or ratio_text(self.ratio)
        if self.kind == "tiers":
            d["tiers"] = [{"min": fen_to_str(t.min_fen), **({"max": fen_to_str(t.max_fen)} if t.max_fen is not None else {}),
                           **({"ratio": t.ratio_written} if t.ratio_written
                              else {"percent": _decimal_text(t.rate * 100)})} for t in self.tiers]
        if self.once_per_donor:
            d["once_per_donor"] = True
        if self.min_donation_fen:
            d["min_donation"] = fen_to_str(self.min_donation_fen)
        for key, fen in (("per_donor_cap", self.per_donor_cap_fen), ("per_project_cap", self.per_project_cap_fen),
                         ("pool", self.pool_fen)):
            if fen is not None:
                d[key] = fen_to_str(fen)
        if self.cap_share is not None:
            d["cap_share"] = _decimal_text(self.cap_share)
        return d

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: what a project pins so its rule is never changed under it."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False,
                                         separators=(",", ":")).encode()).hexdigest()


def _terminates(value: Fraction) -> bool:
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _decimal_text(value: Fraction) -> str:
    """An exact decimal of a fraction that has one: Fraction(1, 5) -> "0.2"."""
    assert _terminates(value), value
    with localcontext() as ctx:
        ctx.prec = 200  # exact: a terminating fraction of 6-decimal inputs has well under 200 digits
        d = Decimal(value.numerator) / Decimal(value.denominator)
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def ratio_parts(rate: Fraction) -> tuple[str, str]:
    """(given, matched) as written: 1/2 -> ("1", "0.5"); 1/3, which has no exact decimal, -> ("3", "1")."""
    if _terminates(rate):
        return "1", _decimal_text(rate)
    return str(rate.denominator), str(rate.numerator)


def ratio_text(rate: Fraction) -> str:
    """Fraction(1, 2) -> "1:0.5", Fraction(1, 3) -> "3:1"."""
    return ":".join(ratio_parts(rate))


def share_cap_fen(pool_fen: int, cap_share: Fraction) -> int:
    """A cap given as a share of the pool, in whole fen (floored, so rounding can never lift a share above it)."""
    return pool_fen * cap_share.numerator // cap_share.denominator


# --------------------------------------------------------------------------------------------- parsing

_FIELDS = {
    "ratio": {"kind", "version", "name", "ratio", "once_per_donor", "min_donation", "per_donor_cap",
              "per_project_cap", "pool"},
    "tiers": {"kind", "version", "name", "tiers", "once_per_donor", "min_donation", "per_donor_cap",
              "per_project_cap", "pool"},
    "quadratic": {"kind", "version", "name", "min_donation", "per_project_cap", "pool", "cap_share"},
}


def _decimal(value, field: str, what_zh: str, what_en: str) -> Decimal:
    """A JSON number or a string as an exact Decimal (a float is refused: it has already lost digits)."""
    if isinstance(value, bool) or isinstance(value, float) or not isinstance(value, (str, int, Decimal)):
        raise InvalidInput(f"{what_zh}应写成字符串，如 \"0.5\"（收到 {value!r}）",
                           f"{what_en} must be written as a string such as \"0.5\" (got {value!r})", field)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{what_zh}“{value}”不是数字", f"{what_en} \"{value}\" is not a number", field) from None
    if not d.is_finite() or d.as_tuple().exponent < -6 or abs(d) > 10**6:
        raise InvalidInput(f"{what_zh}“{value}”无效（有限小数，最多 6 位小数）",
                           f"{what_en} \"{value}\" is not valid (a plain decimal, at most 6 decimals)", field)
    return d


def parse_ratio(value, field: str = "ratio") -> Fraction:
    """The match per yuan given, exact: "given:matched", so "1:1" -> 1, "1:0.5" and "2:1" -> 1/2, "3:1" -> 1/3.
    Full-width "１：０.５" is read too."""
    return _read_ratio(value, field)[0]


def _plain(d: Decimal) -> str:
    """Decimal("1.50") -> "1.5", Decimal("100") -> "100": the canonical way a ratio's sides are written back."""
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _read_ratio(value, field: str) -> tuple[Fraction, str]:
    """The rate and the ratio as written, canonically ("1:0.50" -> "1:0.5")."""
    text = unicodedata.normalize("NFKC", str(value)).strip() if isinstance(value, str) else None
    if text is None or text.count(":") != 1:
        raise InvalidInput(f"配比“{value}”应写成“捐:配”，如 \"1:1\" 或 \"1:0.5\"",
                           f"ratio \"{value}\" must be written as \"given:matched\", e.g. \"1:1\" or \"1:0.5\"", field)
    given, matched = (_decimal(part, field, "配比", "ratio") for part in text.split(":"))
    if given <= 0 or matched <= 0:
        raise InvalidInput(f"配比“{value}”的两边都须大于零", f"both sides of ratio \"{value}\" must be above zero", field)
    rate = Fraction(matched) / Fraction(given)
    if rate > MAX_RATE:
        raise InvalidInput(f"配比“{value}”过大（每捐 1 元最多配 100 元）",
                           f"ratio \"{value}\" is too large (at most 100 matched per 1 given)", field)
    return rate, f"{_plain(given)}:{_plain(matched)}"


def _percent(value, field: str) -> Fraction:
    p = _decimal(value.rstrip("%") if isinstance(value, str) else value, field, "百分比", "percentage")
    if p <= 0 or p > 10000:
        raise InvalidInput(f"百分比“{value}”须大于 0、不超过 10000", f"percentage \"{value}\" must be above 0 and "
                           "at most 10000", field)
    return Fraction(p) / 100


def parse_fen(value, field: str, *, positive: bool = False) -> int:
    """An amount of a rule or round file in fen; the refusal names `field`."""
    if isinstance(value, float):
        raise InvalidInput(f"{field}：金额应写成字符串，如 \"100.00\"", f"{field}: write the amount as a string such "
                           "as \"100.00\"", field)
    try:
        fen = to_fen(value, field)
    except LedgerError as e:
        raise InvalidInput(f"{field}：{e.message_zh}", f"{field}: {e.message_en}", field) from None
    if fen < 0 or (positive and fen == 0):
        raise InvalidInput(f"{field}：金额须{'大于零' if positive else '不小于零'}（收到 {value}）",
                           f"{field}: the amount must be {'above' if positive else 'at least'} zero (got {value})", field)
    return fen


def parse_rule(data) -> Rule:
    """A Rule from RULE.json's object. Every refusal names its field (``tiers[1].max``) in Chinese and English.

    Fields: ``kind`` (ratio|tiers|quadratic), ``version`` (a positive integer, default 1), ``name``; for ratio
    ``ratio`` ("1:1"); for tiers ``tiers``: ``[{"min": "100", "max": "499", "percent": "20"}, …]`` (``ratio``
    instead of ``percent`` is read too); ``once_per_donor`` (true|false), ``min_donation``, ``per_donor_cap``,
    ``per_project_cap``, ``pool`` (decimal strings; a cap or pool left out is no limit here); for quadratic
    ``pool`` (required), ``cap_share`` ("0.5") and/or ``per_project_cap``, ``min_donation``. Unknown fields are
    refused, so a misspelt cap is never silently no cap."""
    if not isinstance(data, Mapping):
        raise InvalidInput("规则应是一个 JSON 对象", "the rule must be a JSON object", "rule")
    kind = data.get("kind")
    if kind not in KINDS:
        raise InvalidInput(f"kind：规则类型“{kind}”无效，应为 ratio、tiers 或 quadratic",
                           f"kind: rule kind \"{kind}\" is not valid; use ratio, tiers or quadratic", "kind")
    unknown = sorted(set(data) - _FIELDS[kind])
    if unknown:
        name = unknown[0]
        raise InvalidInput(f"{name}：{kind} 规则没有此字段（可用：{'、'.join(sorted(_FIELDS[kind]))}）",
                           f"{name}: a {kind} rule has no such field (fields: {', '.join(sorted(_FIELDS[kind]))})", name)
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidInput(f"version：版本号应为正整数（收到 {version!r}）",
                           f"version: the version must be a positive integer (got {version!r})", "version")
    name = data.get("name", "")
    if not isinstance(name, str) or len(name) > 200:
        raise InvalidInput("name：名称应为不超过 200 字的文字", "name: the name must be text of at most 200 characters",
                           "name")
    once = data.get("once_per_donor", False)
    if not isinstance(once, bool):
        raise InvalidInput(f"once_per_donor：应为 true 或 false（收到 {once!r}）",
                           f"once_per_donor: must be true or false (got {once!r})", "once_per_donor")

    def amount(key: str, *, positive: bool = False) -> int | None:
        return None if data.get(key) is None else parse_fen(data[key], key, positive=positive)

    rule = Rule(kind=kind, version=version, name=name, once_per_donor=once,
                min_donation_fen=amount("min_donation") or 0, per_donor_cap_fen=amount("per_donor_cap"),
                per_project_cap_fen=amount("per_project_cap"), pool_fen=amount("pool"))
    if kind == "ratio":
        if "ratio" not in data:
            raise InvalidInput("ratio：按比例配捐须给出配比，如 \"1:1\"", "ratio: a ratio rule needs a ratio such as \"1:1\"",
                               "ratio")
        rate, written = _read_ratio(data["ratio"], "ratio")
        return replace(rule, ratio=rate, ratio_written=written)
    if kind == "tiers":
        return replace(rule, tiers=_parse_tiers(data.get("tiers")))
    if rule.pool_fen is None:
        raise InvalidInput("pool：二次方配捐须给出配捐池金额", "pool: a quadratic rule needs the pool's amount", "pool")
    cap_share = None
    if data.get("cap_share") is not None:
        share = _decimal(data["cap_share"], "cap_share", "上限比例", "cap share")
        if share <= 0 or share > 1:
            raise InvalidInput(f"cap_share：上限比例“{data['cap_share']}”须大于 0、不超过 1",
                               f"cap_share: \"{data['cap_share']}\" must be above 0 and at most 1", "cap_share")
        cap_share = Fraction(share)
    return replace(rule, cap_share=cap_share)


def _parse_tiers(raw) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("tiers：分档配捐须给出至少一档，如 [{\"min\": \"100\", \"max\": \"499\", \"percent\": \"20\"}]",
                           "tiers: a tiers rule needs at least one tier, e.g. [{\"min\": \"100\", \"max\": \"499\", "
                           "\"percent\": \"20\"}]", "tiers")
    tiers = []
    for i, t in enumerate(raw):
        where = f"tiers[{i}]"
        if not isinstance(t, Mapping):
            raise InvalidInput(f"{where}：每一档应是一个对象", f"{where}: each tier must be an object", where)
        extra = sorted(set(t) - {"min", "max", "percent", "ratio"})
        if extra:
            raise InvalidInput(f"{where}.{extra[0]}：档位没有此字段（可用：min、max、percent 或 ratio）",
                               f"{where}.{extra[0]}: a tier has no such field (min, max, percent or ratio)",
                               f"{where}.{extra[0]}")
        if "min" not in t:
            raise InvalidInput(f"{where}.min：每一档须给出起点金额", f"{where}.min: each tier needs its lowest amount",
                               f"{where}.min")
        low = parse_fen(t["min"], f"{where}.min", positive=True)
        high = None if t.get("max") is None else parse_fen(t["max"], f"{where}.max", positive=True)
        if high is not None and high < low:
            raise InvalidInput(f"{where}.max：上限 {t['max']} 低于起点 {t['min']}",
                               f"{where}.max: the upper bound {t['max']} is below the lowest amount {t['min']}",
                               f"{where}.max")
        if ("percent" in t) == ("ratio" in t):
            raise InvalidInput(f"{where}：每一档须给出 percent 或 ratio 之一", f"{where}: give one of percent or ratio",
                               where)
        if "percent" in t:
            tier = Tier(low, high, _percent(t["percent"], f"{where}.percent"))
        else:
            tier = Tier(low, high, *_read_ratio(t["ratio"], f"{where}.ratio"))
        tiers.append((low, i, tier))
    tiers.sort(key=lambda x: x[0])
    for (_, i, before), (_, j, after) in zip(tiers, tiers[1:]):
        if before.max_fen is None or before.max_fen >= after.min_fen:
            raise InvalidInput(f"tiers[{j}]：与 tiers[{i}] 重叠（两端都含在档内）",
                               f"tiers[{j}]: overlaps tiers[{i}] (both ends are inside a tier)", f"tiers[{j}]")
    return tuple(t for _, _, t in tiers)


def tier_gaps(rule: Rule) -> list[tuple[int, int | None]]:
    """The amounts (inclusive fen ranges) at or above the minimum that no tier covers: donations there are not matched."""
    gaps, start = [], max(rule.min_donation_fen, 1)
    for tier in rule.tiers:
        if tier.min_fen > start:
            gaps.append((start, tier.min_fen - 1))
        if tier.max_fen is None:
            return gaps
        start = max(start, tier.max_fen + 1)
    gaps.append((start, None))
    return gaps


# ----------------------------------------------------------------------------- applying in order (ratio, tiers)


@dataclass(frozen=True)
class Donation:
    donor: str  # who, as the service keys them (a phone's keyed hash, say): the caps are per this key
    amount_fen: int
    project: str = ""


@dataclass(frozen=True)
class Match:
    donation: Donation
    raw_fen: int  # floor(amount × rate), before any cap (0 when not matched at all)
    match_fen: int
    reason: str | None = None  # the first reason it is below raw (or zero): a key of REASONS
    limited_by: tuple[str, ...] = ()  # every cap that cut it, in the order applied

    @property
    def donor(self) -> str:
        return self.donation.donor

    @property
    def project(self) -> str:
        return self.donation.project


@dataclass
class MatchState:
    """What the next donation's match is limited by, for one pool (all its projects).

    ``pool_remaining_fen`` None means no pool limit. ``donor_used`` and ``project_used`` are the live (not voided,
    not clawed back) matches so far, keyed by (project, donor) and by project; ``matched`` the (project, donor)
    pairs that have a positive live match (for "once per donor")."""

    pool_remaining_fen: int | None = None
    donor_used: dict[tuple[str, str], int] = field(default_factory=dict)
    project_used: dict[str, int] = field(default_factory=dict)
    matched: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def start(cls, rule: Rule, pool_remaining_fen: int | None = None) -> "MatchState":
        """A fresh state: the pool given (e.g. the pool's real balance less its commitments), else the rule's."""
        return cls(pool_remaining_fen if pool_remaining_fen is not None else rule.pool_fen)

    @classmethod
    def rebuild(cls, pool_remaining_fen: int | None, live_matches: Iterable[tuple[str, str, int]]) -> "MatchState":
        """The state a service reads back from the database: the pool's remaining balance and every live match as
        (project, donor, match_fen)."""
        state = cls(pool_remaining_fen)
        for project, donor, fen in live_matches:
            if not fen:
                continue  # a zero match used up nothing, as when it was applied
            state.donor_used[(project, donor)] = state.donor_used.get((project, donor), 0) + fen
            state.project_used[project] = state.project_used.get(project, 0) + fen
            state.matched.add((project, donor))
        return state

    def copy(self) -> "MatchState":
        return MatchState(self.pool_remaining_fen, dict(self.donor_used), dict(self.project_used), set(self.matched))


def _require_in_order(rule: Rule) -> None:
    if rule.kind == "quadratic":
        raise InvalidInput("二次方配捐按轮计算，不能逐笔配捐", "a quadratic rule is computed per round, not per donation",
                           "kind")


def _check_donation(d: Donation) -> None:
    if not isinstance(d.amount_fen, int) or isinstance(d.amount_fen, bool) or not 0 < d.amount_fen <= MAX_ABS_FEN:
        raise InvalidInput(f"捐款金额须大于零（收到 {d.amount_fen!r} 分）",
                           f"a donation must be above zero (got {d.amount_fen!r} fen)", "amount")


def _apply(rule: Rule, d: Donation, state: MatchState) -> Match:
    """One donation's match; updates `state` (a private copy: the public functions never touch the caller's)."""
    _check_donation(d)
    key = (d.project, d.donor)
    if d.amount_fen < rule.min_donation_fen:
        return Match(d, 0, 0, "below_minimum")
    rate = rule.rate_for(d.amount_fen)
    if rate is None:
        return Match(d, 0, 0, "no_tier")
    if rule.once_per_donor and key in state.matched:
        return Match(d, 0, 0, "already_matched")
    raw = d.amount_fen * rate.numerator // rate.denominator
    fen, limited = raw, []
    for reason, left in (
        ("donor_cap", None if rule.per_donor_cap_fen is None else rule.per_donor_cap_fen - state.donor_used.get(key, 0)),
        ("project_cap", None if rule.per_project_cap_fen is None
         else rule.per_project_cap_fen - state.project_used.get(d.project, 0)),
        ("pool", state.pool_remaining_fen),
    ):
        if left is not None and fen > max(left, 0):
            fen = max(left, 0)
            limited.append(reason)
    if fen:
        state.donor_used[key] = state.donor_used.get(key, 0) + fen
        state.project_used[d.project] = state.project_used.get(d.project, 0) + fen
        if state.pool_remaining_fen is not None:
            state.pool_remaining_fen -= fen
        state.matched.add(key)
    return Match(d, raw, fen, limited[0] if limited else None, tuple(limited))


def apply_donation(rule: Rule, donation: Donation, state: MatchState) -> tuple[Match, MatchState]:
    """The next donation's match and the state after it (`state` itself is left as it was)."""
    _require_in_order(rule)
    after = state.copy()
    return _apply(rule, donation, after), after


def apply_in_order(rule: Rule, donations: Iterable[Donation], state: MatchState | None = None
                   ) -> tuple[list[Match], MatchState]:
    """Each donation's match, in the order given, and the state after the last (`state` is left as it was;
    default: a fresh state with the rule's pool)."""
    _require_in_order(rule)
    after = (state or MatchState.start(rule)).copy()
    return [_apply(rule, d, after) for d in donations], after


@dataclass(frozen=True)
class ClawBack:
    clawed_back_fen: int  # returned to the pool and to the caps
    kept_fen: int  # what the donation keeps of its match (0 for a full refund)


def claw_back(rule: Rule, match: Match, state: MatchState, refunded_fen: int | None = None
              ) -> tuple[ClawBack, MatchState]:
    """A refund's effect: the donation keeps the match its remaining amount would earn by the rule's rate and
    minimum (never more than it had; nothing for a full refund), the rest goes back to the pool and frees the
    donor's and the project's caps, and a donor left with no positive match in the project may be matched again
    ("once per donor"). Matches recorded after this one are not recomputed: donors keep what they were shown."""
    _require_in_order(rule)
    refunded = match.donation.amount_fen if refunded_fen is None else refunded_fen
    if not 0 < refunded <= match.donation.amount_fen:
        raise InvalidInput(f"退款金额须大于零且不超过捐款 {fen_to_str(match.donation.amount_fen)}",
                           f"a refund must be above zero and at most the donation, {fen_to_str(match.donation.amount_fen)}",
                           "refunded")
    left = match.donation.amount_fen - refunded
    rate = rule.rate_for(left) if left >= max(rule.min_donation_fen, 1) else None
    kept = min(match.match_fen, left * rate.numerator // rate.denominator) if rate is not None else 0
    clawed = match.match_fen - kept
    after = state.copy()
    key = (match.project, match.donor)
    if clawed:
        after.donor_used[key] = after.donor_used.get(key, 0) - clawed
        after.project_used[match.project] = after.project_used.get(match.project, 0) - clawed
        if after.pool_remaining_fen is not None:
            after.pool_remaining_fen += clawed
        if after.donor_used[key] <= 0:  # nothing live left: as if never matched (and `rebuild` would say the same)
            del after.donor_used[key]
            after.matched.discard(key)
        if after.project_used[match.project] <= 0:
            del after.project_used[match.project]
    return ClawBack(clawed, kept), after


# -------------------------------------------------------------------------------------------- quadratic

_START_DIGITS = 20  # square roots first taken to 10^-20 fen …
_MAX_DIGITS = 320  # … and at most to 10^-320 fen before an integer is taken as exact (see raw_match)


def raw_match(contributions: Iterable[int]) -> int:
    """A project's raw quadratic match, floor((Σ√cᵢ)² − Σcᵢ), in fen, exactly; cᵢ are each donor's total in fen.

    How it is exact: with rᵢ = isqrt(cᵢ·10^(2P)) (each √cᵢ truncated at 10^-P fen), Σ√cᵢ·10^P lies in
    [Σrᵢ, Σrᵢ + n), so the raw match lies in an interval narrower than about 2n·Σ√cᵢ·10^-P fen. When both
    ends have the same floor, that is the answer; otherwise P doubles (20, 40, … digits). An interval that still
    straddles an integer at 320 digits has the raw match within 10^-300 fen of it: it is then that integer
    exactly (as for 2 and 8 fen: (√2 + √8)² − 10 = 8), which is taken. A single donor gets 0 (and no donor)."""
    cs = [c for c in contributions if c]
    if any(c < 0 for c in cs):
        raise InvalidInput("捐款总额不能为负", "a donor's total cannot be negative", "amount")
    if len(cs) < 2:
        return 0
    total, n, digits = sum(cs), len(cs), _START_DIGITS
    while True:
        scale = 10 ** (2 * digits)
        low_sum = sum(math.isqrt(c * scale) for c in cs)
        low = (low_sum * low_sum - total * scale) // scale  # floor of the lower end
        upper = (low_sum + n) ** 2 - total * scale  # the raw match × scale is strictly below this
        high = -(-upper // scale) - 1  # the largest integer strictly below upper / scale
        if low >= high:
            return max(low, 0)
        if digits >= _MAX_DIGITS:
            return high
        digits *= 2


@dataclass(frozen=True)
class ProjectShare:
    project: str
    donors: int
    contributions_fen: int  # the sum counted (donations at or above the minimum)
    raw_fen: int
    match_fen: int
    capped: bool


@dataclass(frozen=True)
class QuadraticRound:
    pool_fen: int
    cap_fen: int | None
    projects: dict[str, ProjectShare]
    unallocated_fen: int  # nothing raw, or every project with a raw match capped: this stays in the pool

    @property
    def allocated_fen(self) -> int:
        return self.pool_fen - self.unallocated_fen


def largest_remainder(total: int, exact: Mapping, order: Iterable) -> dict:
    """Round exact shares (whose sum is the integer `total`) to integers summing to `total`: each gets its floor, and
    the units left over go one each to the largest fractional parts, ties to the key that comes first in `order`."""
    order = list(order)
    rank = {k: i for i, k in enumerate(order)}
    floors = {k: math.floor(exact[k]) for k in order}
    left = total - sum(floors.values())
    for k in sorted(order, key=lambda k: (-(exact[k] - floors[k]), rank[k]))[:left]:
        floors[k] += 1
    return floors


def quadratic_round(pool_fen: int, contributions: Mapping[str, Mapping[str, int]], cap_fen: int | None = None
                    ) -> QuadraticRound:
    """Share a pool among a round's projects by their raw quadratic matches.

    `contributions` is {project: {donor: total fen}}. The pool is shared in proportion to the raw matches
    (`raw_match`, whole fen); a project whose share would exceed `cap_fen` gets exactly `cap_fen` and the rest of
    the pool is shared again among the others in proportion to their raw matches, until none exceeds it. The
    exact shares are then rounded to the fen by largest remainder (ties to the project first by name), so they sum
    to what was shared exactly: the whole pool, unless every raw match is 0 (then every project gets 0 and the pool
    is unallocated) or every project with a raw match is capped (then the rest stays unallocated). A capped
    project's share is an integer already, so rounding never lifts any project above the cap."""
    if pool_fen < 0:
        raise InvalidInput("配捐池不能为负", "the pool cannot be negative", "pool")
    if cap_fen is not None and cap_fen < 0:
        raise InvalidInput("项目上限不能为负", "a project's cap cannot be negative", "cap")
    names = sorted(contributions)
    counted = {p: {d: c for d, c in contributions[p].items() if c} for p in names}
    raw = {p: raw_match(counted[p].values()) for p in names}
    exact: dict[str, Fraction] = {p: Fraction(0) for p in names}
    capped: set[str] = set()
    active = [p for p in names if raw[p] > 0]
    left = pool_fen
    while active:
        total_raw = sum(raw[p] for p in active)
        over = [p for p in active if cap_fen is not None and Fraction(left * raw[p], total_raw) > cap_fen]
        if not over:
            for p in active:
                exact[p] = Fraction(left * raw[p], total_raw)
            left = 0
            break
        for p in over:
            exact[p] = Fraction(cap_fen)
            capped.add(p)
            left -= cap_fen
        active = [p for p in active if p not in capped]
    shared = pool_fen - left
    rounded = largest_remainder(shared, exact, names)
    projects = {p: ProjectShare(p, len(counted[p]), sum(counted[p].values()), raw[p], rounded[p], p in capped)
                for p in names}
    return QuadraticRound(pool_fen, cap_fen, projects, left)


def contributions_of(rule: Rule, donations: Iterable[Donation]) -> dict[str, dict[str, int]]:
    """Each donor's total per project, counting only donations at or above the rule's minimum."""
    totals: dict[str, dict[str, int]] = {}
    for d in donations:
        _check_donation(d)
        donors = totals.setdefault(d.project, {})  # a project with only gifts below the minimum is in, with nothing
        if d.amount_fen >= rule.min_donation_fen:
            donors[d.donor] = donors.get(d.donor, 0) + d.amount_fen
    return totals


def quadratic_for_rule(rule: Rule, donations: Iterable[Donation]) -> QuadraticRound:
    if rule.kind != "quadratic":
        raise InvalidInput("这不是二次方配捐规则", "this is not a quadratic rule", "kind")
    return quadratic_round(rule.pool_fen or 0, contributions_of(rule, donations), rule.project_cap_fen())


def estimated_donation_shares(rule: Rule, donations: list[Donation], round_: QuadraticRound) -> list[int]:
    """Each donation's estimated part of its project's match (in the list's order), summing to the project's match.

    A project's raw match is Σᵢ √cᵢ·(Σⱼ√cⱼ − √cᵢ): donor i's part is their term of that sum (each pair of donors
    shares its √(cᵢcⱼ) equally), taken with roots truncated at 10^-20 fen; a donor's part is split among their
    donations by amount; the project's match is rounded to the fen among its donations by largest remainder
    (ties to the earlier donation). Below-minimum donations get 0. An estimate: it moves with the whole round."""
    scale = 10 ** (2 * _START_DIGITS)
    contributions = contributions_of(rule, donations)
    donor_weight: dict[tuple[str, str], int] = {}
    for project, donors in contributions.items():
        roots = {d: math.isqrt(c * scale) for d, c in donors.items()}
        whole = sum(roots.values())
        for donor, r in roots.items():
            donor_weight[(project, donor)] = r * (whole - r)
    by_project: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(donations):
        if d.amount_fen >= rule.min_donation_fen:
            by_project[d.project].append(i)
    out = [0] * len(donations)
    for project, indexes in by_project.items():
        total = round_.projects[project].match_fen
        weights = {i: Fraction(donor_weight[(project, donations[i].donor)] * donations[i].amount_fen,
                               contributions[project][donations[i].donor]) for i in indexes}
        sum_w = sum(weights.values())
        if not total or not sum_w:
            continue
        for i, fen in largest_remainder(total, {i: w * total / sum_w for i, w in weights.items()}, indexes).items():
            out[i] = fen
    return out


# ------------------------------------------------------------------------------------------- the explainer


def _yuan(fen: int) -> str:
    """100 yuan as "100", 100.50 yuan as "100.50", with thousands separators."""
    text = format_fen(fen)
    return text[:-3] if text.endswith(".00") else text


def _rate_match(rule: Rule, amount_fen: int) -> int:
    """What the rate alone gives a donation (0 below the minimum or in no tier), before any cap."""
    rate = rule.rate_for(amount_fen)
    if rate is None or amount_fen < rule.min_donation_fen:
        return 0
    return amount_fen * rate.numerator // rate.denominator


def _example_amount(rule: Rule) -> int:
    """100 yuan, or when that is not matched the smallest amount (a tier's start, the minimum) that is."""
    if _rate_match(rule, 10000):
        return 10000
    starts = sorted({max(t.min_fen, rule.min_donation_fen) for t in rule.tiers} | {rule.min_donation_fen})
    return next((a for a in starts if _rate_match(rule, a)), 10000)


def _cap_example(rule: Rule, amount: int) -> tuple[int, int] | None:
    """(already matched, matched now) for a donation that hits the donor's cap half-way, or None."""
    match, cap = _rate_match(rule, amount), rule.per_donor_cap_fen
    if cap is None or match < 2 or rule.once_per_donor or match >= cap:
        return None
    already = cap - match // 2
    return already, cap - already


@dataclass(frozen=True)
class _Facts:
    """The figures both languages' explainers say."""

    amount: int  # the worked example's donation
    match: int  # its match by the rate
    capped: int  # its match after the caps, for a first donation
    cap_example: tuple[int, int] | None
    gaps: list[tuple[int, int | None]]


def _facts(rule: Rule) -> _Facts:
    amount = _example_amount(rule)
    match = _rate_match(rule, amount)
    limits = [c for c in (rule.per_donor_cap_fen, rule.per_project_cap_fen, rule.pool_fen) if c is not None]
    return _Facts(amount, match, min([match, *limits]), _cap_example(rule, amount),
                  tier_gaps(rule) if rule.kind == "tiers" else [])


def explain(rule: Rule, lang: str = "zh_CN", funder: str | None = None) -> str:
    """A plain explanation of the rule, generated from it, with a worked example; Chinese unless `lang` is English
    ("en", "en_US"…). `funder` names who matches (default 政府 / the government)."""
    english = lang.lower().startswith("en")
    if rule.kind == "quadratic":
        return "\n".join(_quadratic_en(rule) if english else _quadratic_zh(rule))
    if english:
        return "\n".join(_in_order_en(rule, funder or "the government", _facts(rule)))
    return "\n".join(_in_order_zh(rule, funder or "政府", _facts(rule)))


def _ratio_sides(rule: Rule) -> tuple[str, str]:
    if rule.ratio_written:
        given, matched = rule.ratio_written.split(":")
        return given, matched
    return ratio_parts(rule.ratio)


def _span_zh(low: int, high: int | None) -> str:
    return f"{_yuan(low)} 元至 {_yuan(high)} 元" if high is not None else f"{_yuan(low)} 元及以上"


def _span_en(low: int, high: int | None) -> str:
    return f"{_yuan(low)} to {_yuan(high)} yuan" if high is not None else f"{_yuan(low)} yuan or more"


def _in_order_zh(rule: Rule, funder: str, f: _Facts) -> list[str]:
    lines = [f"配捐规则{'“' + rule.name + '”' if rule.name else ''}（第 {rule.version} 版）"]
    if rule.kind == "ratio":
        given, matched = _ratio_sides(rule)
        lines.append(f"按比例配捐 {given}:{matched}：你每捐 {given} 元，{funder}再配 {matched} 元（按分向下取整）。")
    else:
        lines.append("按单笔捐款金额分档配捐（每档两端的金额都含在档内；按分向下取整）：")
        for t in rule.tiers:
            rate = f"按 {t.ratio_written}" if t.ratio_written else f"{_decimal_text(t.rate * 100)}%"
            lines.append(f"· 捐 {_span_zh(t.min_fen, t.max_fen)}：配 {rate}，例如捐 {_yuan(t.min_fen)} 元配 "
                         f"{_yuan(_rate_match(rule, t.min_fen) if t.min_fen >= rule.min_donation_fen else 0)} 元")
        for low, high in f.gaps:
            below = low <= max(rule.min_donation_fen, 1) and high is not None
            lines.append(f"· {f'不足 {_yuan(high + 1)} 元' if below else '捐 ' + _span_zh(low, high)}：不在任何一档内，不配捐")
    if f.match and f.capped == f.match:
        lines.append(f"例如：你捐 {_yuan(f.amount)} 元，{funder}再配 {_yuan(f.match)} 元，项目共得 {_yuan(f.amount + f.match)} 元。")
    elif f.match:
        lines.append(f"例如：你捐 {_yuan(f.amount)} 元，按比例应配 {_yuan(f.match)} 元，但受上限所限，{funder}只配 "
                     f"{_yuan(f.capped)} 元。")
    if rule.min_donation_fen:
        lines.append(f"单笔捐款不足 {_yuan(rule.min_donation_fen)} 元的不配捐，也不占用任何配捐额度。")
    if rule.once_per_donor:
        lines.append("每位捐款人在本项目只配一次：你第一笔获得配捐的捐款配捐，之后的捐款照常收下，但不再配捐。")
    if rule.per_donor_cap_fen is not None:
        lines.append(f"每人在本项目最多配 {_yuan(rule.per_donor_cap_fen)} 元；超过部分的捐款照常收下，但不再配捐。")
        if f.cap_example:
            lines.append(f"例如：你在本项目已获配 {_yuan(f.cap_example[0])} 元，再捐 {_yuan(f.amount)} 元，只再配 "
                         f"{_yuan(f.cap_example[1])} 元（到每人上限为止）。")
    if rule.per_project_cap_fen is not None:
        lines.append(f"本项目最多共配 {_yuan(rule.per_project_cap_fen)} 元。")
    if rule.pool_fen is not None:
        lines.append(f"配捐池共 {_yuan(rule.pool_fen)} 元，按捐款登记的先后顺序配捐，用完即止。")
    else:
        lines.append("按捐款登记的先后顺序配捐，以配捐池的实际余额为限，用完即止。")
    if rule.per_donor_cap_fen is not None or rule.per_project_cap_fen is not None:
        lines.append("每笔配捐依次受这些上限约束：先看你在本项目还剩多少额度，再看本项目还剩多少，最后看配捐池还剩多少。")
    lines.append("你捐款时看到的配捐额就是你得到的配捐额；捐款退回时，它的配捐一并收回。")
    return lines


def _in_order_en(rule: Rule, funder: str, f: _Facts) -> list[str]:
    lines = [f"Matching rule{' “' + rule.name + '”' if rule.name else ''} (version {rule.version})"]
    if rule.kind == "ratio":
        given, matched = _ratio_sides(rule)
        lines.append(f"Matched {given}:{matched}: for every {given} yuan you give, {funder} adds {matched} yuan "
                     "(rounded down to the fen).")
    else:
        lines.append("Matched in tiers by the size of each donation (both ends of a tier are inside it; rounded down "
                     "to the fen):")
        for t in rule.tiers:
            rate = f"at {t.ratio_written}" if t.ratio_written else f"{_decimal_text(t.rate * 100)}%"
            lines.append(f"· give {_span_en(t.min_fen, t.max_fen)}: matched {rate}, e.g. {_yuan(t.min_fen)} yuan gets "
                         f"{_yuan(_rate_match(rule, t.min_fen) if t.min_fen >= rule.min_donation_fen else 0)} yuan")
        for low, high in f.gaps:
            below = low <= max(rule.min_donation_fen, 1) and high is not None
            lines.append(f"· {f'under {_yuan(high + 1)} yuan' if below else 'give ' + _span_en(low, high)}: in no tier, "
                         "not matched")
    if f.match and f.capped == f.match:
        lines.append(f"For example: you give {_yuan(f.amount)} yuan, {funder} adds {_yuan(f.match)} yuan, and the "
                     f"project gets {_yuan(f.amount + f.match)} yuan.")
    elif f.match:
        lines.append(f"For example: you give {_yuan(f.amount)} yuan; the rate would add {_yuan(f.match)} yuan, but "
                     f"the caps limit it to {_yuan(f.capped)} yuan.")
    if rule.min_donation_fen:
        lines.append(f"A donation under {_yuan(rule.min_donation_fen)} yuan is not matched and uses up no cap.")
    if rule.once_per_donor:
        lines.append("Each donor is matched once per project: your first donation that earns a match is matched; "
                     "later ones are welcome but not matched.")
    if rule.per_donor_cap_fen is not None:
        lines.append(f"Each donor gets at most {_yuan(rule.per_donor_cap_fen)} yuan of matching in this project; "
                     "donations beyond that are welcome but not matched.")
        if f.cap_example:
            lines.append(f"For example: if you have already been matched {_yuan(f.cap_example[0])} yuan here and give "
                         f"{_yuan(f.amount)} yuan more, only {_yuan(f.cap_example[1])} yuan more is matched (up to "
                         "your cap).")
    if rule.per_project_cap_fen is not None:
        lines.append(f"This project gets at most {_yuan(rule.per_project_cap_fen)} yuan of matching in all.")
    if rule.pool_fen is not None:
        lines.append(f"The pool holds {_yuan(rule.pool_fen)} yuan, matched in the order donations are recorded until "
                     "it runs out.")
    else:
        lines.append("Donations are matched in the order they are recorded, as far as the pool's real balance goes.")
    if rule.per_donor_cap_fen is not None or rule.per_project_cap_fen is not None:
        lines.append("Each match is limited in turn by what is left of your cap in this project, then of the "
                     "project's cap, then of the pool.")
    lines.append("The match you are shown when you give is the match you get; a refunded donation's match is "
                 "withdrawn with it.")
    return lines


def _quadratic_numbers(rule: Rule) -> tuple[int, int | None, int, int]:
    return rule.pool_fen or 0, rule.project_cap_fen(), raw_match([10000] * 4), raw_match([40000])


def _quadratic_zh(rule: Rule) -> list[str]:
    pool, cap, four, one = _quadratic_numbers(rule)
    lines = [f"二次方配捐{'“' + rule.name + '”' if rule.name else ''}（第 {rule.version} 版）：本轮各项目共享配捐池 "
             f"{_yuan(pool)} 元。",
             "每个项目的原始配捐额 =（每位捐款人捐款总额的平方根之和）² − 捐款总额；配捐池按各项目原始配捐额的比例分配。",
             f"例如：4 人各捐 100 元（共 400 元），原始配捐额为 (4 × 10)² − 400 = {_yuan(four)} 元；若 1 人独捐 400 元，"
             f"原始配捐额为 {_yuan(one)} 元。支持的人越多，配捐越多。"]
    if rule.min_donation_fen:
        lines.append(f"单笔不足 {_yuan(rule.min_donation_fen)} 元的捐款不计入。")
    if cap is not None:
        lines.append(f"每个项目最多获配 {_yuan(cap)} 元；超出的部分按其他项目原始配捐额的比例分给它们。")
    lines.append("项目页上显示的配捐额只是估算：本项目有更多人捐款时会上升，本轮其他项目获得更多支持时会下降；"
                 "本轮结束时才最终确定，届时各项目的配捐额按最大余额法取整到分，合计正好等于配捐池。")
    return lines


def _quadratic_en(rule: Rule) -> list[str]:
    pool, cap, four, one = _quadratic_numbers(rule)
    lines = [f"Quadratic matching{' “' + rule.name + '”' if rule.name else ''} (version {rule.version}): the "
             f"projects of one round share a pool of {_yuan(pool)} yuan.",
             "Each project's raw match is (the sum of the square roots of each donor's total)² minus the total "
             "given; the pool is shared in proportion to the raw matches.",
             f"For example: four people giving 100 yuan each (400 yuan) make a raw match of (4 × 10)² − 400 = "
             f"{_yuan(four)} yuan; one person giving 400 yuan makes {_yuan(one)}. The more people support a "
             "project, the more it is matched."]
    if rule.min_donation_fen:
        lines.append(f"Donations under {_yuan(rule.min_donation_fen)} yuan are not counted.")
    if cap is not None:
        lines.append(f"No project gets more than {_yuan(cap)} yuan; what a capped project would have had beyond it "
                     "goes to the others in proportion to their raw matches.")
    lines.append("The match shown on a project page is an ESTIMATE: it goes up when more people give to this "
                 "project, and down when other projects of the round gain support. It is fixed when the round "
                 "closes; the shares then add up to the pool to the fen (largest remainder).")
    return lines


# ------------------------------------------------------------------------ previewing a rule (CLI and back office)

DONATION_COLUMNS = {"donor": ("donor", "捐款人"), "amount": ("amount", "金额", "捐款金额"), "project": ("project", "项目")}
_MAX_LISTED = 20  # a table with hundreds of bad rows: the first twenty say enough


def donations_from_table(rows: list[list], need_project: bool, where_zh: str, where_en: str, first_row: int = 1
                         ) -> tuple[list[Donation], list[int], bool]:
    """The donations of a table (a header row of DONATION_COLUMNS' names, then donor, amount[, project] rows) in its
    order, each row's number (the header is row `first_row`) and whether it names projects. Every bad row is named
    with its column, in Chinese and English (`where_*` names the table); then nothing is simulated. What
    `ledger matching simulate` reads from a file and the back office's rule preview from pasted lines."""
    header = [(cell or "").strip().lower() for cell in (rows[0] if rows else [])]
    where = {}
    for key, names in DONATION_COLUMNS.items():
        found = [i for i, name in enumerate(header) if name in names]
        if found:
            where[key] = found[0]
    missing = [k for k in ("donor", "amount") if k not in where] + (["project"] if need_project and "project" not in where
                                                                    else [])
    if missing:
        raise InvalidInput(f"{where_zh} 第 {first_row} 行：缺少列 {'、'.join(missing)}（表头应为 donor,amount"
                           f"{',project' if need_project else ''}，或 捐款人,金额,项目）",
                           f"{where_en} row {first_row}: missing column(s) {', '.join(missing)} (the header must be "
                           f"donor,amount{',project' if need_project else ''})", f"row {first_row}.{missing[0]}")
    donations, row_numbers, problems = [], [], []
    for number, row in enumerate(rows[1:], start=first_row + 1):
        cells = {k: (row[i].strip() if i < len(row) and row[i] is not None else "") for k, i in where.items()}
        if not any(cells.values()):
            continue  # a blank line
        try:
            if not cells["donor"]:
                raise InvalidInput("捐款人为空", "the donor is empty", "donor")
            if "project" in where and not cells["project"]:
                raise InvalidInput("项目为空", "the project is empty", "project")
            try:
                fen = to_fen(cells["amount"], "amount")
            except LedgerError as e:
                raise InvalidInput(e.message_zh, e.message_en, "amount") from None
            if fen <= 0:
                raise InvalidInput(f"捐款金额须大于零（收到 {cells['amount']}）",
                                   f"a donation must be above zero (got {cells['amount']})", "amount")
        except LedgerError as e:
            problems.append((number, e))
            continue
        donations.append(Donation(cells["donor"], fen, cells.get("project", "")))
        row_numbers.append(number)
    if problems:
        listed = problems[:_MAX_LISTED]
        more_zh = f"；另有 {len(problems) - len(listed)} 行有误" if len(problems) > len(listed) else ""
        more_en = f"; and {len(problems) - len(listed)} more bad rows" if len(problems) > len(listed) else ""
        raise InvalidInput(
            f"{where_zh}：" + "；".join(f"第 {n} 行“{e.field}”列：{e.message_zh}" for n, e in listed) + more_zh,
            f"{where_en}: " + "; ".join(f"row {n}, column {e.field}: {e.message_en}" for n, e in listed) + more_en,
            f"row {listed[0][0]}.{listed[0][1].field}")
    return donations, row_numbers, "project" in where


def simulate(rule: Rule, donations: list[Donation], row_numbers: list[int], has_project: bool) -> dict:
    """Each donation's match under the rule, in order, and the totals (amounts as decimal strings): what
    `ledger matching simulate --format json` prints and the back office's rule preview shows.

    Ratio and tier rules match each donation in turn from a fresh state (the rule's pool, if it names one), as they
    would be recorded. A quadratic rule computes the round: each project's match, and each donation's estimated part
    of it (estimated_donation_shares), marked as an estimate."""
    if rule.kind == "quadratic":
        round_ = quadratic_for_rule(rule, donations)
        shares = estimated_donation_shares(rule, donations, round_)
        rows = [dict(row=n, donor=d.donor, project=d.project, amount=fen_to_str(d.amount_fen), match=fen_to_str(fen),
                     reason="below_minimum" if d.amount_fen < rule.min_donation_fen else None)
                for n, d, fen in zip(row_numbers, donations, shares)]
        return dict(kind=rule.kind, estimate=True, donations=rows, total_match=fen_to_str(round_.allocated_fen),
                    projects={p: fen_to_str(s.match_fen) for p, s in round_.projects.items()},
                    pool=fen_to_str(round_.pool_fen), unallocated=fen_to_str(round_.unallocated_fen))
    matches, state = apply_in_order(rule, donations)
    rows = []
    for n, m in zip(row_numbers, matches):
        row = dict(row=n, donor=m.donor, amount=fen_to_str(m.donation.amount_fen), match=fen_to_str(m.match_fen),
                   reason=m.reason)
        if has_project:
            row["project"] = m.project
        rows.append(row)
    return dict(kind=rule.kind, donations=rows, total_match=fen_to_str(sum(m.match_fen for m in matches)),
                pool_remaining=None if state.pool_remaining_fen is None else fen_to_str(state.pool_remaining_fen))


def refuse_tier_gaps(rule: Rule) -> None:
    """Refuse tiers with a gap BETWEEN them (100–499 then 500–999 leaves 499.01–499.99 in no tier): in a form where
    tiers are typed, that is nearly always a slip of the inclusive ends. Amounts below the first tier and above a
    bounded last tier are not gaps here (the explainer says they are not matched). A rule file may still have gaps."""
    if rule.kind != "tiers":
        return
    first = rule.tiers[0].min_fen
    inner = [(low, high) for low, high in tier_gaps(rule) if high is not None and low > first]
    if inner:
        low, high = inner[0]
        raise InvalidInput(
            f"tiers：捐 {fen_to_str(low)} 元至 {fen_to_str(high)} 元不在任何一档内；每档两端都含在档内，下一档应从上一档的"
            f"上限加 0.01 元起（如上一档到 {fen_to_str(low - 1)}，下一档从 {fen_to_str(low)} 起），或把上一档的上限写到 "
            f"{fen_to_str(high)}",
            f"tiers: a gift of {fen_to_str(low)} to {fen_to_str(high)} yuan is in no tier; both ends of a tier are inside "
            f"it, so the next tier must start 0.01 above the previous one's top (previous to {fen_to_str(low - 1)}, next "
            f"from {fen_to_str(low)}), or the previous one must end at {fen_to_str(high)}", "tiers")
