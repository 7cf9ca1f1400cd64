"""The back office as a committee member and a resident see it."""
from __future__ import annotations

import re

import pytest

from ledger.services.demo import demo_password

from ..conftest import back_office


@pytest.fixture
def client(demo_db_url, tmp_path):
    with back_office(demo_db_url, tmp_path) as app, app.test_client() as client:
        yield client


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username, password=None):
    page = client.get("/login")
    return client.post("/login", data={
        "username": username, "password": password or demo_password(username), "csrf_token": _token(page.text)})


def test_anonymous_visitors_are_sent_to_sign_in_in_chinese(client):
    response = client.get("/books/JCHY")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get("/login")
    assert "登录" in page.text and "共治账本" in page.text


def test_a_wrong_password_says_so_and_signs_nobody_in(client):
    response = sign_in(client, "caiwu", "wrong-password")
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    assert client.get("/books").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "caiwu", "password": demo_password("caiwu")})
    assert response.status_code == 400


def test_treasurer_sees_their_books_and_the_trial_balance(client):
    response = sign_in(client, "caiwu")
    assert response.status_code == 302
    books = client.get("/books").text
    assert "锦城花园小区信托账簿" in books and "玉林社区基金" in books
    page = client.get("/books/JCHY").text
    assert "科目余额表" in page and "银行存款—共管账户" in page and "锦城花园小区信托账簿 · JCHY" in page
    totals = re.search(r"<tfoot>.*?</tfoot>", page, re.S).group(0)
    debit, credit = re.findall(r'class="num">([\d,]+\.\d\d)<', totals)
    assert debit == credit  # the page balances, to the fen
    assert "维修储备金" in page and "已结账" in page


def test_journal_shows_numbered_entries_and_the_reversal_link(client):
    sign_in(client, "jianchaa")
    text = client.get("/books/JCHY/journal?page=1").text
    assert re.search(r"记-\d{4}-\d{2}-\d{4}", text)
    pages = [client.get(f"/books/JCHY/journal?page={n}").text for n in range(1, 6)]
    assert any("冲销：" in p for p in pages) and any("已被冲销：" in p for p in pages)


def test_english_is_offered(client):
    sign_in(client, "yezhu")
    page = client.get("/books/JCHY?lang=en").text
    assert "Trial balance" in page and "Bank - co-managed account" in page
    assert "Trial balance" in client.get("/books/JCHY").text  # the choice sticks


def test_a_resident_without_a_role_cannot_open_a_book(client):
    sign_in(client, "wuye")  # the trustee has no role in the community fund
    assert client.get("/books/YLSQ").status_code == 403
    assert "玉林社区基金" not in client.get("/books").text
