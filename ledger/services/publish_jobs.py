"""Publishing off the request path: a month's PDFs take seconds, so the back office starts the work in a thread
of its own and the page that waits reads how far it has got.

Each job is a small JSON file (written whole, by rename) in the jobs folder, so every worker process of the
back office can read any job's progress; the thread has its own session and unit of work, and the service
decides under the book's lock as always. A job whose file has not moved for `STALE` seconds while running
(its worker died) reads as failed. Nothing here decides whether a month may be published: that is
`publications.check_publishable`, asked once before the thread starts (so a refusal is said at once) and
again by `publish` under the lock.
"""
from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from ..domain.errors import InvalidInput, LedgerError, NotFound
from . import access, publications, users
from .unit_of_work import UnitOfWork

STALE = 15 * 60


@dataclass
class Job:
    id: str
    book: str
    period: str
    version: int  # the version it publishes
    username: str
    status: str = "running"  # running | done | failed
    done: list[str] = field(default_factory=list)  # the steps of publications.PUBLISH_STEPS finished so far
    manifest_sha256: str | None = None
    error_zh: str | None = None
    error_en: str | None = None
    updated: float = field(default_factory=time.time)

    @property
    def steps(self) -> tuple[str, ...]:
        return publications.PUBLISH_STEPS

    @property
    def percent(self) -> int:
        return 100 if self.status == "done" else int(100 * len(self.done) / (len(self.steps) + 1))


def _path(folder: Path, job_id: str) -> Path:
    if not (len(job_id) == 32 and all(c in "0123456789abcdef" for c in job_id)):
        raise NotFound("没有这项发布任务", "no such publishing job", "job")
    return folder / f"{job_id}.json"


def _save(folder: Path, job: Job) -> None:
    job.updated = time.time()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".job-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(job), out, ensure_ascii=False)
    os.replace(tmp, _path(folder, job.id))


def read(folder: Path, job_id: str, book_code: str) -> Job:
    """The job, as its file says; NotFound for another book's job (its id is no key to someone else's book)."""
    try:
        job = Job(**json.loads(_path(folder, job_id).read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        raise NotFound("没有这项发布任务", "no such publishing job", "job") from None
    if job.book != book_code:
        raise NotFound("没有这项发布任务", "no such publishing job", "job")
    if job.status == "running" and time.time() - job.updated > STALE:
        job.status, job.error_zh, job.error_en = "failed", "发布中断（服务进程已停止）；请重新发布", \
            "publishing stopped (its worker ended); publish again"
    return job


def start(uow: UnitOfWork, sessions: sessionmaker, book_code: str, year: int, month: int, root: Path, folder: Path,
          background: bool = True) -> Job:
    """Check that the month may be published now (refusing at once if not), then publish it in a thread with
    its own session. `background=False` publishes before returning (the command line, and tests that want it)."""
    if uow.actor is None:
        raise InvalidInput("请先登录", "sign in first", "user")
    book = access.get_book(uow.session, book_code)
    publications.check_publishable(uow.session, uow.actor, book, year, month)
    job = Job(secrets.token_hex(16), book.code, f"{year:04d}-{month:02d}",
              publications.next_version(uow.session, book, year, month), uow.actor.username)
    _save(folder, job)
    uow.rollback()  # it only read; its transaction must not hold the database (SQLite's one writer) from the job's
    store = uow.store
    if background:
        threading.Thread(target=_run, args=(job, sessions, store, year, month, root, folder),
                         name=f"publish-{book.code}-{job.period}", daemon=True).start()
    else:
        _run(job, sessions, store, year, month, root, folder)
    return job


def _run(job: Job, sessions: sessionmaker, store, year: int, month: int, root: Path, folder: Path) -> None:
    def progress(step: str) -> None:
        job.done.append(step)
        _save(folder, job)

    try:
        with sessions() as session, UnitOfWork(session, None, store) as uow:
            uow.actor = users.get_user(session, job.username)
            book = access.get_book(session, job.book)
            pub = uow.run(publications.publish, book, year, month, store, root, progress, job.version)
            job.status, job.manifest_sha256 = "done", pub.manifest_sha256
    except LedgerError as e:
        job.status, job.error_zh, job.error_en = "failed", e.message_zh, e.message_en
    except Exception as e:  # noqa: BLE001 - a page is waiting: it must hear that this failed, and why
        job.status, job.error_zh, job.error_en = "failed", f"发布失败：{type(e).__name__}", f"publishing failed: {type(e).__name__}"
        _save(folder, job)
        raise
    _save(folder, job)


def wait(folder: Path, job_id: str, book_code: str, timeout: float = 120) -> Job:
    """The job once it has ended (for tests and scripts)."""
    deadline = time.time() + timeout
    while True:
        job = read(folder, job_id, book_code)
        if job.status != "running" or time.time() > deadline:
            return job
        time.sleep(0.1)
