"""Guards that live in the database itself, so that not even direct SQL can make
the books lie: posted entries, their lines, makers and vouchers are never updated
or deleted, an entry cannot be posted unless every fund in it balances, nothing is
posted on or before the book's lock date (the end of its latest closed month) or
before its first month, a closed month is never reopened, an account's or fund's
identity cannot change once lines use it, the signed chain head only moves
forward, and approvals, close records, the audit log, the replies to flags and publications are
append-only, as are the public copies of a posted entry's vouchers.

What SQL with the guards switched off can still do, `ledger verify` names: every
posted entry and every close record is signed by a key that is not in the database.

Alembic's batch mode on SQLite drops triggers when it rebuilds a table, so every
migration that touches a guarded table calls `create_guards` again.
"""
from __future__ import annotations

import re

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

IMMUTABLE = "已过账凭证不可修改或删除 / a posted entry cannot be changed or deleted"
UNBALANCED = "凭证借贷不平（总额或某一基金内），不能过账 / entry does not balance in total or per fund; cannot post"
CLOSED = "会计期间已结账，不能过账 / the period is closed; cannot post"
INSERT_POSTED = "凭证须先录入再过账 / an entry must be inserted before it is posted"
APPEND_ONLY = "只能追加，不可修改或删除 / append-only: rows cannot be changed or deleted"
LOCKED = ("日期在账簿锁定日（最近结账月的月末）之前或当天，或早于账簿首月，不能过账 / "
          "the date is on or before the lock date of the book (the end of its latest closed month) "
          "or before its first month; cannot post")
REOPEN = "已结账的会计期间不能重开或删除 / a closed period cannot be reopened or deleted"
CLOSE_RECORD = "结账须先写入结账记录 / a period closes only with its close record"
HEAD_BACK = "账簿链头只能前进 / the chain head of a book only moves forward"
IDENTITY = ("已被分录使用的科目或基金，其代码、类型、现金属性不可更改 / "
            "an account or fund used by entry lines keeps its code, type and cash flag")
BOOK_IDENTITY = "账簿已有凭证，其代码与首月不可更改 / a book with entries keeps its code and first month"
SUBMITTED_COPY = ("已提交或已过账凭证的原始凭证公开版本不可删除 / "
                  "the public copy of a voucher of a submitted or posted entry cannot be removed")
ROUND_BACK = "凭证的提交轮次只能增加 / the submission round of an entry only goes up"
MATCH_FIXED = ("配捐记录的金额与归属不可更改、不可删除；只能由待定转为已拨付或作废，收回只增不减 / "
               "a match keeps its amount and donation and is never deleted; it only goes from pending to posted or "
               "voided, and what is clawed back only grows")

