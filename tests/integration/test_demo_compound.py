"""The demo's compound (望江锦苑: 600 units, 8 buildings, 24 months) checked the way its committee would check it:
the register, every month's bill recomputed from the areas and rates, the sub-ledger against the ledger, collection,
the bank statements of two banks reconciled month by month, the votes, the budget's blocked overrun, the refund to
the fen and the trustee's remuneration.

Built once for the module on SQLite (about two minutes: 700 entries through the same services a committee uses);
each service it calls has its own tests on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from collections import Counter, defaultdict
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from ledger.app import create_app
from ledger.db.engine import make_engine, make_sessionmaker, transaction
from ledger.db.schema import (
    Account, BankImport, Book, Entry, EntryLine, EntryUnit, FeeRate, Owner, Resolution, Unit, UnitOwner, User,
)
from ledger.domain.fees import monthly_fee_fen, rate_in_force, Rate
from ledger.services import bank, billing, budgets, entries, remuneration, revenues, vouchers
from ledger.services.demo import demo_password, load_demo
from ledger.services.verify import verify_book

from ..conftest import SignedIn

pytestmark = pytest.mark.xdist_group("demo_compound")  # meant for one worker (see the note on loadgroup in pytest.ini)

TODAY = dt.date(2026, 12, 2)  # fixed, so the months are 2025-01 .. 2026-12 and the figures repeat


@pytest.fixture(scope="session")  # not "module": xdist interleaves other modules, which rebuilds a module fixture
def compound(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("compound")
    path = folder / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    factory = make_sessionmaker(engine)
    factory.configure(info={"key_dir": str(folder / "keys")})
    with transaction(factory) as s:  # as `make run` loads it: vouchers kept, closed months published
        load_demo(s, today=TODAY, store=vouchers.VoucherStore(folder / "v"), publications_root=folder / "pub")
    yield factory, f"sqlite:///{path}", folder / "keys"
    engine.dispose()


def _book(s) -> Book:
    return s.scalar(select(Book).where(Book.code == "WJJY"))


def _user(s, name) -> User:
    return s.scalar(select(User).where(User.username == name))


def _balance(s, book, code) -> int:
    return int(s.scalar(select(func.coalesce(func.sum(EntryLine.amount_fen), 0)).join(Entry, Entry.id == EntryLine.entry_id)
                        .join(Account, Account.id == EntryLine.account_id)
                        .where(Entry.book_id == book.id, Entry.status == "posted", Account.code == code)))


def test_the_register_holds_600_units_in_8_buildings_and_the_developer_once(compound):
    factory, _, _ = compound
    with transaction(factory) as s:
        book = _book(s)
        units = list(s.scalars(select(Unit).where(Unit.book_id == book.id)))
        assert len(units) == 600
        assert sorted({u.building for u in units}) == [str(b) for b in range(1, 9)]
        assert Counter(u.use for u in units) == {"residential": 576, "shop": 24}
        developers = list(s.scalars(select(Owner).where(Owner.book_id == book.id, Owner.kind == "developer")))
        assert len(developers) == 1  # nine unsold units, one owner in a headcount
        held = s.scalar(select(func.count(UnitOwner.id)).where(UnitOwner.owner_id == developers[0].id))
        assert held == 9


def test_every_months_bill_is_the_sum_of_the_units_fees_at_the_rates_in_force(compound):
    factory, _, _ = compound
    with transaction(factory) as s:
        book = _book(s)
        units = list(s.scalars(select(Unit).where(Unit.book_id == book.id)))
        rates = [Rate(r.use, r.basis, r.rate_centi_fen, r.effective_from)
                 for r in s.scalars(select(FeeRate).where(FeeRate.book_id == book.id))]
        runs = list(s.scalars(select(Entry).where(Entry.book_id == book.id, Entry.source == "billing").order_by(Entry.date)))
        assert len(runs) == 24 and all(e.status == "posted" for e in runs)
        assert [(e.date.year, e.date.month) for e in runs][0] == (2025, 1)
        for run in runs:
            expected = 0
            for u in units:
                rate = rate_in_force(rates, u.use, run.date)
                # 2.20 a ㎡ for flats until the owners voted the rise, 2.35 from 2026; shops 4.50 throughout
                assert rate.rate_centi_fen == {"shop": 45000}.get(u.use, 22000 if run.date.year == 2025 else 23500)
                expected += monthly_fee_fen(rate.basis, rate.rate_centi_fen, u.area_centi_m2)
            billed = next(l.amount_fen for l in run.lines if l.account.code == "4101")
            assert -billed == expected, run.date


def test_the_unit_sub_ledger_adds_up_to_the_ledger_and_arrears_age(compound):
    factory, _, _ = compound
    with transaction(factory) as s:
        book, chair = _book(s), _user(s, "weiyuan1")
        held = billing.balances(s, book)
        assert sum(r for r, _ in held.values()) == _balance(s, book, "1122")
        assert sum(p for _, p in held.values()) == -_balance(s, book, "2202")
        doc = billing.arrears(s, chair, book, as_of=TODAY)
        assert len(doc["buildings"]) == 8
        total = sum(int(Fraction(b["total"]) * 100) for b in doc["buildings"])
        assert total == _balance(s, book, "1122")
        # owners who stopped paying two years ago: fees more than twelve months old are still open
        assert Fraction(doc["total"]["over12"]) > 0 and Fraction(doc["total"]["current"]) > 0
        for b in doc["buildings"]:
            rate = Fraction(b["collection"]["fraction"])
            assert Fraction(85, 100) < rate < 1, b  # trust-model pilots report about 95%
            assert b["collection"]["rate"] == f"{float(rate * 100):.2f}" or abs(Fraction(b["collection"]["rate"]) - rate * 100) < Fraction(1, 100)


def test_two_banks_statements_reconcile_month_by_month_and_three_rows_wait(compound):
    factory, _, _ = compound
    with transaction(factory) as s:
        book, chair = _book(s), _user(s, "weiyuan1")
        imports = Counter(i.profile_name for i in s.scalars(select(BankImport).where(BankImport.book_id == book.id)))
        assert imports == {"icbc": 12, "ccb": 12}
        for y, m in [(2025, mm) for mm in range(1, 13)] + [(2026, mm) for mm in range(1, 12)]:
            r = bank.reconcile(s, chair, book, y, m)
            assert r.reconciled and not r.unmatched_rows and not r.unmatched_lines, (y, m)
        december = bank.reconcile(s, chair, book, 2026, 12)
        assert sorted((row.memo, row.amount_fen) for row in december.unmatched_rows) == [
            ("短信通知服务费", -1500), ("结息", 18342), ("转账", 120000)]
        assert december.difference_fen == 18342 + 120000 - 1500
        # owners' transfers came in on the statement and became fee payments from their rows
        from_rows = s.scalar(select(func.count(Entry.id)).where(Entry.book_id == book.id, Entry.source == "payment",
                                                                  Entry.summary == "收物业费（银行转账）"))
        assert from_rows >= 20


def test_the_owners_votes_pass_the_budgets_and_refuse_the_car_park(compound):
    factory, _, _ = compound
    with transaction(factory) as s:
        book = _book(s)
        found = {r.title[:12]: r for r in s.scalars(select(Resolution).where(Resolution.book_id == book.id))}
        assert [r.status for r in sorted(found.values(), key=lambda r: r.id)] == ["passed", "passed", "failed", "passed"]
        car_park = next(r for r in found.values() if r.matter == "special")
        tally = json.loads(car_park.tally)
        assert tally["passed"] is False
        budget = budgets.budget_for(s, book, 2026)
        assert budget.resolution_id is not None and s.get(Resolution, budget.resolution_id).status == "passed"


def test_the_repairs_line_blocks_the_pump_and_nothing_changes(compound):
    factory, _, _ = compound
    with transaction(factory) as s:
        book = _book(s)
        pump = s.scalar(select(Entry).where(Entry.book_id == book.id, Entry.status == "submitted"))
        assert pump.summary.startswith("更换5栋消防稳压泵")
        line = next(l for l in budgets.budget_for(s, book, 2026).lines if l.account.code == "5107")
        spent = budgets.actual(s, book, line, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        assert spent <= line.annual_fen < spent + pump.total_debit_fen
        pump_id = pump.id
        with pytest.raises(budgets.BudgetOverrun):
            entries.approve_entry(s, _user(s, "weiyuan2"), book, pump)
        s.rollback()
    with transaction(factory) as s:
        assert s.get(Entry, pump_id).status == "submitted"


def test_the_refund_shares_the_decided_sum_by_area_to_the_fen(compound):
    factory, _, _ = compound
    with transaction(factory) as s:
        book = _book(s)
        refund = s.scalar(select(Entry).where(Entry.book_id == book.id, Entry.source == "refund"))
        assert refund.status == "posted" and refund.date == dt.date(2026, 2, 25)
        amount = next(l.amount_fen for l in refund.lines if l.account.code == "3101")
        decision = s.scalar(select(Resolution).where(Resolution.book_id == book.id, Resolution.title.contains("结余处理")))
        assert decision.status == "passed" and f"{amount // 100:,}元按建筑面积退还" in decision.title
        surplus = billing.year_surplus(s, book, 2025)
        assert amount == surplus // 2 // 100_000 * 100_000 > 0  # half of 2025's surplus, in whole thousands of yuan
        rows = list(s.scalars(select(EntryUnit).where(EntryUnit.entry_id == refund.id)))
        per_unit = defaultdict(int)
        for r in rows:
            per_unit[r.unit_id] -= r.amount_fen
        assert sum(per_unit.values()) == amount
        units = list(s.scalars(select(Unit).where(Unit.book_id == book.id)))
        area = sum(u.area_centi_m2 for u in units)
        # largest remainder, computed here independently: floors, then one fen each to the largest remainders
        floors = {u.id: amount * u.area_centi_m2 // area for u in units}
        left = amount - sum(floors.values())
        order = sorted(units, key=lambda u: (-(amount * u.area_centi_m2 % area), f"{u.building}-{u.number}"))
        for u in order[:left]:
            floors[u.id] += 1
        assert {k: v for k, v in per_unit.items()} == {k: v for k, v in floors.items() if v}


def test_the_trustees_remuneration_is_a_tenth_of_fees_collected_capped(compound):
    factory, _, _ = compound
    with transaction(factory) as s:
        book = _book(s)
        accruals = list(s.scalars(select(Entry).where(Entry.book_id == book.id, Entry.source == "accrual")
                                  .order_by(Entry.date)))
        assert len(accruals) == 22  # every closed month: 2025-01 .. 2026-10
        capped = 0
        for e in accruals:
            collected = remuneration.collected_fees(s, book, e.date.year, e.date.month)
            expected = min(collected // 10, 1_600_000)
            assert e.total_debit_fen == expected, e.date
            capped += expected == 1_600_000
        assert 0 < capped < 22


def test_revenues_show_the_overdue_lockers_rent(compound):
    factory, _, _ = compound
    with transaction(factory) as s:
        book = _book(s)
        found = {st.contract.counterparty: st for st in revenues.standings(s, book, as_of=TODAY)}
        assert found["深圳市丰巢科技有限公司"].overdue_fen == 600_000
        assert found["成都分众传媒有限公司"].overdue_fen == 0


def test_the_books_verify_and_the_committee_reads_the_pages(compound, tmp_path, monkeypatch):
    factory, url, keys = compound
    monkeypatch.setenv("LEDGER_KEY_DIR", str(keys))
    with transaction(factory) as s:
        report = verify_book(s, _book(s))
        assert report.ok, report
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True, "VOUCHER_DIR": str(tmp_path / "v")})
    member = SignedIn(app, "weiyuan1", demo_password("weiyuan1"))
    for page, text in (("/books/WJJY/operations", "物业运营"), ("/books/WJJY/fees/arrears", "收缴率"),
                       ("/books/WJJY/bank/reconcile?period=2026-12", "结息"), ("/books/WJJY/resolutions", "停车场")):
        response = member.get(page)
        assert text in response.text, page
    # 600 units are too many rows for a phone: the units with fees open by default, one building on request
    import re

    shown = member.get("/books/WJJY/fees/arrears").text
    open_units = int(re.search(r"显示 (\d+) 户，共 600 户", shown).group(1))
    assert 0 < open_units < 600 and shown.count('data-testid="issue-code"') == open_units
    third = member.get("/books/WJJY/fees/arrears?building=3").text
    assert "显示 72 户，共 600 户" in third and ">3-101<" in third and ">4-101<" not in third


def test_the_latest_closed_month_publishes_the_compounds_figures_per_building(compound):
    from ledger.db.schema import Publication
    from ledger.services.demo_compound import latest_closed

    factory, url, _keys = compound
    root = Path(url.removeprefix("sqlite:///")).parent / "pub"
    y, m = latest_closed(TODAY)
    assert (y, m) == (2026, 10)
    with transaction(factory) as s:
        book, chair = _book(s), _user(s, "weiyuan1")
        pub = s.scalar(select(Publication).where(Publication.book_id == book.id))
        assert (pub.year, pub.month, pub.version) == (2026, 10, 1)
        folder = root / pub.folder
        office = billing.arrears(s, chair, book, as_of=dt.date(2026, 10, 31))
        owners = [o.name for o in s.scalars(select(Owner).where(Owner.book_id == book.id)) if o.kind == "person"]
        jchy = s.scalar(select(func.count(Publication.id)).join(Book, Book.id == Publication.book_id)
                        .where(Book.code == "JCHY"))
    assert jchy >= 10  # 锦城花园's closed months, published with their redacted vouchers
    trust = json.loads((folder / "trust.json").read_text("utf-8"))
    published = {b["building"]: b["fen"]["total"] for b in trust["arrears"]["buildings"]}
    assert published == {b["building"]: int(Fraction(b["total"]) * 100) for b in office["buildings"]}
    assert '"difference_fen":0' in json.dumps(trust["bank"], separators=(",", ":"))  # October reconciled
    text = "".join(p.read_text("utf-8", errors="ignore") for p in root.rglob("*.json"))
    assert not [name for name in owners if len(name) >= 2 and f'"{name}' in text]  # no owner's name in any file
