"""A gift to one project of a quadratic round moves the other projects' estimates: their public pages are rewritten
with it, so the public site never shows an estimate the round has left behind (found on the phone walk: the
pool's page and a sibling project's page disagreed with the back office)."""
from __future__ import annotations

import json

from ledger.services import projects

from .test_projects import _project, fund  # noqa: F401  (the fixture)


def test_a_gift_to_one_project_rewrites_the_rounds_other_estimates(fund, tmp_path):  # noqa: F811
    f = fund
    with f.tx() as s:
        projects.add_rule(s, f.u(s, "fm1"), f.book(s), "GOV", {"kind": "quadratic", "version": 2, "pool": "1000.00",
                                                                "cap_share": "0.6"})
    _project(f, "Q1", "100.00", version=2)
    _project(f, "Q2", "100.00", version=2)
    for who in "ABCE":
        f.donate("Q1", who, "100.00")
    f.donate("Q2", "F", "400.00")

    def published(code):
        return json.loads((tmp_path / "pub" / "CF" / "projects" / code / "progress.json").read_text())["matched_estimate"]

    assert published("Q1") == "600.00"  # capped at 0.6 of the pool; Q2's single donor adds nothing
    for who in "ABCE":  # Q2 gains four more supporters: Q1's share of the round falls
        f.donate("Q2", who, "100.00")
    with f.tx() as s:
        live = {code: projects.quadratic_estimate(s, projects.get_project(s, f.book(s), code)) for code in ("Q1", "Q2")}
    assert live["Q1"] < 60000
    assert published("Q1") == f"{live['Q1'] // 100}.{live['Q1'] % 100:02d}"  # rewritten, though nobody gave to Q1
    assert published("Q2") == f"{live['Q2'] // 100}.{live['Q2'] % 100:02d}"
