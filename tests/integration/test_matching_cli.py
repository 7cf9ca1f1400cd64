"""`ledger matching` as someone previewing a rule uses it: real files in a folder, the figures printed checked to the
fen, and bad files refused naming the row and column, in Chinese and English, with a non-zero exit. No database."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from ledger.cli import main


@pytest.fixture
def ledger():
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, ["matching", *[str(a) for a in args]], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


RATIO = {"kind": "ratio", "ratio": "1:1", "min_donation": "10", "per_donor_cap": "500.00", "per_project_cap": "800",
         "pool": "1000"}
DONATIONS = "donor,amount\n张三,100\n李四,5\n张三,450\n王五,300\n赵六,200\n"


def test_simulate_a_ratio_rule_as_json_in_the_files_order(ledger, tmp_path):
    rule = write(tmp_path / "rule.json", json.dumps(RATIO, ensure_ascii=False))
    donations = write(tmp_path / "donations.csv", DONATIONS)
    out = json.loads(ledger("simulate", "--rule", rule, "--donations", donations, "--format", "json").stdout)
    assert [(d["donor"], d["amount"], d["match"]) for d in out["donations"]] == [
        ("张三", "100.00", "100.00"),
        ("李四", "5.00", "0.00"),  # below the minimum
        ("张三", "450.00", "400.00"),  # the donor's cap (500) hit in the middle of the donation
        ("王五", "300.00", "300.00"),
        ("赵六", "200.00", "0.00"),  # the project's cap (800) reached
    ]
    assert [d["reason"] for d in out["donations"]] == [None, "below_minimum", "donor_cap", None, "project_cap"]
    assert [d["row"] for d in out["donations"]] == [2, 3, 4, 5, 6]
    assert out["total_match"] == "800.00" and out["pool_remaining"] == "200.00"


def test_simulate_as_text_reads_in_chinese(ledger, tmp_path):
    rule = write(tmp_path / "rule.json", json.dumps(RATIO))
    donations = write(tmp_path / "donations.csv", DONATIONS)
    out = ledger("simulate", "--rule", rule, "--donations", donations).stdout
    assert "配捐模拟 · 按比例 1:1（第 1 版）" in out
    assert "李四\t5.00\t0.00\t低于最低捐款额，不配捐" in out
    assert "张三\t450.00\t400.00\t已到每人在本项目的配捐上限" in out
    assert "配捐合计 800.00 元" in out and "配捐池剩余 200.00 元" in out


def test_simulate_tiers_from_a_gbk_file_with_chinese_headers_and_json_numbers(ledger, tmp_path):
    # A JSON number is read as an exact decimal, never a float: 499.99 stays 499.99.
    rule = write(tmp_path / "tiers.json", '{"kind": "tiers", "once_per_donor": true, "tiers": ['
                 '{"min": 100, "max": 499.99, "percent": "20"}, {"min": "500", "max": "749.99", "percent": "30"}]}')
    donations = write(tmp_path / "d.csv", "捐款人,金额\n甲,99.99\n乙,100\n丙,499.99\n丁,500\n丁,600\n戊,\"1,000.00\"\n",
                      "gbk")
    out = json.loads(ledger("simulate", "--rule", rule, "--donations", donations, "--format", "json").stdout)
    assert [d["match"] for d in out["donations"]] == ["0.00", "20.00", "99.99", "150.00", "0.00", "0.00"]
    assert [d["reason"] for d in out["donations"]] == ["no_tier", None, None, None, "already_matched", "no_tier"]
    assert out["total_match"] == "269.99" and out["pool_remaining"] is None


def test_simulate_a_quadratic_rule_gives_each_projects_match_and_each_gifts_estimate(ledger, tmp_path):
    rule = write(tmp_path / "q.json", '{"kind": "quadratic", "pool": "100.00", "cap_share": "0.8", "min_donation": "1"}')
    donations = write(tmp_path / "d.csv", "donor,amount,project\na,50,楼道灯\na,50,楼道灯\nb,100,楼道灯\nc,0.99,楼道灯\n"
                                          "d,100,花园\ne,100,花园\nf,100,花园\ng,100,花园\n")
    out = json.loads(ledger("simulate", "--rule", rule, "--donations", donations, "--format", "json").stdout)
    # raw: 楼道灯 200 yuan, 花园 1,200; the pool (100) as 1:6, 花园 capped at 80, so 楼道灯 20
    assert out["estimate"] is True and out["projects"] == {"楼道灯": "20.00", "花园": "80.00"}
    assert [(d["project"], d["match"]) for d in out["donations"]] == [
        ("楼道灯", "5.00"), ("楼道灯", "5.00"), ("楼道灯", "10.00"), ("楼道灯", "0.00"),
        ("花园", "20.00"), ("花园", "20.00"), ("花园", "20.00"), ("花园", "20.00")]
    assert out["total_match"] == "100.00" and out["unallocated"] == "0.00"
    text = ledger("simulate", "--rule", rule, "--donations", donations).stdout
    assert "二次方配捐：每笔配捐为估算" in text and "项目“花园”配捐 80.00 元" in text


ROUND = {"pool": "10000.00", "cap_share": "0.5", "projects": {
    "A": {"a1": "100", "a2": "100", "a3": "100", "a4": "100"}, "B": {"b1": "100", "b2": "400"},
    "C": {"c1": "25", "c2": "25"}, "D": {"d1": "1000"}}}


def test_a_quadratic_round_with_a_capped_project(ledger, tmp_path):
    path = write(tmp_path / "round.json", json.dumps(ROUND))
    out = json.loads(ledger("quadratic", "--round", path, "--format", "json").stdout)
    # raw A 1,200, B 400, C 50, D 0 (alone); A capped at 5,000; B and C share 5,000 as 400:50, the spare fen to C
    assert out["projects"] == {"A": "5000.00", "B": "4444.44", "C": "555.56", "D": "0.00"}
    assert out["raw"] == {"A": "1200.00", "B": "400.00", "C": "50.00", "D": "0.00"}
    assert out["capped"] == ["A"] and out["cap"] == "5000.00" and out["unallocated"] == "0.00"
    assert sum(Decimal(v) for v in out["projects"].values()) == Decimal("10000.00")
    text = ledger("quadratic", "--round", path).stdout
    assert "二次方配捐 · 配捐池 10,000.00 元，每个项目最多 5,000.00 元" in text
    assert "A\t4\t400.00\t1,200.00\t5,000.00\t已到上限" in text
    assert "D\t1\t1,000.00\t0.00\t0.00\t仅一人捐款，原始配捐为零" in text


def test_explain_prints_the_rule_in_plain_words(ledger, tmp_path):
    rule = write(tmp_path / "rule.json", json.dumps(RATIO))
    assert "你捐 100 元，政府再配 100 元" in ledger("explain", "--rule", rule).stdout
    assert "you give 100 yuan, the government adds 100 yuan" in ledger("explain", "--rule", rule, "--lang", "en").stdout


@pytest.mark.parametrize("csv_text, zh, en", [
    ("donor,amount\n张三,100\n李四,abc\n", "第 3 行“amount”列：金额“abc”不是数字", "row 3, column amount"),
    ("donor,amount\n张三,100\n,5\n", "第 3 行“donor”列：捐款人为空", "row 3, column donor: the donor is empty"),
    ("donor,amount\n张三,-3\n李四,1.234\n", "第 2 行“amount”列：捐款金额须大于零", "row 3, column amount"),
    ("name,amount\n张三,100\n", "第 1 行：缺少列 donor", "row 1: missing column(s) donor"),
])
def test_a_bad_donations_file_names_the_row_and_column_and_exits_non_zero(ledger, tmp_path, csv_text, zh, en):
    rule = write(tmp_path / "rule.json", json.dumps(RATIO))
    donations = write(tmp_path / "d.csv", csv_text)
    result = ledger("simulate", "--rule", rule, "--donations", donations, "--format", "json", ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert zh in result.stderr and en in result.stderr


def test_a_quadratic_simulation_needs_the_project_column(ledger, tmp_path):
    rule = write(tmp_path / "q.json", '{"kind": "quadratic", "pool": "100"}')
    result = ledger("simulate", "--rule", rule, "--donations", write(tmp_path / "d.csv", DONATIONS), ok=False)
    assert result.exit_code == 1 and "缺少列 project" in result.stderr and "missing column(s) project" in result.stderr


@pytest.mark.parametrize("text, zh, en", [
    ('{"kind": "ratio", "ratio": "1:1",\n "pool": }', "第 2 行第 10 列：JSON 格式错误", "line 2, column 10"),
    ('{"kind": "ratio", "ratio": "1:1", "per_donner_cap": "5"}', "per_donner_cap：ratio 规则没有此字段",
     "per_donner_cap: a ratio rule has no such field"),
    ('{"kind": "tiers", "tiers": [{"min": "100", "max": "500", "percent": "20"}, {"min": "500", "percent": "30"}]}',
     "tiers[1]：与 tiers[0] 重叠", "tiers[1]: overlaps tiers[0]"),
    ('{"kind": "ratio", "ratio": "1:1", "pool": "abc"}', "pool：金额“abc”不是数字", "pool: amount \"abc\" is not a number"),
])
def test_a_bad_rule_file_is_refused_naming_the_field(ledger, tmp_path, text, zh, en):
    rule = write(tmp_path / "rule.json", text)
    result = ledger("simulate", "--rule", rule, "--donations", write(tmp_path / "d.csv", DONATIONS), ok=False)
    assert result.exit_code == 1 and zh in result.stderr and en in result.stderr


@pytest.mark.parametrize("data, zh, en", [
    ({**ROUND, "pool": "-1"}, "pool：金额须不小于零", "pool: the amount must be at least zero"),
    ({**ROUND, "cap_share": "2"}, "cap_share", "must be above 0 and at most 1"),
    ({**ROUND, "projects": {"A": {"a": "ten"}}}, "projects.A.a：金额“ten”不是数字", "projects.A.a: amount \"ten\""),
    ({**ROUND, "projects": []}, "至少一个项目", "at least one project"),
    ({**ROUND, "pools": "1"}, "没有字段“pools”", "no field \"pools\""),
])
def test_a_bad_round_file_is_refused_naming_the_field(ledger, tmp_path, data, zh, en):
    path = write(tmp_path / "round.json", json.dumps(data))
    result = ledger("quadratic", "--round", path, "--format", "json", ok=False)
    assert result.exit_code == 1 and zh in result.stderr and en in result.stderr


def test_a_missing_file_is_said_in_both_languages(ledger, tmp_path):
    result = ledger("quadratic", "--round", tmp_path / "nowhere.json", ok=False)
    assert result.exit_code == 1 and "无法读取" in result.stderr and "cannot read" in result.stderr
