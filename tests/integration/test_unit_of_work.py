"""What happens to a transaction's files when a SAVEPOINT inside it rolls back: nothing (found by the demo, where
a refused approval inside a savepoint took the month's voucher copies with it)."""
from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from ledger.services.unit_of_work import when_transaction_ends


def test_a_savepoint_rolled_back_leaves_the_transactions_files_and_the_commit_keeps_them(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    heard = []
    with Session(engine) as s:
        s.execute(text("SELECT 1"))
        when_transaction_ends(s, committed=lambda: heard.append("committed"), rolled_back=lambda: heard.append("gone"))
        try:
            with s.begin_nested():
                raise ValueError("a refused step")
        except ValueError:
            pass
        assert heard == []
        s.commit()
    assert heard == ["committed"]
    heard.clear()
    with Session(engine) as s:
        s.execute(text("SELECT 1"))
        when_transaction_ends(s, committed=lambda: heard.append("committed"), rolled_back=lambda: heard.append("gone"))
        s.rollback()
    assert heard == ["gone"]
    engine.dispose()
