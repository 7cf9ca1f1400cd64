"""The one table of who may do what (ledger/domain/permissions.py)."""
from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from ledger.domain.errors import DuplicateApproval, InvalidState, PermissionDenied, SelfApproval
from ledger.domain.model import Role
from ledger.domain.permissions import ROLES, WHAT, Action, decide


def entry(status="submitted", maker=1, editors=(), approvers=(), reversed_by=None, earlier_approvers=(), unsigned=()):
    """`earlier_approvers` approved an earlier submission (before the entry was sent back and submitted again: its
    digest named another round); `unsigned` have a row without a signature (written by SQL)."""
    return NS(status=status, maker_id=maker, number="记-2026-03-0001", reversed_by=reversed_by, attachments=[],
              submit_digest="d2", makers=[NS(user_id=u) for u in (maker, *editors)],
              approvals=[NS(user_id=u, content_digest="d2", signature="s") for u in approvers]
              + [NS(user_id=u, content_digest="d1", signature="s") for u in earlier_approvers]
              + [NS(user_id=u, content_digest="d2", signature=None) for u in unsigned])


def test_every_action_is_in_the_table_and_can_be_named():
    assert set(ROLES) == set(Action) == set(WHAT)


@pytest.mark.parametrize("action", list(Action))
def test_a_viewer_may_only_read(action):
    refusal = decide(action, frozenset({Role.VIEWER}), False, 9, "T1")
    # ... and score a grant application, when named its reviewer (an outside expert has only `viewer`; which
    # applications they may score is the programme's list of reviewers, decided per application)
    assert (refusal is None) == (action in (Action.READ_BOOK, Action.REVIEW_GRANT))
    if refusal:
        assert refusal.kind is PermissionDenied and "T1" in refusal.message_zh or "管理员" in refusal.message_zh


def test_nobody_approves_what_they_made_or_edited_not_even_an_administrator():
    committee = frozenset({Role.COMMITTEE})
    assert decide(Action.APPROVE_ENTRY, committee, False, 2, "T1", entry()) is None
    assert decide(Action.APPROVE_ENTRY, committee, False, 2, "T1", entry(editors=(2,))).kind is SelfApproval
    assert decide(Action.APPROVE_ENTRY, frozenset(), True, 1, "T1", entry()).kind is SelfApproval
    # ... and the maker hears that reason even without an approver's role.
    assert decide(Action.APPROVE_ENTRY, frozenset({Role.TREASURER}), False, 1, "T1", entry()).kind is SelfApproval
    assert decide(Action.APPROVE_ENTRY, committee, False, 2, "T1", entry(approvers=(2,))).kind is DuplicateApproval
    assert decide(Action.APPROVE_ENTRY, committee, False, 2, "T1", entry(status="rejected")).kind is InvalidState


def test_an_entry_sent_back_after_a_first_approval_is_approved_again_when_submitted_again():
    committee = frozenset({Role.COMMITTEE})
    assert decide(Action.REJECT_ENTRY, committee, False, 3, "T1", entry(approvers=(2,))) is None
    assert decide(Action.APPROVE_ENTRY, committee, False, 2, "T1", entry(earlier_approvers=(2,))) is None
    assert decide(Action.APPROVE_ENTRY, committee, False, 2, "T1", entry(unsigned=(2,))) is None


def test_an_entry_once_approved_is_never_deleted():
    treasurer = frozenset({Role.TREASURER})
    assert decide(Action.DELETE_ENTRY, treasurer, False, 1, "T1", entry(status="rejected")) is None
    refusal = decide(Action.DELETE_ENTRY, treasurer, False, 1, "T1", entry(status="rejected", earlier_approvers=(2,)))
    assert refusal.kind is InvalidState and "approved" in refusal.message_en


def test_only_the_maker_edits_a_draft_and_only_while_it_is_editable():
    treasurer = frozenset({Role.TREASURER})
    assert decide(Action.EDIT_ENTRY, treasurer, False, 1, "T1", entry(status="draft")) is None
    assert decide(Action.EDIT_ENTRY, treasurer, False, 5, "T1", entry(status="draft")).kind is InvalidState
    assert decide(Action.EDIT_ENTRY, frozenset(), True, 5, "T1", entry(status="rejected")) is None
    assert decide(Action.EDIT_ENTRY, treasurer, False, 1, "T1", entry(status="submitted")).kind is InvalidState


def test_a_fund_manager_stands_where_the_committee_stands_in_a_fund_book():
    fm = frozenset({Role.FUND_MANAGER})
    for action in (Action.APPROVE_ENTRY, Action.CLOSE_PERIOD, Action.SEE_ORIGINALS, Action.READ_AUDIT, Action.REDACT_VOUCHER):
        assert decide(action, fm, False, 3, "YLSQ") is None, action
    assert decide(Action.RAISE_FLAG, fm, False, 3, "YLSQ").kind is PermissionDenied


def test_a_trustee_attaches_vouchers_to_its_own_entries_only():
    trustee = frozenset({Role.TRUSTEE})
    assert decide(Action.ATTACH_VOUCHER, trustee, False, 1, "T1", entry(status="draft")) is None
    assert decide(Action.ATTACH_VOUCHER, trustee, False, 4, "T1", entry(status="draft")).kind is PermissionDenied
    assert decide(Action.ATTACH_VOUCHER, frozenset({Role.TREASURER}), False, 4, "T1", entry(status="draft")) is None


def test_a_deactivated_account_may_do_nothing():
    assert decide(Action.READ_BOOK, frozenset(Role), True, 1, "T1", active=False).kind is PermissionDenied
