"""The whole public site as static files (`ledger public export-static --out DIR`), for any static web server or
CDN to serve without the ledger's database in the path.

It renders every page through the app itself (its test client): one code path for the live site and the static
copy, so a page's bytes are the same in both. Starting from the home pages (Chinese and English), it follows every
link and image on every page, and writes each answer where a static server looks for that address: /JCHY/ as
JCHY/index.html, a file under its own name. A link that does not answer 200 stops the export: a static copy
with a broken link is never written as if it were whole. Links that only carry a query (?large=1) are left to
static/public.js."""
from __future__ import annotations

import re
import shutil
import tempfile
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from flask import Flask

from ledger.domain.errors import InvalidState

_LINKS = re.compile(r'\s(?:href|src)="([^"]*)"')
SEEDS = ("/", "/en/", "/verify.py", "/static/public.css", "/static/public.js")


def links_of(html: str, page: str) -> list[str]:
    """The site's own addresses a page links to (path only: no fragment, no query-only toggles, no other sites)."""
    found = []
    for raw in _LINKS.findall(html):
        url = urljoin(page, unescape(raw))
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or parts.query or not parts.path.startswith("/"):
            continue  # another site, or a toggle such as ?large=1 that a static server cannot tell apart
        found.append(urldefrag(parts.path)[0])
    return found


def target_of(out: Path, path: str) -> Path:
    """Where a static server looks for `path` under `out`: …/index.html for a directory-style address."""
    parts = [unquote(p) for p in path.split("/") if p]
    # Checked after unquoting: "x%2F..%2F..%2Fetc" is one part that joinpath would walk out of `out` with.
    if any(p in (".", "..") or "/" in p or "\\" in p or "\0" in p for p in parts):
        raise ValueError(f"unsafe path {path}")
    where = out.joinpath(*parts) if parts else out
    if not where.resolve().is_relative_to(out.resolve()):
        raise ValueError(f"unsafe path {path}")
    return where / "index.html" if path.endswith("/") else where


def export_static(app: Flask, out: Path) -> list[str]:
    """Write every page and file of the public site under `out` (which must be empty or absent); return the
    addresses written. Written to a temporary folder first, then moved into place: all or nothing."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InvalidState(f"目标文件夹 {out} 不是空的：请指定一个空文件夹或新文件夹",
                           f"the folder {out} is not empty: name an empty or new folder", "out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-"))
    try:
        written = _crawl(app, tmp)
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written


def _crawl(app: Flask, out: Path) -> list[str]:
    client = app.test_client()
    seen, queue, written = set(SEEDS), list(SEEDS), []
    referrer: dict[str, str] = {}
    while queue:
        path = queue.pop(0)
        response = client.get(path)
        try:
            if response.status_code != 200:
                raise InvalidState(f"静态导出中断：{referrer.get(path, '起点')} 链接到的 {path} 返回 {response.status_code}",
                                   f"static export stopped: {path}, linked from {referrer.get(path, 'the start')}, "
                                   f"answered {response.status_code}", "out")
            target = target_of(out, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(response.get_data())
            written.append(path)
            if response.mimetype == "text/html":
                for link in links_of(response.get_data(as_text=True), path):
                    if link not in seen:
                        seen.add(link)
                        referrer[link] = path
                        queue.append(link)
        finally:
            response.close()
    return written
