"""Serving for production: the back office under gunicorn (deploy/gunicorn.conf.py), several processes counting
sign-in attempts in one Redis (LEDGER_RATELIMIT_STORAGE), as README's "Serving in production" says."""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.serving import BACK_OFFICE, gunicorn

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):  # CI must run this test, as it runs the PostgreSQL ones: never skip it there
            pytest.fail("Redis is not reachable at 127.0.0.1:6379")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    yield client
    client.close()


@pytest.fixture
def server_env(sqlite_template, tmp_path):
    """A migrated database and an instance folder that both servers share, with one secret key (one session cookie)."""
    shutil.copy(sqlite_template, tmp_path / "ledger.sqlite3")
    return {"LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}", "LEDGER_INSTANCE_DIR": str(tmp_path),
            "LEDGER_KEY_DIR": str(tmp_path / "keys"), "LEDGER_SECRET_KEY": "serving-test"}


class Visitor:
    """One browser: a cookie jar shared by both servers (cookies ignore the port), the form's CSRF token."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = None

    def fail_sign_in(self, base: str) -> int:
        if self.token is None:
            page = self.opener.open(base + "/login", timeout=10).read().decode()
            self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"username": "caiwu", "password": "wrong", "csrf_token": self.token}).encode()
        try:
            with self.opener.open(base + "/login", data=data, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as e:
            e.close()
            return e.code


def _alternate(a: str, b: str, tries: int) -> list[int]:
    visitor = Visitor()
    return [visitor.fail_sign_in(a if i % 2 == 0 else b) for i in range(tries)]


def test_two_servers_count_sign_in_attempts_together_in_redis(redis_client, server_env, tmp_path):
    prefix = f"ledger-test-{uuid.uuid4().hex[:12]}"
    env = {**server_env, "LEDGER_RATELIMIT_STORAGE": REDIS, "LEDGER_RATELIMIT_PREFIX": prefix}
    try:
        with gunicorn(BACK_OFFICE, env, log=tmp_path / "a.log") as a, gunicorn(BACK_OFFICE, env, log=tmp_path / "b.log") as b:
            codes = _alternate(a, b, 11)
        # Ten wrong passwords a minute, five on each server, then the eleventh is refused wherever it lands.
        assert codes == [401] * 10 + [429]
        assert redis_client.keys(f"*{prefix}*"), "the count is kept in Redis under the prefix"
    finally:
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)
    assert not redis_client.keys(f"*{prefix}*")


def test_with_memory_storage_each_server_counts_alone(server_env, tmp_path):
    """Why production needs Redis: the same eleven tries spread over two processes are never refused."""
    env = {**server_env, "LEDGER_RATELIMIT_STORAGE": "memory://"}
    with gunicorn(BACK_OFFICE, env, log=tmp_path / "a.log") as a, gunicorn(BACK_OFFICE, env, log=tmp_path / "b.log") as b:
        assert _alternate(a, b, 11) == [401] * 11
