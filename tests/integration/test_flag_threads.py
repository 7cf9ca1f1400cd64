"""A flag is a conversation: the supervisor asks, the committee answers, the supervisor asks again or closes
it when satisfied; every message is kept, and a closed flag says who closed it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from ledger.db.schema import AuditEvent, Flag, FlagReply
from ledger.domain.errors import InvalidState, PermissionDenied
from ledger.services import entries, flags

from ..conftest import D


@pytest.fixture
def flagged(ledger):
    """A posted cleaning payment and the supervisor's question about it; returns (entry id, flag id)."""
    number = ledger.post(D(2026, 3, 25), "支付保洁费", ("5101", "GEN", "16843.50"), ("1002", "GEN", "-16843.50"))
    with ledger.tx() as s:
        book = ledger.book(s)
        for name, display in [("watcher", "信托监察人 刘志强"), ("approver1", "业委会主任 张建国")]:
            ledger.user(s, name).display_name = display
        entry = entries.get_entry_by_number(s, book, number)
        flag = flags.raise_flag(s, ledger.user(s, "watcher"), book, entry, "合同每月16,500元，为何多付343.50元？")
        return entry.id, flag.id


def _flag(ledger, flag_id):
    with ledger.tx() as s:
        flag = s.get(Flag, flag_id)
        return flag.answer, flag.closed_at is not None, [(r.kind, r.text) for r in flag.replies]


def test_the_supervisor_asks_again_and_closes_when_satisfied_through_the_pages(ledger, flagged, sign_in):
    entry_id, flag_id = flagged
    supervisor, member = sign_in("watcher"), sign_in("approver1")
    listing = member.get("/books/T1/flags").text
    assert "待回复" in listing and f"/books/T1/flags/{flag_id}/answer" in listing
    assert f"/flags/{flag_id}/close" not in listing and f"/flags/{flag_id}/follow-up" not in listing  # not the committee's
    member.post(f"/books/T1/flags/{flag_id}/answer", {"answer": "含外墙清洗343.50元"}, page="/books/T1/flags")
    page = supervisor.get("/books/T1/flags").text
    assert "已回复，待监察人确认" in page and "含外墙清洗343.50元" in page
    assert f"/flags/{flag_id}/follow-up" in page and f"/flags/{flag_id}/close" in page
    assert f"/flags/{flag_id}/answer" not in supervisor.get("/books/T1/flags").text
    response = supervisor.post(f"/books/T1/flags/{flag_id}/follow-up", {"text": "请附补充协议扫描件"}, page="/books/T1/flags")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/books/T1/flags#flag-{flag_id}")
    page = member.get("/books/T1/flags?open=1").text
    assert "请附补充协议扫描件" in page and "含外墙清洗343.50元" in page and "待回复" in page  # the thread stays
    member.post(f"/books/T1/flags/{flag_id}/answer", {"answer": "补充协议已上传"}, page="/books/T1/flags")
    # Closing is for good: without the tick nothing closes, and the page says why
    supervisor.post(f"/books/T1/flags/{flag_id}/close", {"note": "已核对"}, page="/books/T1/flags")
    assert not _flag(ledger, flag_id)[1]
    assert "标记没有关闭" in supervisor.get("/books/T1/flags").text
    supervisor.post(f"/books/T1/flags/{flag_id}/close", {"note": "已核对", "confirm": "yes"}, page="/books/T1/flags")
    assert _flag(ledger, flag_id)[1]
    page = member.get("/books/T1/flags").text
    closed = re.search(r'data-testid="closed-by">(.*?)</small>', page).group(1)
    assert "信托监察人 刘志强" in closed and "关闭" in closed
    assert [k for k, _ in _flag(ledger, flag_id)[2]] == ["answer", "follow_up", "answer", "close"]
    assert f"/flags/{flag_id}/answer" not in page and f"/flags/{flag_id}/close" not in page  # nothing more to do
    assert "已关闭" in page and "已核对" in page
    assert f"flag-{flag_id}" not in member.get("/books/T1/flags?open=1").text  # "not yet closed" leaves it out
    audit = supervisor.get("/books/T1/audit?action=flag").text
    assert "追问监察标记" in audit and "关闭监察标记" in audit and "信托监察人 刘志强" in audit


def test_who_may_follow_up_close_and_answer(ledger, flagged):
    _, flag_id = flagged
    with ledger.tx() as s:
        book = ledger.book(s)
        flag = flags.get_flag(s, book, flag_id)
        for name in ("approver1", "maker", "reader", "clerk"):  # the committee cannot close the supervisor's question
            with pytest.raises(PermissionDenied):
                flags.close_flag(s, ledger.user(s, name), book, flag)
            with pytest.raises(PermissionDenied):
                flags.follow_up_flag(s, ledger.user(s, name), book, flag, "再问")
        for name in ("watcher", "reader"):
            with pytest.raises(PermissionDenied):
                flags.answer_flag(s, ledger.user(s, name), book, flag, "答复")
    with ledger.tx() as s:  # a committee member's own flag: they follow it up and close it themselves
        book = ledger.book(s)
        own = flags.raise_flag(s, ledger.user(s, "approver2"), book, flags.get_flag(s, book, flag_id).entry, "发票抬头？")
        flags.answer_flag(s, ledger.user(s, "maker"), book, own, "抬头为业委会")
        flags.close_flag(s, ledger.user(s, "approver2"), book, own)
        assert own.closed_by.username == "approver2"