_SQLITE = [
    f"""CREATE TRIGGER guard_entries_insert BEFORE INSERT ON entries
    WHEN NEW.status = 'posted'
    BEGIN SELECT RAISE(ABORT, '{INSERT_POSTED}'); END""",
    f"""CREATE TRIGGER guard_entries_update BEFORE UPDATE ON entries
    WHEN OLD.status = 'posted'
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER guard_entries_delete BEFORE DELETE ON entries
    WHEN OLD.status = 'posted'
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER guard_entries_balanced BEFORE UPDATE OF status ON entries
    WHEN NEW.status = 'posted' AND (
        NOT EXISTS (SELECT 1 FROM entry_lines WHERE entry_id = NEW.id)
        OR EXISTS (SELECT 1 FROM entry_lines WHERE entry_id = NEW.id
                   GROUP BY fund_id HAVING SUM(amount_fen) <> 0))
    BEGIN SELECT RAISE(ABORT, '{UNBALANCED}'); END""",
    f"""CREATE TRIGGER guard_entries_open_period BEFORE UPDATE OF status ON entries
    WHEN NEW.status = 'posted'
        AND (SELECT status FROM periods WHERE id = NEW.period_id) <> 'open'
    BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
]
_SQLITE += [
    f"""CREATE TRIGGER guard_entries_lock_date BEFORE UPDATE OF status ON entries
    WHEN NEW.status = 'posted' AND (
        NEW.date < (SELECT start_date FROM books WHERE id = NEW.book_id)
        OR EXISTS (SELECT 1 FROM period_closes WHERE book_id = NEW.book_id AND through_date >= NEW.date))
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""",
    f"""CREATE TRIGGER guard_periods_update BEFORE UPDATE ON periods
    WHEN OLD.status = 'closed'
    BEGIN SELECT RAISE(ABORT, '{REOPEN}'); END""",
    f"""CREATE TRIGGER guard_periods_close BEFORE UPDATE OF status ON periods
    WHEN NEW.status = 'closed' AND NOT EXISTS (SELECT 1 FROM period_closes WHERE period_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{CLOSE_RECORD}'); END""",
    f"""CREATE TRIGGER guard_periods_delete BEFORE DELETE ON periods
    WHEN OLD.status = 'closed' OR EXISTS (SELECT 1 FROM period_closes WHERE period_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, '{REOPEN}'); END""",
    f"""CREATE TRIGGER guard_book_heads_update BEFORE UPDATE ON book_heads
    WHEN NEW.chain_seq <= OLD.chain_seq OR NEW.book_id <> OLD.book_id
    BEGIN SELECT RAISE(ABORT, '{HEAD_BACK}'); END""",
    f"""CREATE TRIGGER guard_book_heads_delete BEFORE DELETE ON book_heads
    BEGIN SELECT RAISE(ABORT, '{HEAD_BACK}'); END""",
    f"""CREATE TRIGGER guard_accounts_identity BEFORE UPDATE OF code, type, cash, book_id ON accounts
    WHEN (NEW.code IS NOT OLD.code OR NEW.type IS NOT OLD.type OR NEW.cash IS NOT OLD.cash
          OR NEW.book_id IS NOT OLD.book_id)
        AND EXISTS (SELECT 1 FROM entry_lines WHERE book_id = OLD.book_id AND account_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, '{IDENTITY}'); END""",
    f"""CREATE TRIGGER guard_accounts_delete BEFORE DELETE ON accounts
    WHEN EXISTS (SELECT 1 FROM entry_lines WHERE book_id = OLD.book_id AND account_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, '{IDENTITY}'); END""",
    f"""CREATE TRIGGER guard_funds_identity BEFORE UPDATE OF code, restricted, book_id ON funds
    WHEN (NEW.code IS NOT OLD.code OR NEW.restricted IS NOT OLD.restricted OR NEW.book_id IS NOT OLD.book_id)
        AND EXISTS (SELECT 1 FROM entry_lines WHERE fund_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, '{IDENTITY}'); END""",
    f"""CREATE TRIGGER guard_books_identity BEFORE UPDATE OF code, start_date, public_key ON books
    WHEN (NEW.code IS NOT OLD.code OR NEW.start_date IS NOT OLD.start_date
          OR (OLD.public_key IS NOT NULL AND NEW.public_key IS NOT OLD.public_key))
        AND EXISTS (SELECT 1 FROM entries WHERE book_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, '{BOOK_IDENTITY}'); END""",
]
for _table in ("entry_lines", "attachments", "entry_makers", "entry_units"):
    _SQLITE += [
        f"""CREATE TRIGGER guard_{_table}_insert BEFORE INSERT ON {_table}
        WHEN (SELECT status FROM entries WHERE id = NEW.entry_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER guard_{_table}_update BEFORE UPDATE ON {_table}
        WHEN (SELECT status FROM entries WHERE id = OLD.entry_id) = 'posted'
          OR (SELECT status FROM entries WHERE id = NEW.entry_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER guard_{_table}_delete BEFORE DELETE ON {_table}
        WHEN (SELECT status FROM entries WHERE id = OLD.entry_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    ]
# A public voucher copy is what residents see: never changed (but for signing, once, a copy made before
# signatures), never removed once its entry is posted (a redaction cannot be undone).
_SQLITE += [
    f"""CREATE TRIGGER guard_voucher_publics_update BEFORE UPDATE ON voucher_publics
    WHEN OLD.signature IS NOT NULL OR NEW.attachment_id <> OLD.attachment_id OR NEW.pages <> OLD.pages
      OR NEW.redactions <> OLD.redactions
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER guard_voucher_publics_delete BEFORE DELETE ON voucher_publics
    WHEN (SELECT e.status FROM entries e JOIN attachments a ON a.entry_id = e.id WHERE a.id = OLD.attachment_id)
      IN ('submitted', 'posted')
    BEGIN SELECT RAISE(ABORT, '{SUBMITTED_COPY}'); END""",
]
# An entry's submission round never goes down: an approval of an earlier round cannot be made current again.
_SQLITE_ROUND = f"""CREATE TRIGGER guard_entries_round BEFORE UPDATE OF submission_round ON entries
    WHEN NEW.submission_round < OLD.submission_round
    BEGIN SELECT RAISE(ABORT, '{ROUND_BACK}'); END"""
APPEND_ONLY_TABLES = (
    "approvals", "audit_log", "period_closes", "flag_replies", "publications", "publication_files",
    "publication_opinions",
    # fees and billing (0012)
    "fee_rates",

    # the bank account (0013)
    "bank_profiles", "bank_imports", "bank_statement_rows", "bank_matches",

    # remuneration, budgets and public revenues (0014)
    "trustee_contracts", "budgets", "budget_lines",

    # owners' resolutions (0015)
    "resolutions", "resolution_votes",

    # a unit taken off the register or put back; a revenue contract's new terms (0017)
    "unit_status_changes", "revenue_terms",

    # --- micro-projects and matching (issue 10, 0018)
    "matching_pool_deposits", "matching_rules", "project_budget_lines", "donations", "donation_refunds",
    # --- grants (issue 10): every decided fact of a grant round (0019)
    *("grant_programmes", "grant_reviewers", "grant_budget_lines", "grant_conflicts", "grant_reviews",
      "grant_decisions", "grant_tranches", "grant_releases", "grant_reports", "grant_report_expenses",
      "grant_report_decisions", "grant_closures"),
    # --- a donor's funder code; each version of a published project document (0020)
    "funder_codes", "published_documents",
    # --- grant report files (0021): a report's files and their public copies, a rejected entry booked again
    "grant_report_files", "grant_report_file_publics", "grant_rebookings", "grant_api_keys",
    # --- project spending by budget line (0022)
    "project_spends",
)
for _table in APPEND_ONLY_TABLES:
    _SQLITE += [
        f"""CREATE TRIGGER guard_{_table}_update BEFORE UPDATE ON {_table}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
        f"""CREATE TRIGGER guard_{_table}_delete BEFORE DELETE ON {_table}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    ]

# --- micro-projects and matching (issue 10, 0018): a match's amount and donation never change and it is never
# deleted; its status only leaves "pending"; and the pool's committed_fen follows the live matches (pending or posted,
# less what was clawed back), so the pool's CHECK (committed_fen <= held_fen) refuses any match, however written,
# that would commit more than the pool holds.
_MATCH_LIVE_NEW = "(CASE WHEN NEW.status IN ('pending', 'posted') THEN NEW.amount_fen - NEW.clawed_back_fen ELSE 0 END)"
_MATCH_LIVE_OLD = "(CASE WHEN OLD.status IN ('pending', 'posted') THEN OLD.amount_fen - OLD.clawed_back_fen ELSE 0 END)"
_MATCH_CHANGED = """NEW.pool_id <> OLD.pool_id OR NEW.project_id <> OLD.project_id OR NEW.donation_id <> OLD.donation_id
      OR NEW.amount_fen <> OLD.amount_fen OR NEW.raw_fen <> OLD.raw_fen OR NEW.clawed_back_fen < OLD.clawed_back_fen
      OR OLD.status = 'voided' OR (OLD.status = 'posted' AND NEW.status <> 'posted')"""
_SQLITE += [
    f"""CREATE TRIGGER guard_matches_update BEFORE UPDATE ON matches
    WHEN {_MATCH_CHANGED}
    BEGIN SELECT RAISE(ABORT, '{MATCH_FIXED}'); END""",
    f"""CREATE TRIGGER guard_matches_delete BEFORE DELETE ON matches
    BEGIN SELECT RAISE(ABORT, '{MATCH_FIXED}'); END""",
    f"""CREATE TRIGGER guard_matches_commit_insert AFTER INSERT ON matches
    BEGIN UPDATE matching_pools SET committed_fen = committed_fen + {_MATCH_LIVE_NEW} WHERE id = NEW.pool_id; END""",
    f"""CREATE TRIGGER guard_matches_commit_update AFTER UPDATE ON matches
    BEGIN UPDATE matching_pools SET committed_fen = committed_fen - {_MATCH_LIVE_OLD} + {_MATCH_LIVE_NEW}
      WHERE id = NEW.pool_id; END""",
]

# --- grants (issue 10): a programme never commits more than its pool. What it has committed is its awards, less
# what closures took off their grants, plus what they re-granted; a new award or closure that would take it over
# the pool is refused here, whatever inserts it (the service refuses it first, under the book's lock).
GRANT_POOL = "资助承诺总额不能超过资助计划的资金池 / the grants committed cannot exceed the pool of their programme"
_GRANT_COMMITTED = """(SELECT COALESCE(SUM(amount_fen), 0) FROM grant_decisions
        WHERE programme_id = NEW.programme_id AND decision = 'award')
      + (SELECT COALESCE(SUM(regranted_fen - decommitted_fen), 0) FROM grant_closures
        WHERE programme_id = NEW.programme_id)"""
_SQLITE += [
    f"""CREATE TRIGGER guard_grant_decisions_pool BEFORE INSERT ON grant_decisions
    WHEN NEW.decision = 'award' AND {_GRANT_COMMITTED} + NEW.amount_fen
        > (SELECT pool_fen FROM grant_programmes WHERE id = NEW.programme_id)
    BEGIN SELECT RAISE(ABORT, '{GRANT_POOL}'); END""",
    f"""CREATE TRIGGER guard_grant_closures_pool BEFORE INSERT ON grant_closures
    WHEN {_GRANT_COMMITTED} + NEW.regranted_fen - NEW.decommitted_fen
        > (SELECT pool_fen FROM grant_programmes WHERE id = NEW.programme_id)
    BEGIN SELECT RAISE(ABORT, '{GRANT_POOL}'); END""",
]

SQLITE_TRIGGERS = [s.split()[2] for s in _SQLITE] + ["guard_entries_round"]

_PG_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION ledger_guard_entries() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'posted' THEN RAISE EXCEPTION '{INSERT_POSTED}'; END IF;
        RETURN NEW;
      END IF;
      IF OLD.status = 'posted' THEN
        RAISE EXCEPTION '{IMMUTABLE} (%)', OLD.number;
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      IF NEW.status = 'posted'
         AND (SELECT status FROM periods WHERE id = NEW.period_id) <> 'open' THEN
        RAISE EXCEPTION '{CLOSED}';
      END IF;
      IF NEW.status = 'posted' AND (
           NEW.date < (SELECT start_date FROM books WHERE id = NEW.book_id)
           OR EXISTS (SELECT 1 FROM period_closes WHERE book_id = NEW.book_id AND through_date >= NEW.date)) THEN
        RAISE EXCEPTION '{LOCKED} (%)', NEW.date;
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_periods() RETURNS trigger AS $$
    BEGIN
      IF OLD.status = 'closed' OR (TG_OP = 'DELETE' AND EXISTS
           (SELECT 1 FROM period_closes WHERE period_id = OLD.id)) THEN
        RAISE EXCEPTION '{REOPEN}';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      IF NEW.status = 'closed' AND NOT EXISTS (SELECT 1 FROM period_closes WHERE period_id = NEW.id) THEN
        RAISE EXCEPTION '{CLOSE_RECORD}';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_book_heads() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' OR NEW.chain_seq <= OLD.chain_seq OR NEW.book_id <> OLD.book_id THEN
        RAISE EXCEPTION '{HEAD_BACK}';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_accounts() RETURNS trigger AS $$
    BEGIN
      IF (TG_OP = 'DELETE' OR NEW.code IS DISTINCT FROM OLD.code OR NEW.type IS DISTINCT FROM OLD.type
          OR NEW.cash IS DISTINCT FROM OLD.cash OR NEW.book_id IS DISTINCT FROM OLD.book_id)
         AND EXISTS (SELECT 1 FROM entry_lines WHERE book_id = OLD.book_id AND account_id = OLD.id) THEN
        RAISE EXCEPTION '{IDENTITY}';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_funds() RETURNS trigger AS $$
    BEGIN
      IF (TG_OP = 'DELETE' OR NEW.code IS DISTINCT FROM OLD.code OR NEW.restricted IS DISTINCT FROM OLD.restricted
          OR NEW.book_id IS DISTINCT FROM OLD.book_id)
         AND EXISTS (SELECT 1 FROM entry_lines WHERE fund_id = OLD.id) THEN
        RAISE EXCEPTION '{IDENTITY}';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_books() RETURNS trigger AS $$
    BEGIN
      IF (NEW.code IS DISTINCT FROM OLD.code OR NEW.start_date IS DISTINCT FROM OLD.start_date
          OR (OLD.public_key IS NOT NULL AND NEW.public_key IS DISTINCT FROM OLD.public_key))
         AND EXISTS (SELECT 1 FROM entries WHERE book_id = OLD.id) THEN
        RAISE EXCEPTION '{BOOK_IDENTITY}';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_entry_balanced() RETURNS trigger AS $$
    BEGIN
      -- OFFSET 0 keeps the planner on the entry_id index: without statistics (a fresh
      -- database filling inside one import) it would walk the fund index over every line.
      IF NOT EXISTS (SELECT 1 FROM entry_lines WHERE entry_id = NEW.id)
         OR EXISTS (SELECT 1 FROM (SELECT fund_id, amount_fen FROM entry_lines
                                   WHERE entry_id = NEW.id OFFSET 0) AS lines
                    GROUP BY fund_id HAVING SUM(amount_fen) <> 0) THEN
        RAISE EXCEPTION '{UNBALANCED} (entry id %)', NEW.id;
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_entry_children() RETURNS trigger AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') AND
         (SELECT status FROM entries WHERE id = OLD.entry_id) = 'posted' THEN
        RAISE EXCEPTION '{IMMUTABLE}';
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF (SELECT status FROM entries WHERE id = NEW.entry_id) = 'posted' THEN
          RAISE EXCEPTION '{IMMUTABLE}';
        END IF;
        RETURN NEW;
      END IF;
      RETURN OLD;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_voucher_publics() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND (OLD.signature IS NOT NULL OR NEW.attachment_id <> OLD.attachment_id
           OR NEW.pages <> OLD.pages OR NEW.redactions <> OLD.redactions) THEN
        RAISE EXCEPTION '{APPEND_ONLY} (voucher_publics)';
      END IF;
      IF TG_OP = 'DELETE' AND (SELECT e.status FROM entries e JOIN attachments a ON a.entry_id = e.id
                               WHERE a.id = OLD.attachment_id) IN ('submitted', 'posted') THEN
        RAISE EXCEPTION '{SUBMITTED_COPY}';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_entries_round() RETURNS trigger AS $$
    BEGIN
      IF NEW.submission_round < OLD.submission_round THEN RAISE EXCEPTION '{ROUND_BACK}'; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION '{APPEND_ONLY} (%)', TG_TABLE_NAME;
    END $$ LANGUAGE plpgsql""",
]

# --- grants (issue 10): see GRANT_POOL above.
_PG_FUNCTIONS.append(f"""CREATE OR REPLACE FUNCTION ledger_guard_grant_pool() RETURNS trigger AS $$
    DECLARE added bigint;
    BEGIN
      IF TG_TABLE_NAME = 'grant_decisions' THEN
        added := CASE WHEN NEW.decision = 'award' THEN NEW.amount_fen ELSE 0 END;
      ELSE
        added := NEW.regranted_fen - NEW.decommitted_fen;
      END IF;
      IF {_GRANT_COMMITTED} + added > (SELECT pool_fen FROM grant_programmes WHERE id = NEW.programme_id) THEN
        RAISE EXCEPTION '{GRANT_POOL} (programme %)', NEW.programme_id;
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""")

_PG_TRIGGERS = [
    ("guard_entries", "entries", """CREATE TRIGGER guard_entries
        BEFORE INSERT OR UPDATE OR DELETE ON entries
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_entries()"""),
    ("guard_entries_balanced", "entries", """CREATE CONSTRAINT TRIGGER guard_entries_balanced
        AFTER INSERT OR UPDATE ON entries DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.status = 'posted')
        EXECUTE FUNCTION ledger_guard_entry_balanced()"""),
]
_PG_TRIGGERS += [
    ("guard_periods", "periods", """CREATE TRIGGER guard_periods BEFORE UPDATE OR DELETE ON periods
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_periods()"""),
    ("guard_book_heads", "book_heads", """CREATE TRIGGER guard_book_heads BEFORE UPDATE OR DELETE ON book_heads
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_book_heads()"""),
    ("guard_accounts", "accounts", """CREATE TRIGGER guard_accounts BEFORE UPDATE OR DELETE ON accounts
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_accounts()"""),
    ("guard_funds", "funds", """CREATE TRIGGER guard_funds BEFORE UPDATE OR DELETE ON funds
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_funds()"""),
    ("guard_books", "books", """CREATE TRIGGER guard_books BEFORE UPDATE ON books
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_books()"""),
]
for _table in ("entry_lines", "attachments", "entry_makers", "entry_units"):
    _PG_TRIGGERS.append((f"guard_{_table}", _table, f"""CREATE TRIGGER guard_{_table}
        BEFORE INSERT OR UPDATE OR DELETE ON {_table}
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_entry_children()"""))
for _table in APPEND_ONLY_TABLES:
    _PG_TRIGGERS.append((f"guard_{_table}", _table, f"""CREATE TRIGGER guard_{_table}
        BEFORE UPDATE OR DELETE ON {_table}
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_append_only()"""))
_PG_ROUND = ("guard_entries_round", "entries", """CREATE TRIGGER guard_entries_round
    BEFORE UPDATE OF submission_round ON entries FOR EACH ROW EXECUTE FUNCTION ledger_guard_entries_round()""")
_PG_TRIGGERS.append(("guard_voucher_publics", "voucher_publics", """CREATE TRIGGER guard_voucher_publics
    BEFORE UPDATE OR DELETE ON voucher_publics FOR EACH ROW EXECUTE FUNCTION ledger_guard_voucher_publics()"""))
# --- micro-projects and matching (issue 10, 0018): see the SQLite triggers above.
_PG_FUNCTIONS += [
    f"""CREATE OR REPLACE FUNCTION ledger_guard_matches() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{MATCH_FIXED}';
        END IF;
        IF {_MATCH_CHANGED} THEN
            RAISE EXCEPTION '{MATCH_FIXED}';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_matches_commit() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE matching_pools SET committed_fen = committed_fen + {_MATCH_LIVE_NEW} WHERE id = NEW.pool_id;
        ELSE
            UPDATE matching_pools SET committed_fen = committed_fen - {_MATCH_LIVE_OLD} + {_MATCH_LIVE_NEW}
              WHERE id = NEW.pool_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
]
_PG_TRIGGERS += [
    ("guard_matches", "matches", """CREATE TRIGGER guard_matches BEFORE UPDATE OR DELETE ON matches
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_matches()"""),
    ("guard_matches_commit", "matches", """CREATE TRIGGER guard_matches_commit AFTER INSERT OR UPDATE ON matches
        FOR EACH ROW EXECUTE FUNCTION ledger_matches_commit()"""),
]
# Row triggers do not fire on TRUNCATE.
_NEVER_TRUNCATED = (
    "entries", "entry_lines", "attachments", "approvals", "audit_log", "entry_makers", "period_closes",
    "book_heads", "periods", "accounts", "funds", "books", "flag_replies", "voucher_publics", "publications",
    "publication_files", "publication_opinions",
    # fees and billing (0012)
    "fee_rates", "entry_units",

    # the bank account (0013)
    "bank_profiles", "bank_imports", "bank_statement_rows", "bank_matches",

    # remuneration, budgets and public revenues (0014)
    "trustee_contracts", "budgets", "budget_lines",

    # owners' resolutions (0015)
    "resolutions", "resolution_votes",

    # a unit taken off the register or put back; a revenue contract's new terms (0017)
    "unit_status_changes", "revenue_terms",

    # --- micro-projects and matching (issue 10, 0018)
    "matching_pool_deposits", "matching_rules", "project_budget_lines", "donations", "donation_refunds",
    "matching_pools", "projects", "matches",
    # --- grants (issue 10) (0019)
    *("grant_programmes", "grant_reviewers", "grant_budget_lines", "grant_conflicts", "grant_reviews",
      "grant_decisions", "grant_tranches", "grant_releases", "grant_reports", "grant_report_expenses",
      "grant_report_decisions", "grant_closures", "grant_applications"),
    # --- project spending by budget line (0022)
    "project_spends",
)
for _table in _NEVER_TRUNCATED:
    _PG_TRIGGERS.append((f"guard_{_table}_truncate", _table, f"""CREATE TRIGGER guard_{_table}_truncate
        BEFORE TRUNCATE ON {_table}
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_guard_append_only()"""))

for _table in ("grant_decisions", "grant_closures"):  # --- grants (issue 10)
    _PG_TRIGGERS.append((f"guard_{_table}_pool", _table, f"""CREATE TRIGGER guard_{_table}_pool
        BEFORE INSERT ON {_table} FOR EACH ROW EXECUTE FUNCTION ledger_guard_grant_pool()"""))

PG_TRIGGERS = [(name, table) for name, table, _ in _PG_TRIGGERS] + [_PG_ROUND[:2]]


def _target(sql: str) -> str:
    return re.search(r"\bON (\w+)", sql).group(1)


def create_guards(conn: Connection) -> None:
    """(Re)create every guard whose table exists: an early migration gets the guards of its tables."""
    drop_guards(conn)
    tables = set(inspect(conn).get_table_names())
    # The round guard from migration 0008 on, when entries has the column.
    rounds = "entries" in tables and "submission_round" in {c["name"] for c in inspect(conn).get_columns("entries")}
    if conn.dialect.name == "sqlite":
        for sql in _SQLITE + ([_SQLITE_ROUND] if rounds else []):
            if _target(sql) in tables:
                conn.exec_driver_sql(sql)
    else:
        # psycopg reads % as a placeholder even without parameters; %% is a literal %.
        for sql in _PG_FUNCTIONS:
            conn.exec_driver_sql(sql.replace("%", "%%"))
        for _name, table, sql in _PG_TRIGGERS + ([_PG_ROUND] if rounds else []):
            if table in tables:
                conn.exec_driver_sql(sql)


def drop_guards(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    else:
        tables = set(inspect(conn).get_table_names())
        for name, table in PG_TRIGGERS:
            if table in tables:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def installed_guards(conn: Connection) -> set[str]:
    """The names of the guard triggers present now (a test checks them after upgrade)."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    else:
        rows = conn.exec_driver_sql(
            "SELECT DISTINCT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'guard_%%'"
        )
    return {r[0] for r in rows}


def expected_guards(dialect: str) -> set[str]:
    return set(SQLITE_TRIGGERS) if dialect == "sqlite" else {n for n, _ in PG_TRIGGERS}
