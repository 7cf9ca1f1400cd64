"""The units register as the committee keeps it: import a CSV or XLSX (Chinese or English headers), fix and import
again, export, list; bad rows refused by row and column with nothing imported. SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from ledger.cli import main
from ledger.db.schema import Owner, Unit, UnitOwner
from ledger.domain.errors import PermissionDenied
from ledger.domain.register import RegisterFileError
from ledger.services import register

CSV_ZH = (
    "楼栋,房号,建筑面积,用途,业主,电话\n"
    "1,101,89.37,住宅,张三、李四,13800000001、13800000002\n"
    "1,102,120.5,住宅,张三,13800000001\n"
    "1,S1,45.00,商铺,开发商,\n"
    "2,P-01,12.00,车位,开发商,02888888888\n"
    "2,201,100.13,住宅,王五,13900000003\n"
)


@pytest.fixture
def cli(db_url, ledger, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    monkeypatch.setenv("LEDGER_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result.exit_code, result.output

    return run


def _file(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_import_csv_counts_owners_once_and_the_developer_once(ledger, cli, tmp_path):
    path = _file(tmp_path, "units.csv", CSV_ZH, "utf-8-sig")
    _, out = cli("units", "import", path, "--book", "T1", "--format", "json")
    assert json.loads(out) == {"added": 5, "updated": 0, "unchanged": 0, "owners_added": 4}
    _, out = cli("units", "list", "--book", "T1", "--format", "json")
    data = json.loads(out)
    # 张三 (two units, same phone) once, 李四, 王五, the developer once (two units, different phones)
    assert data["totals"] == {"units": 5, "owners": 4, "area_m2": "367.00"}
    by_label = {u["label"]: u for u in data["units"]}
    assert by_label["1-101"]["area_m2"] == "89.37"
    assert by_label["1-102"]["area_m2"] == "120.50"
    assert [o["name"] for o in by_label["1-101"]["owners"]] == ["张三", "李四"]
    assert by_label["2-P-01"]["use"] == "parking" and by_label["1-S1"]["use"] == "shop"
    assert by_label["2-P-01"]["owners"][0]["kind"] == "developer"
    _, out = cli("units", "list", "--book", "T1")
    assert "1-101\t89.37\tresidential\t张三、李四" in out and out.rstrip().endswith("5 units, 4 owners, 367.00 m2")
    with ledger.tx() as s:
        assert s.scalar(select(func.sum(Unit.area_centi_m2))) == 36700
        assert s.scalar(select(func.count(Owner.id)).where(Owner.kind == "developer")) == 1


def test_gbk_csv_and_english_headers(ledger, cli, tmp_path):
    text = "building,unit,area_m2,use,owner,phone\n3,1201,88.88,residential,赵六,13700000000\n"
    cli("units", "import", _file(tmp_path, "gbk.csv", text.replace("赵六", "赵六"), "gbk"), "--book", "T1")
    with ledger.tx() as s:
        unit = s.scalar(select(Unit))
        assert (unit.label, unit.area_centi_m2, unit.use, unit.owners[0].name) == ("3-1201", 8888, "residential", "赵六")


def test_xlsx_import_and_reimport_updates_units_and_owners(ledger, cli, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["楼栋", "房号", "建筑面积", "用途", "业主", "电话"])
    ws.append([1, 101, 89.37, "住宅", "张三", 13800000001])
    ws.append([1, 102, 90, "住宅", "李四", "13800000002"])
    wb.save(tmp_path / "u.xlsx")
    cli("units", "import", tmp_path / "u.xlsx", "--book", "T1")
    # 1-102 sold by 李四 to 张三, its area corrected; 1-101 unchanged; a new unit
    again = "楼栋,房号,建筑面积,用途,业主,电话\n1,101,89.37,住宅,张三,13800000001\n1,102,90.01,住宅,张三,13800000001\n1,103,70.00,住宅,钱七,\n"
    _, out = cli("units", "import", _file(tmp_path, "again.csv", again), "--book", "T1", "--format", "json")
    assert json.loads(out) == {"added": 1, "updated": 1, "unchanged": 1, "owners_added": 1}
    with ledger.tx() as s:
        units = {u.label: u for u in s.scalars(select(Unit))}
        assert units["1-101"].area_centi_m2 == 8937 and units["1-102"].area_centi_m2 == 9001
        assert [o.name for o in units["1-102"].owners] == ["张三"]
        assert units["1-101"].owners[0].id == units["1-102"].owners[0].id
        assert register.totals(s, ledger.book(s)).owners == 2  # 李四 holds nothing now


def test_every_bad_row_is_named_and_nothing_is_imported(ledger, cli, tmp_path):
    bad = ("楼栋,房号,建筑面积,用途,业主,电话\n"
           "1,101,89.37,住宅,张三,13800000001\n"
           "1,102,89.375,住宅,李四,\n"
           "1,103,80.00,别墅,王五,\n"
           "1,101,80.00,住宅,赵六,\n"
           "1,104,80.00,住宅,,\n"
           "1,105,80.00,住宅,甲、乙,139\n")
    code, out = cli("units", "import", _file(tmp_path, "bad.csv", bad), "--book", "T1", ok=False)
    assert code == 1
    for where in ("第3行“建筑面积”列", "row 3, column area_m2", "第4行“用途”列", "row 4, column use",
                  "第5行“房号”列", "row 5, column unit", "第6行“业主”列", "row 6, column owner", "第7行“电话”列",
                  "row 7, column phone"):
        assert where in out, where
    assert "row 2," not in out
    with ledger.tx() as s:
        assert s.scalar(select(func.count(Unit.id))) == 0 and s.scalar(select(func.count(Owner.id))) == 0


def test_missing_column_is_refused(ledger, tmp_path):
    with ledger.tx() as s, pytest.raises(RegisterFileError) as e:
        register.import_units(s, ledger.user(s, "approver1"), ledger.book(s), "楼栋,房号,用途,业主\n1,1,住宅,甲\n".encode(), "x.csv")
    assert "area_m2" in e.value.message_en and "建筑面积" in e.value.message_zh


def test_only_register_keepers_import_and_readers_read(ledger, tmp_path):
    with ledger.tx() as s:
        book = ledger.book(s)
        with pytest.raises(PermissionDenied):
            register.import_units(s, ledger.user(s, "reader"), book, CSV_ZH.encode(), "u.csv")
        register.import_units(s, ledger.user(s, "clerk"), book, CSV_ZH.encode(), "u.csv")  # the trustee keeps it
        with pytest.raises(PermissionDenied):
            register.listing(s, ledger.user(s, "reader"), book)
        assert len(register.listing(s, ledger.user(s, "watcher"), book)) == 5


def test_export_round_trips_and_never_starts_a_formula(ledger, cli, tmp_path):
    text = CSV_ZH + "3,=1+1,50.00,住宅,=HYPERLINK(\"http://evil.example\"),+8613800000009\n"
    cli("units", "import", _file(tmp_path, "u.csv", text), "--book", "T1")
    cli("units", "export", "--book", "T1", "--out", tmp_path / "out.xlsx")
    cli("units", "export", "--book", "T1", "--out", tmp_path / "out.csv")
    ws = load_workbook(tmp_path / "out.xlsx").active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert "'=HYPERLINK(\"http://evil.example\")" in cells
    rows = list(csv.reader(io.StringIO((tmp_path / "out.csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["楼栋", "房号", "建筑面积", "用途", "业主", "电话"]
    assert ["1", "101", "89.37", "住宅", "张三、李四", "13800000001、13800000002"] in rows
    assert not any(c.startswith(("=", "+", "@")) for row in rows for c in row)
    # importing the export again changes nothing
    _, out = cli("units", "import", tmp_path / "out.xlsx", "--book", "T1", "--format", "json")
    assert json.loads(out) == {"added": 0, "updated": 0, "unchanged": 6, "owners_added": 0}
    _, out = cli("units", "import", tmp_path / "out.csv", "--book", "T1", "--format", "json")
    assert json.loads(out) == {"added": 0, "updated": 0, "unchanged": 6, "owners_added": 0}
    with ledger.tx() as s:
        assert s.scalar(select(func.count(UnitOwner.id))) == 7


def test_units_page_shows_the_register_to_its_readers_only(ledger, sign_in, tmp_path):
    with ledger.tx() as s:
        register.import_units(s, ledger.user(s, "approver1"), ledger.book(s), CSV_ZH.encode(), "u.csv")
    page = sign_in("watcher").get("/books/T1/units")
    assert page.status_code == 200
    assert "张三" in page.text and "13800000001" in page.text and "367.00" in page.text
    assert 'name="file"' not in page.text  # the supervisor reads, does not keep
    assert sign_in("reader").get("/books/T1/units").status_code == 403
    keeper = sign_in("approver1")
    assert 'name="file"' in keeper.get("/books/T1/units").text
    html = keeper.get("/books/T1/units").text
    from tests.conftest import SignedIn

    response = keeper.client.post("/books/T1/units/import", data={
        "csrf_token": SignedIn.token(html),
        "file": (io.BytesIO("楼栋,房号,建筑面积,用途,业主,电话\n9,901,60.00,住宅,孙八,\n".encode()), "more.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with ledger.tx() as s:
        assert register.totals(s, ledger.book(s)).units == 6
    bad = keeper.client.post("/books/T1/units/import", data={
        "csrf_token": SignedIn.token(html),
        "file": (io.BytesIO("楼栋,房号,建筑面积,用途,业主,电话\n9,902,6.001,住宅,孙八,\n".encode()), "bad.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "row 2, column area_m2" in bad.text or "第2行" in bad.text
    with ledger.tx() as s:
        assert register.totals(s, ledger.book(s)).units == 6
