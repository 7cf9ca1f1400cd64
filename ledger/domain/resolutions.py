"""Civil Code Art. 278 on exact fractions: does an owners' resolution (业主大会决定) pass?

- Participation: owners holding at least 2/3 of the exclusive area AND at least 2/3 of the owners take part
  ("以上" includes the bound).
- An ordinary matter passes with MORE than 1/2 (strictly) of the participating area AND of the participating
  owners agreeing; a special matter (items 6-8: raising maintenance funds, rebuilding, changing the use of common
  parts or running a business on them) needs AT LEAST 3/4 of the participating area AND owners.

How votes count (our reading, after the Supreme People's Court's interpretation on building ownership, Art. 9):

- Votes are cast per unit (the register's exclusive parts). A unit's area takes part when the unit voted at all
  (agree, against or abstain); it agrees when the unit voted agree. Abstaining is taking part without agreeing.
- Headcount counts owners, not units. One owner of several units counts once; the developer's unsold units are one
  owner; co-owners of one unit count as one (one exclusive part, one person). Precisely: units sharing any owner are
  joined into one "voter" (the connected groups of the unit-owner graph), and each voter counts once.
- A voter takes part in the headcount when any of its units voted. Its headcount vote is agree only when every unit
  of it that voted, voted agree; an owner whose units voted differently takes part but does not agree (as an
  abstention) — their area still counts unit by unit.
- A unit with no owner on the register counts as a voter of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

VOTES = ("agree", "against", "abstain")
VOTE_WORDS = {"agree": "agree", "同意": "agree", "赞成": "agree", "against": "against", "反对": "against",
              "不同意": "against", "abstain": "abstain", "弃权": "abstain"}
MATTERS = ("ordinary", "special")
TWO_THIRDS, HALF, THREE_QUARTERS = Fraction(2, 3), Fraction(1, 2), Fraction(3, 4)


@dataclass(frozen=True)
class UnitShare:
    unit_id: int
    area_centi_m2: int
    owner_ids: tuple[int, ...]


def _ratio(num: int, den: int) -> Fraction:
    return Fraction(num, den) if den else Fraction(0)


def decimal_string(f: Fraction, places: int = 6) -> str:
    """An exact fraction as a decimal string, rounded half-even at `places` (for reading; the decision uses f)."""
    q = Decimal(f.numerator) / Decimal(f.denominator) if f.denominator != 1 else Decimal(f.numerator)
    return str(q.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def percent_string(f: Fraction) -> str:
    return decimal_string(f * 100, 2) + "%"


@dataclass(frozen=True)
class Tally:
    matter: str
    total_area: int
    total_owners: int
    voted_area: int
    voted_owners: int
    agree_area: int
    agree_owners: int
    units_voted: int
    votes: dict  # vote word -> number of units

    @property
    def participation_area(self) -> Fraction:
        return _ratio(self.voted_area, self.total_area)

    @property
    def participation_owners(self) -> Fraction:
        return _ratio(self.voted_owners, self.total_owners)

    @property
    def approval_area(self) -> Fraction:
        return _ratio(self.agree_area, self.voted_area)

    @property
    def approval_owners(self) -> Fraction:
        return _ratio(self.agree_owners, self.voted_owners)

    @property
    def quorum(self) -> bool:
        return (self.total_area > 0 and self.total_owners > 0 and self.participation_area >= TWO_THIRDS
                and self.participation_owners >= TWO_THIRDS)

    @property
    def approved(self) -> bool:
        if self.voted_area == 0 or self.voted_owners == 0:
            return False
        if self.matter == "special":
            return self.approval_area >= THREE_QUARTERS and self.approval_owners >= THREE_QUARTERS
        return self.approval_area > HALF and self.approval_owners > HALF

    @property
    def passed(self) -> bool:
        return self.quorum and self.approved

    def to_dict(self) -> dict:
        def figure(f: Fraction) -> dict:
            return {"fraction": str(f), "decimal": decimal_string(f), "percent": percent_string(f)}

        return {
            "matter": self.matter,
            "totals": {"area_centi_m2": self.total_area, "owners": self.total_owners},
            "voted": {"area_centi_m2": self.voted_area, "owners": self.voted_owners, "units": self.units_voted},
            "agreed": {"area_centi_m2": self.agree_area, "owners": self.agree_owners},
            "votes": dict(self.votes),
            "participation": {"area": figure(self.participation_area), "owners": figure(self.participation_owners),
                              "required": "2/3", "met": self.quorum},
            "approval": {"area": figure(self.approval_area), "owners": figure(self.approval_owners),
                         "required": "3/4" if self.matter == "special" else "> 1/2", "met": self.approved},
            "passed": self.passed,
        }


def voters(units: list[UnitShare]) -> list[list[int]]:
    """The headcount's voters: groups of unit ids joined by a shared owner (union-find over owners)."""
    parent: dict[int, int] = {u.unit_id: u.unit_id for u in units}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_unit_of: dict[int, int] = {}
    for u in units:
        for owner in u.owner_ids:
            if owner in first_unit_of:
                a, b = find(first_unit_of[owner]), find(u.unit_id)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first_unit_of[owner] = u.unit_id
    groups: dict[int, list[int]] = {}
    for u in units:
        groups.setdefault(find(u.unit_id), []).append(u.unit_id)
    return list(groups.values())


def tally(units: list[UnitShare], votes: dict[int, str], matter: str) -> Tally:
    """The Art. 278 tally of per-unit votes over the register's units (see the module's notes on counting)."""
    if matter not in MATTERS:
        raise ValueError(matter)
    area = {u.unit_id: u.area_centi_m2 for u in units}
    unknown = set(votes) - set(area)
    if unknown:
        raise ValueError(f"votes for units not on the register: {sorted(unknown)}")
    groups = voters(units)
    voted_owners = agree_owners = 0
    for group in groups:
        cast = [votes[u] for u in group if u in votes]
        if cast:
            voted_owners += 1
            if all(v == "agree" for v in cast):
                agree_owners += 1
    counts = {v: sum(1 for x in votes.values() if x == v) for v in VOTES}
    return Tally(
        matter=matter,
        total_area=sum(area.values()),
        total_owners=len(groups),
        voted_area=sum(area[u] for u in votes),
        voted_owners=voted_owners,
        agree_area=sum(area[u] for u, v in votes.items() if v == "agree"),
        agree_owners=agree_owners,
        units_voted=len(votes),
        votes=counts,
    )
