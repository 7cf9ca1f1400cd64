"""Rendered public pages kept in the worker's memory, for as long as nothing published has changed.

A public page depends only on what is published: the publications and their files (append-only, so their
largest id moves with every new one), the supervisor's opinions (append-only too) and the books' names. That
state is read in one small query, at most once every PUBLIC_CACHE_CHECK_SECONDS (default 1) per worker; when it
differs, every kept page is dropped. A kept page goes out without touching the database or the templates, with
a strong ETag (the SHA-256 of its bytes), so a browser's If-None-Match is answered 304 before anything renders.
The files of a publication need none of this: they never change (views.published_file).
"""
from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import Response, current_app, request
from flask_babel import get_locale
from sqlalchemy import func, select

from ledger.db.schema import Book, Publication, PublicationOpinion
from ledger.db.session import get_session

EXTENSION = "public_page_cache"
HTML_MAX_AGE = 60  # a month's page gains the supervisor's word or a correction notice: revalidate after a minute


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


class PageCache:
    def __init__(self, check_seconds: float, max_bytes: int):
        self.check_seconds, self.max_bytes = check_seconds, max_bytes
        self.pages: OrderedDict[tuple, tuple[bytes, str, str]] = OrderedDict()
        self.size = 0
        self.state = None
        self.checked_at = float("-inf")
        self.lock = threading.Lock()  # gthread workers share it

    def refresh(self) -> None:
        """Drop every page if what is published changed since the last look (at most every check_seconds)."""
        now = time.monotonic()
        if now - self.checked_at < self.check_seconds:
            return
        session = get_session()
        books = tuple(session.execute(select(Book.id, Book.code, Book.name_zh, Book.name_en).order_by(Book.id)))
        state = (
            session.execute(select(func.max(Publication.id), func.count(Publication.id))).one(),
            session.execute(select(func.max(PublicationOpinion.id), func.count(PublicationOpinion.id))).one(),
            books,
            # The home and book pages link to a book's micro-projects: a project's folder added moves its mtime.
            tuple(_mtime(Path(current_app.config["PUBLICATIONS_DIR"]) / code / "projects") for _id, code, *_ in books),
        )
        with self.lock:
            if state != self.state:
                self.pages.clear()
                self.size = 0
                self.state = state
            self.checked_at = now

    def get(self, key: tuple):
        with self.lock:
            found = self.pages.get(key)
            if found is not None:
                self.pages.move_to_end(key)
            return found

    def put(self, key: tuple, body: bytes, mimetype: str) -> tuple[bytes, str, str]:
        entry = (body, mimetype, hashlib.sha256(body).hexdigest())
        with self.lock:
            if len(body) <= self.max_bytes // 4:
                self.pages[key] = entry
                self.size += len(body)
                while self.size > self.max_bytes:
                    _key, (old, _m, _e) = self.pages.popitem(last=False)
                    self.size -= len(old)
        return entry


def init_app(app) -> None:
    # Tests look again at once (a test gives an opinion and reads the page in the same second).
    check = app.config.get("PUBLIC_CACHE_CHECK_SECONDS", 0.0 if app.testing else 1.0)
    app.extensions[EXTENSION] = PageCache(float(check),
                                          int(app.config.get("PUBLIC_CACHE_MAX_BYTES", 64 * 1024 * 1024)))
    app.extensions[FILES] = FileCache(int(app.config.get("PUBLIC_FILE_CACHE_MAX_BYTES", 64 * 1024 * 1024)))


def cached_page(view):
    """Serve the view's page from the worker's memory while nothing published changed; render it otherwise."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache: PageCache = current_app.extensions[EXTENSION]
        cache.refresh()
        # Everything the page may vary by: the address with its query, the language chosen, and cookies (none today).
        key = (request.path, request.query_string, str(get_locale()), request.headers.get("Cookie"))
        found = cache.get(key)
        if found is None:
            rendered = current_app.make_response(view(*args, **kwargs))
            if rendered.status_code != 200 or rendered.direct_passthrough:
                return rendered  # a 404, a redirect or a stream: not kept
            found = cache.put(key, rendered.get_data(), rendered.mimetype)
        body, mimetype, etag = found
        response = Response(body, mimetype=mimetype)
        response.set_etag(etag)
        response.headers["Cache-Control"] = f"public, max-age={HTML_MAX_AGE}"
        response.vary.add("Cookie")  # the large-text mode; the language is in the address (/en/)
        return response.make_conditional(request)

    return wrapper


FILE_MAX_BYTES = 1024 * 1024  # vouchers' pages and JSON; larger downloads stream from disk each time


class FileCache:
    """A publication's files by address: the address names the version, and a published file never changes, so
    what was found once is kept (bounded, least recently used first out); a 404 is never kept."""

    def __init__(self, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self.files: OrderedDict[tuple, tuple[bytes, list]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.files.get(key)
            if found is not None:
                self.files.move_to_end(key)
            return found

    def put(self, key, body: bytes, headers: list) -> None:
        with self.lock:
            if key not in self.files:
                self.files[key] = (body, headers)
                self.size += len(body)
            while self.size > self.max_bytes:
                _key, (old, _h) = self.files.popitem(last=False)
                self.size -= len(old)


def immutable_file(view):
    """Keep a published file's answer in the worker's memory: no database and no disk for it again."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache: FileCache = current_app.extensions[FILES]
        key = (request.path, request.query_string)
        found = cache.get(key)
        if found is None:
            sent = current_app.make_response(view(*args, **kwargs))
            if sent.status_code != 200 or (sent.content_length or FILE_MAX_BYTES + 1) > FILE_MAX_BYTES:
                return sent  # a 304 from the browser's copy, a 404, or too big to keep: as the view made it
            sent.direct_passthrough = False
            found = (sent.get_data(), [(k, v) for k, v in sent.headers.items() if k.lower() != "content-length"])
            sent.close()
            cache.put(key, *found)
        body, headers = found
        return Response(body, headers=headers).make_conditional(request, accept_ranges=True, complete_length=len(body))

    return wrapper


FILES = "public_file_cache"