def test_a_closed_flag_takes_nothing_more_and_an_answered_one_no_second_answer(ledger, flagged):
    _, flag_id = flagged
    with ledger.tx() as s:
        book = ledger.book(s)
        flags.answer_flag(s, ledger.user(s, "approver1"), book, flags.get_flag(s, book, flag_id), "已答")
    with pytest.raises(InvalidState):
        with ledger.tx() as s:
            book = ledger.book(s)
            flags.answer_flag(s, ledger.user(s, "maker"), book, flags.get_flag(s, book, flag_id), "再答")
    with ledger.tx() as s:
        book = ledger.book(s)
        flags.close_flag(s, ledger.user(s, "watcher"), book, flags.get_flag(s, book, flag_id), "满意")
    for act in (lambda s, b, f: flags.close_flag(s, ledger.user(s, "watcher"), b, f),
                lambda s, b, f: flags.follow_up_flag(s, ledger.user(s, "watcher"), b, f, "再问"),
                lambda s, b, f: flags.answer_flag(s, ledger.user(s, "approver1"), b, f, "再答")):
        with pytest.raises(InvalidState):
            with ledger.tx() as s:
                book = ledger.book(s)
                act(s, book, flags.get_flag(s, book, flag_id))
    assert _flag(ledger, flag_id)[2] == [("answer", "已答"), ("close", "满意")]


def test_closing_and_following_up_at_once_decide_in_turn(ledger, flagged):
    """Both acts load the flag, then take the book's lock: the one that waited re-reads and sees the other's."""
    _, flag_id = flagged
    with ledger.tx() as s:
        book = ledger.book(s)
        flags.answer_flag(s, ledger.user(s, "approver1"), book, flags.get_flag(s, book, flag_id), "已答")
    first, second = ledger.sessions(), ledger.sessions()
    try:
        book2 = ledger.book(second)
        flag2 = flags.get_flag(second, book2, flag_id)
        second.commit()  # the follow-up page was shown with the flag answered and open
        book1 = ledger.book(first)
        flags.close_flag(first, ledger.user(first, "watcher"), book1, flags.get_flag(first, book1, flag_id), "满意")
        first.commit()
        assert flag2.closed_at is None  # what the second page still believes
        with pytest.raises(InvalidState):
            flags.follow_up_flag(second, ledger.user(second, "watcher"), book2, flag2, "再问")
        second.rollback()
    finally:
        first.close()
        second.close()
    assert [k for k, _ in _flag(ledger, flag_id)[2]] == ["answer", "close"]


def test_replies_are_append_only_in_the_database(ledger, flagged, engine):
    _, flag_id = flagged
    with ledger.tx() as s:
        book = ledger.book(s)
        flags.answer_flag(s, ledger.user(s, "approver1"), book, flags.get_flag(s, book, flag_id), "已答")
    for sql in ("UPDATE flag_replies SET text = '改过'", "DELETE FROM flag_replies"):
        with pytest.raises(DBAPIError) as info:
            with engine.begin() as conn:
                conn.execute(text(sql))
        assert "append-only" in str(info.value)
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError):
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE flag_replies"))
    with ledger.tx() as s:
        assert s.scalar(select(func.count()).select_from(FlagReply)) == 1
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "flag.answer")) == 1


def test_answers_given_before_the_migration_open_their_threads(db_url):
    """0006 turns each answer into the first reply of its flag's thread."""
    from alembic import command

    from ledger.db.engine import make_engine
    from ledger.db.migrate import alembic_config, upgrade
    from ledger.db.guards import expected_guards, installed_guards

    engine = make_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
        conn.execute(text("INSERT INTO users (id, username, display_name, password_hash, is_admin, active, created_at, session_version) "
                          "VALUES (901, 'w', 'w', 'x', false, true, '2026-03-01', 0)"))
        conn.execute(text("INSERT INTO books (id, code, name_zh, name_en, kind, approval_threshold_fen, created_at, start_date) "
                          "VALUES (901, 'OLD', '旧账', 'Old', 'trust', 1000000, '2026-03-01', '2026-03-01')"))
        conn.execute(text("INSERT INTO periods (id, book_id, year, month, status) VALUES (901, 901, 2026, 3, 'open')"))
        conn.execute(text("INSERT INTO entries (id, book_id, period_id, date, summary, status, source, maker_id, created_at) "
                          "VALUES (901, 901, 901, '2026-03-05', 'x', 'draft', 'manual', 901, '2026-03-05')"))
        conn.execute(text("INSERT INTO flags (book_id, entry_id, raised_by_id, raised_at, comment, answer, answered_by_id, answered_at) "
                          "VALUES (901, 901, 901, '2026-03-06', '问', '答', 901, '2026-03-07')"))
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT kind, text, author_id FROM flag_replies")).all() == [("answer", "答", 901)]
        assert conn.execute(text("SELECT closed_at FROM flags")).scalar_one() is None
        assert expected_guards(engine.dialect.name) <= installed_guards(conn)
    engine.dispose()
