"""What a treasurer and a committee do with entries, and every refusal they can meet."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from ledger.db.schema import Approval, AuditEvent, Entry, EntryLine, Period
from ledger.domain import errors
from ledger.services import books, entries, history, periods, reports
from ledger.services.verify import verify_book

from ..conftest import D

FEE = (("1002", "GEN", "1234.56"), ("4101", "GEN", "-1234.56"))


def snapshot(ledger):
    """What a refusal must leave untouched: row counts and every balance."""
    with ledger.tx() as s:
        counts = tuple(s.scalar(select(func.count()).select_from(t)) for t in (Entry, EntryLine, Approval, Period))
        statuses = tuple(s.execute(text("SELECT id, status FROM entries ORDER BY id")).all())
        tb = [(r.code, r.balance_fen) for r in reports.trial_balance(s, ledger.book(s)).rows]
    return counts, statuses, tb


def refused(ledger, error, fn):
    """Run fn(session) in a transaction, expect `error`, and check nothing changed."""
    before = snapshot(ledger)
    with pytest.raises(error) as info:
        with ledger.tx() as s:
            fn(s)
    assert snapshot(ledger) == before
    assert info.value.message_zh and info.value.message_en
    return info.value


def make(ledger, *lines, maker="maker", date=D(2026, 3, 5), summary="收3月物业费", key=None, submit=True):
    with ledger.tx() as s:
        return entries.create_entry(s, ledger.user(s, maker), ledger.book(s),
                                    ledger.entry_input(date, summary, *lines, key=key), submit=submit).id


def act(ledger, fn_name, user, entry_id, *args):
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.get_entry(s, book, entry_id)
        return getattr(entries, fn_name)(s, ledger.user(s, user), book, entry, *args)


def test_an_entry_goes_from_draft_to_posted_with_a_gapless_number(ledger):
    entry_id = make(ledger, *FEE, submit=False)
    with ledger.tx() as s:
        e = entries.get_entry(s, ledger.book(s), entry_id)
        assert (e.status, e.number) == ("draft", None)
    act(ledger, "submit_entry", "maker", entry_id)
    act(ledger, "approve_entry", "approver1", entry_id)
    second = ledger.post(D(2026, 3, 9), "收停车费", ("1002", "GEN", "88.80"), ("4202", "GEN", "-88.80"))
    april = ledger.post(D(2026, 4, 1), "收停车费", ("1002", "GEN", "10.00"), ("4202", "GEN", "-10.00"))
    with ledger.tx() as s:
        book = ledger.book(s)
        e = entries.get_entry(s, book, entry_id)
        assert (e.status, e.number, e.chain_seq) == ("posted", "记-2026-03-0001", 1)
        assert [a.user.username for a in e.approvals] == ["approver1"]
        assert second == "记-2026-03-0002" and april == "记-2026-04-0001"
        tb = {r.code: (r.debit_fen, r.credit_fen) for r in reports.trial_balance(s, book).rows}
        assert tb == {"1002": (133336, 0), "4101": (0, 123456), "4202": (0, 9880)}
        as_of = {r.code: r.balance_fen for r in reports.trial_balance(s, book, D(2026, 3, 31)).rows}
        assert as_of == {"1002": 132336, "4101": -123456, "4202": -8880}
        assert verify_book(s, book).ok
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.book_id == book.id))]
        assert {"entry.create", "entry.submit", "entry.approve", "entry.post"} <= set(actions)


def test_the_maker_can_never_approve_their_own_entry(ledger):
    entry_id = make(ledger, *FEE)
    err = refused(ledger, errors.SelfApproval, lambda s: entries.approve_entry(
        s, ledger.user(s, "maker"), ledger.book(s), entries.get_entry(s, ledger.book(s), entry_id)))
    assert "制单人" in err.message_zh
    # ...not even a committee member who made it
    own = make(ledger, *FEE, maker="approver1")
    refused(ledger, errors.SelfApproval, lambda s: entries.approve_entry(
        s, ledger.user(s, "approver1"), ledger.book(s), entries.get_entry(s, ledger.book(s), own)))


def test_above_the_threshold_two_different_approvers_are_needed(ledger):
    big = (("5107", "GEN", "10000.01"), ("1002", "GEN", "-10000.01"))
    ledger.post(D(2026, 3, 1), "期初", ("1002", "GEN", "50000.00"), ("3101", "GEN", "-50000.00"))
    entry_id = make(ledger, *big)
    act(ledger, "approve_entry", "approver1", entry_id)
    with ledger.tx() as s:
        assert entries.get_entry(s, ledger.book(s), entry_id).status == "submitted"
    refused(ledger, errors.DuplicateApproval, lambda s: entries.approve_entry(
        s, ledger.user(s, "approver1"), ledger.book(s), entries.get_entry(s, ledger.book(s), entry_id)))
    act(ledger, "approve_entry", "approver2", entry_id)
    with ledger.tx() as s:
        e = entries.get_entry(s, ledger.book(s), entry_id)
        assert e.status == "posted" and len(e.approvals) == 2
    # exactly the threshold needs one
    at = make(ledger, ("5107", "GEN", "10000.00"), ("1002", "GEN", "-10000.00"))
    act(ledger, "approve_entry", "approver1", at)
    with ledger.tx() as s:
        assert entries.get_entry(s, ledger.book(s), at).status == "posted"


def test_rejection_needs_a_reason_and_the_maker_can_fix_and_resubmit(ledger):
    entry_id = make(ledger, *FEE)
    refused(ledger, errors.InvalidInput, lambda s: entries.reject_entry(
        s, ledger.user(s, "approver1"), ledger.book(s), entries.get_entry(s, ledger.book(s), entry_id), " "))
    act(ledger, "reject_entry", "approver1", entry_id, "金额与银行回单不符")
    with ledger.tx() as s:
        e = entries.get_entry(s, ledger.book(s), entry_id)
        assert (e.status, e.rejected_reason) == ("rejected", "金额与银行回单不符")
        entries.update_draft(s, ledger.user(s, "maker"), ledger.book(s), e,
                             ledger.entry_input(D(2026, 3, 5), "收3月物业费（更正）", ("1002", "GEN", "1243.56"), ("4101", "GEN", "-1243.56")))
    act(ledger, "submit_entry", "maker", entry_id)
    act(ledger, "approve_entry", "approver2", entry_id)
    with ledger.tx() as s:
        e = entries.get_entry(s, ledger.book(s), entry_id)
        assert e.status == "posted" and e.total_debit_fen == 124356 and e.summary.endswith("（更正）")


def test_a_second_approver_can_send_back_a_half_approved_entry_and_it_is_approved_afresh(ledger):
    """approver1 says yes, approver2 says no; submitted again unchanged, approver1's first yes no longer counts:
    two fresh approvals post it, and only they are in its signed chain."""
    big = (("5107", "GEN", "12000.00"), ("1002", "GEN", "-12000.00"))
    ledger.post(D(2026, 3, 1), "期初", ("1002", "GEN", "50000.00"), ("3101", "GEN", "-50000.00"))
    entry_id = make(ledger, *big)
    act(ledger, "approve_entry", "approver1", entry_id)
    act(ledger, "reject_entry", "approver2", entry_id, "报价单未附")
    act(ledger, "submit_entry", "maker", entry_id)
    act(ledger, "approve_entry", "approver1", entry_id)  # a new yes to the new submission, not a duplicate
    with ledger.tx() as s:
        e = entries.get_entry(s, ledger.book(s), entry_id)
        assert e.status == "submitted" and len(e.approvals) == 2
    refused(ledger, errors.DuplicateApproval, lambda s: entries.approve_entry(
        s, ledger.user(s, "approver1"), ledger.book(s), entries.get_entry(s, ledger.book(s), entry_id)))
    act(ledger, "approve_entry", "approver2", entry_id)
    with ledger.tx() as s:
        e = entries.get_entry(s, ledger.book(s), entry_id)
        assert e.status == "posted" and len(e.approvals) == 3
        assert verify_book(s, ledger.book(s)).ok
        posted = [h for h in history.iter_posted(s, ledger.book(s))
                  if h.number == e.number][0]
        assert sorted(posted.approvers) == ["approver1", "approver2"]


def test_reversal_is_a_new_entry_linked_both_ways(ledger):
    number = ledger.post(D(2026, 3, 5), "支付保洁费", ("5101", "GEN", "16843.50"), ("1002", "GEN", "-16843.50"))
    with ledger.tx() as s:
        book = ledger.book(s)
        original = entries.get_entry_by_number(s, book, number)
        reversal = entries.reverse_entry(s, ledger.user(s, "maker"), book, original, date=D(2026, 3, 20))
        reversal_id, original_id = reversal.id, original.id
        assert reversal.status == "submitted" and reversal.reverses_id == original.id
    for name in ("approver1", "approver2"):
        act(ledger, "approve_entry", name, reversal_id)
    with ledger.tx() as s:
        book = ledger.book(s)
        original = entries.get_entry(s, book, original_id)
        reversal = entries.get_entry(s, book, reversal_id)
        assert reversal.number == "记-2026-03-0002" and reversal.summary.startswith("冲销 记-2026-03-0001")
        assert original.reversed_by.id == reversal.id and reversal.reverses.id == original.id
        assert original.status == "posted"  # the original is untouched
        assert [(l.account.code, l.amount_fen) for l in reversal.lines] == [("5101", -1684350), ("1002", 1684350)]
        assert {r.code: r.balance_fen for r in reports.trial_balance(s, book).rows} == {"1002": 0, "5101": 0}
    refused(ledger, errors.InvalidState, lambda s: entries.reverse_entry(
        s, ledger.user(s, "maker"), ledger.book(s), entries.get_entry(s, ledger.book(s), original_id), date=D(2026, 3, 21)))


def test_idempotency_key_posts_once_and_refuses_different_content(ledger):
    first = make(ledger, *FEE, key="bank-2026-03-05-001")
    again = make(ledger, *FEE, key="bank-2026-03-05-001")
    assert first == again
    with ledger.tx() as s:
        assert s.scalar(select(func.count()).select_from(Entry)) == 1
    err = refused(ledger, errors.IdempotencyConflict, lambda s: entries.create_entry(
        s, ledger.user(s, "maker"), ledger.book(s),
        ledger.entry_input(D(2026, 3, 5), "收3月物业费", ("1002", "GEN", "1.00"), ("4101", "GEN", "-1.00"), key="bank-2026-03-05-001")))
    assert err.field == "idempotency_key"


def test_import_with_a_used_key_posts_nothing_more(ledger):
    from ledger.services.users import system_user

    data = [ledger.entry_input(D(2026, 3, 5), "导入", *FEE, key="k1"), ledger.entry_input(D(2026, 3, 6), "导入2", *FEE, key="k2")]
    with ledger.tx() as s:
        result = entries.post_imported(s, system_user(s), ledger.book(s), data)
        assert (result.posted, result.skipped) == (2, 0)
    with ledger.tx() as s:
        result = entries.post_imported(s, system_user(s), ledger.book(s), data)
        assert (result.posted, result.skipped) == (0, 2)
        assert s.scalar(select(func.count()).select_from(Entry).where(Entry.status == "posted")) == 2
    refused(ledger, errors.PermissionDenied, lambda s: entries.post_imported(s, ledger.user(s, "approver1"), ledger.book(s), data))


def test_an_import_spends_a_restricted_fund_from_what_it_received_earlier_in_the_same_file(ledger):
    """An import writes its entries in batches: a spend must see the receipts stamped before it, unwritten yet."""
    from ledger.services.users import system_user

    receipt = (("1002", "REPAIR", "300.00"), ("4202", "REPAIR", "-300.00"))
    data = [ledger.entry_input(D(2026, 3, 5), "停车收益转入维修储备金", *receipt, key="r1"),
            ledger.entry_input(D(2026, 3, 5), "维修", ("5107", "REPAIR", "100.00"), ("1002", "REPAIR", "-100.00"), key="s1"),
            ledger.entry_input(D(2026, 3, 9), "维修", ("5107", "REPAIR", "200.00"), ("1002", "REPAIR", "-200.00"), key="s2")]
    with ledger.tx() as s:
        assert entries.post_imported(s, system_user(s), ledger.book(s), data).posted == 3
    too_much = [ledger.entry_input(D(2026, 3, 10), "停车收益", *receipt, key="r2"),
                ledger.entry_input(D(2026, 3, 11), "维修", ("5107", "REPAIR", "300.01"), ("1002", "REPAIR", "-300.01"),
                                   key="s3")]
    err = refused(ledger, errors.RestrictedFundOverdrawn,
                  lambda s: entries.post_imported(s, system_user(s), ledger.book(s), too_much))
    assert "holds 300.00" in err.message_en


def test_restricted_fund_can_never_spend_more_than_it_holds(ledger):
    ledger.post(D(2026, 3, 1), "提取维修储备金", ("1002", "REPAIR", "5000.00"), ("3102", "REPAIR", "-5000.00"))
    ledger.post(D(2026, 3, 2), "期初", ("1002", "GEN", "90000.00"), ("3101", "GEN", "-90000.00"))
    over = make(ledger, ("5107", "REPAIR", "5000.01"), ("1002", "REPAIR", "-5000.01"))
    err = refused(ledger, errors.RestrictedFundOverdrawn, lambda s: entries.approve_entry(
        s, ledger.user(s, "approver1"), ledger.book(s), entries.get_entry(s, ledger.book(s), over)))
    assert "5000.00" in err.message_zh and "REPAIR" in err.message_en
    ledger.post(D(2026, 3, 3), "屋面维修", ("5107", "REPAIR", "5000.00"), ("1002", "REPAIR", "-5000.00"))
    with ledger.tx() as s:
        cash = {f.code: f.cash_fen for f in reports.fund_balances(s, ledger.book(s))}
        assert cash == {"GEN": 9000000, "REPAIR": 0}


def test_moving_money_between_funds_goes_through_due_to_and_due_from(ledger):
    ledger.post(D(2026, 3, 2), "期初", ("1002", "GEN", "900.00"), ("3101", "GEN", "-900.00"))
    ledger.post(D(2026, 3, 3), "借支维修储备金", ("1141", "GEN", "300.00"), ("1002", "GEN", "-300.00"),
                ("1002", "REPAIR", "300.00"), ("2251", "REPAIR", "-300.00"))
    with ledger.tx() as s:
        funds = {f.code: (f.cash_fen, f.net_assets_fen) for f in reports.fund_balances(s, ledger.book(s))}
        assert funds == {"GEN": (60000, 90000), "REPAIR": (30000, 0)}


def test_nothing_posts_into_a_closed_period_and_closing_waits_for_approvals(ledger):
    waiting = make(ledger, *FEE)
    err = refused(ledger, errors.PeriodNotReady, lambda s: periods.close_period(s, ledger.user(s, "approver1"), ledger.book(s), 2026, 3))
    assert "1" in err.message_zh
    act(ledger, "approve_entry", "approver1", waiting)
    draft = make(ledger, *FEE, submit=False)
    ledger.close(2026, 3)
    refused(ledger, errors.PeriodClosed, lambda s: entries.create_entry(
        s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(D(2026, 3, 31), "补录", *FEE)))
    refused(ledger, errors.PeriodClosed, lambda s: entries.submit_entry(
        s, ledger.user(s, "maker"), ledger.book(s), entries.get_entry(s, ledger.book(s), draft)))
    refused(ledger, errors.PeriodClosed, lambda s: periods.close_period(s, ledger.user(s, "approver1"), ledger.book(s), 2026, 3))
    # the mistake is corrected in the open period instead
    refused(ledger, errors.PeriodClosed, lambda s: entries.reverse_entry(
        s, ledger.user(s, "maker"), ledger.book(s), entries.get_entry(s, ledger.book(s), waiting), date=D(2026, 3, 31)))
    with ledger.tx() as s:
        r = entries.reverse_entry(s, ledger.user(s, "maker"), ledger.book(s), entries.get_entry(s, ledger.book(s), waiting), date=D(2026, 4, 2))
    act(ledger, "approve_entry", "approver1", r.id)
    with ledger.tx() as s:
        assert entries.get_entry(s, ledger.book(s), r.id).number == "记-2026-04-0001"


def test_approving_an_entry_whose_period_was_closed_meanwhile_is_refused(ledger):
    entry_id = make(ledger, *FEE, submit=False)
    ledger.close(2026, 3)
    refused(ledger, errors.PeriodClosed, lambda s: entries.submit_entry(
        s, ledger.user(s, "maker"), ledger.book(s), entries.get_entry(s, ledger.book(s), entry_id)))


@pytest.mark.parametrize("who, action", [
    ("reader", "make"), ("watcher", "make"), ("outsider", "make"),
    ("maker", "approve"), ("clerk", "approve"), ("reader", "approve"), ("watcher", "approve"), ("outsider", "approve"),
    ("maker", "close"), ("reader", "close"), ("clerk", "close"),
    ("reader", "reject"), ("clerk", "reject"), ("reader", "chart"), ("clerk", "chart"), ("watcher", "chart"),
])
def test_roles_are_checked_by_the_services(ledger, who, action):
    entry_id = make(ledger, *FEE, maker="approver2")

    def attempt(s):
        book, user = ledger.book(s), ledger.user(s, who)
        if action == "make":
            entries.create_entry(s, user, book, ledger.entry_input(D(2026, 3, 5), "x", *FEE))
        elif action == "approve":
            entries.approve_entry(s, user, book, entries.get_entry(s, book, entry_id))
        elif action == "reject":
            entries.reject_entry(s, user, book, entries.get_entry(s, book, entry_id), "no")
        elif action == "close":
            periods.close_period(s, user, book, 2026, 2)
        else:
            books.add_account(s, user, book, "5120", "新科目", "New", "expense")

    err = refused(ledger, errors.PermissionDenied, attempt)
    assert "T1" in err.message_zh


@pytest.mark.parametrize("lines, error, field", [
    ((("1002", "GEN", "1.00"), ("4101", "GEN", "-0.99")), errors.UnbalancedEntry, "lines"),
    ((("1002", "GEN", "1.00"), ("4101", "REPAIR", "-1.00")), errors.FundUnbalanced, "lines[0].fund"),
    ((("9999", "GEN", "1.00"), ("4101", "GEN", "-1.00")), errors.UnknownAccount, "lines[0].account"),
    ((("1002", "GEN", "1.00"), ("4101", "NOPE", "-1.00")), errors.FundUnbalanced, "lines[0].fund"),
    ((("1002", "NOPE", "1.00"), ("4101", "NOPE", "-1.00")), errors.UnknownFund, "lines[0].fund"),
])
def test_bad_entries_are_refused_with_the_field_at_fault(ledger, lines, error, field):
    err = refused(ledger, error, lambda s: entries.create_entry(
        s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(D(2026, 3, 5), "x", *lines)))
    assert err.field == field


def test_malformed_amounts_are_refused_before_anything_is_written(ledger):
    from ledger.domain.model import line_from_parts

    for bad in ("12.345", "十二", 12.5):
        with pytest.raises(errors.InvalidAmount):
            line_from_parts(0, "1002", "GEN", debit=bad)


def test_accounts_are_deactivated_never_deleted_once_used(ledger):
    ledger.post(D(2026, 3, 5), "收物业费", *FEE)
    with ledger.tx() as s:
        book, treasurer = ledger.book(s), ledger.user(s, "maker")
        books.add_account(s, treasurer, book, "5120", "门禁维护费", "Access control upkeep", "expense")
        books.rename_account(s, treasurer, book, "4101", "物业服务费收入", "Property service fee income")
    refused(ledger, errors.InvalidInput, lambda s: books.delete_account(s, ledger.user(s, "maker"), ledger.book(s), "4101"))
    with ledger.tx() as s:
        books.delete_account(s, ledger.user(s, "maker"), ledger.book(s), "5120")  # never used: may go
        books.set_account_active(s, ledger.user(s, "maker"), ledger.book(s), "4101", False)
    err = refused(ledger, errors.InactiveAccount, lambda s: entries.create_entry(
        s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(D(2026, 3, 6), "x", *FEE)))
    assert err.field == "lines[1].account"
    with ledger.tx() as s:
        rows = {r.code: r.name_zh for r in reports.trial_balance(s, ledger.book(s)).rows}
        assert rows["4101"] == "物业服务费收入"
        assert verify_book(s, ledger.book(s)).ok  # renaming does not touch the chain


def test_a_new_book_gets_its_kinds_chart(sessions):
    from ledger.db.engine import transaction
    from ledger.services.users import system_user

    with transaction(sessions) as s:
        admin = system_user(s)
        trust = books.create_book(s, admin, "JC", "锦城花园", "Jincheng Garden", "trust", first_month=(2025, 1))
        fund = books.create_book(s, admin, "YL", "玉林社区基金", "Yulin fund", "community_fund")
        found = books.create_book(s, admin, "FD", "成都社区发展基金会", "Chengdu foundation", "foundation")
        codes = {a.code: a for a in books.accounts_of(s, trust)}
        assert codes["1002"].name_zh == "银行存款—共管账户" and codes["1002"].cash
        assert codes["1122"].name_zh == "应收物业费" and codes["4101"].name_zh == "物业费收入"
        assert codes["4201"].name_zh == "公共收益—广告" and codes["5106"].name_zh == "受托人酬金"
        assert {f.code: f.restricted for f in books.funds_of(s, trust)} == {"GEN": False, "REPAIR": True}
        assert "4402" in {a.code for a in books.accounts_of(s, fund)}
        assert "5401" in {a.code for a in books.accounts_of(s, found)}
        assert all(a.name_en for a in books.accounts_of(s, found))
    with pytest.raises(errors.DuplicateCode):
        with transaction(sessions) as s:
            books.create_book(s, system_user(s), "JC", "重复", "dup", "trust")
    with pytest.raises(errors.InvalidInput) as info:
        with transaction(sessions) as s:
            books.create_book(s, system_user(s), "XX", "错", "bad", "company")
    assert info.value.field == "kind"


def test_a_second_reversal_is_refused_even_with_a_new_key(ledger):
    number = ledger.post(D(2026, 3, 5), "支付绿化费", ("5103", "GEN", "4380.00"), ("1002", "GEN", "-4380.00"))
    with ledger.tx() as s:
        original = entries.get_entry_by_number(s, ledger.book(s), number)
        first = entries.reverse_entry(s, ledger.user(s, "maker"), ledger.book(s), original, date=D(2026, 3, 9), idempotency_key="rev-1")
        again = entries.reverse_entry(s, ledger.user(s, "maker"), ledger.book(s), original, date=D(2026, 3, 9), idempotency_key="rev-1")
        assert again.id == first.id
    refused(ledger, errors.InvalidState, lambda s: entries.reverse_entry(
        s, ledger.user(s, "maker"), ledger.book(s), entries.get_entry_by_number(s, ledger.book(s), number),
        date=D(2026, 3, 9), idempotency_key="rev-2"))


def test_the_close_checklist_wants_vouchers_or_reasons_and_a_matching_bank_statement(ledger):
    ledger.post(D(2026, 3, 1), "期初", ("1002", "GEN", "20000.00"), ("3101", "GEN", "-20000.00"))
    cleaning = ledger.post(D(2026, 3, 25), "支付保洁费", ("5101", "GEN", "16843.50"), ("1002", "GEN", "-16843.50"))
    with ledger.tx() as s:
        check = periods.checklist(s, ledger.book(s), 2026, 3)
        assert [e.number for e in check.missing_vouchers] == [cleaning]
        assert [(b.account.code, b.book_fen, b.statement_fen) for b in check.banks] == [("1002", 315650, None)]
        assert not check.ready
    err = refused(ledger, errors.PeriodNotReady, lambda s: periods.close_period(s, ledger.user(s, "approver1"), ledger.book(s), 2026, 3))
    assert cleaning in err.message_zh and "neither a voucher nor a recorded reason" in err.message_en
    with ledger.tx() as s:
        book, treasurer = ledger.book(s), ledger.user(s, "maker")
        periods.waive_voucher(s, treasurer, book, entries.get_entry_by_number(s, book, cleaning), "发票随月度结算单寄出，下月补附")
        periods.record_bank_balance(s, treasurer, book, 2026, 3, "1002", 315600)  # a typo, 0.50 short
    err = refused(ledger, errors.PeriodNotReady, lambda s: periods.close_period(s, ledger.user(s, "approver1"), ledger.book(s), 2026, 3))
    assert "3156.50" in err.message_en and "3156.00" in err.message_en
    with ledger.tx() as s:
        periods.record_bank_balance(s, ledger.user(s, "maker"), ledger.book(s), 2026, 3, "1002", 315650)
        assert periods.checklist(s, ledger.book(s), 2026, 3).ready
        periods.close_period(s, ledger.user(s, "approver1"), ledger.book(s), 2026, 3)
    refused(ledger, errors.PeriodClosed, lambda s: periods.record_bank_balance(
        s, ledger.user(s, "maker"), ledger.book(s), 2026, 3, "1002", 1))
    refused(ledger, errors.InvalidInput, lambda s: periods.record_bank_balance(
        s, ledger.user(s, "maker"), ledger.book(s), 2026, 4, "4101", 1))


def test_trial_balance_as_of_any_date_equals_summing_the_lines_by_hand(ledger):
    amounts = ["88.80", "1234.56", "16843.50", "0.01", "999.99", "4380.00"]
    for i, amount in enumerate(amounts):
        ledger.post(D(2026, 1 + i, 10 + i), f"收入{i}", ("1002", "GEN", amount), ("4202", "GEN", "-" + amount))
    make(ledger, ("1002", "GEN", "5.00"), ("4202", "GEN", "-5.00"), date=D(2026, 2, 1))  # waiting: never counted
    make(ledger, ("1002", "GEN", "7.00"), ("4202", "GEN", "-7.00"), date=D(2026, 3, 1), submit=False)
    with ledger.tx() as s:
        book = ledger.book(s)
        for as_of in [None, D(2025, 12, 31), D(2026, 1, 10), D(2026, 2, 28), D(2026, 4, 13), D(2026, 6, 15)]:
            expected = sum(to_fen for d, to_fen in [(D(2026, 1 + i, 10 + i), int(a.replace(".", ""))) for i, a in enumerate(amounts)]
                           if as_of is None or d <= as_of)
            rows = {r.code: r.balance_fen for r in reports.trial_balance(s, book, as_of).rows}
            assert rows == ({"1002": expected, "4202": -expected} if expected else {}), as_of
