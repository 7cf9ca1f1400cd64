"""`ledger matching`: preview a matching rule (配捐规则) on files before it is published. Reads files, writes
nothing, touches no database; the arithmetic is ledger/domain/matching.py's, the same that computes real matches."""
from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import click

from .cli_common import refusals
from .domain import matching
from .domain.errors import InvalidInput, LedgerError
from .domain.money import fen_to_str, format_fen, to_fen

matching_group = click.Group("matching", help="Matching rules (配捐规则): simulate a rule on donations, share a "
                                              "quadratic round, explain a rule in plain words.")



def _read_bytes(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise InvalidInput(f"无法读取{what} {path}：{e.strerror or e}", f"cannot read {path}: {e.strerror or e}",
                           "file") from None


def _read_json(path: str) -> object:
    data = _read_bytes(path, "文件")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} 不是 UTF-8 编码的 JSON", f"{path} is not UTF-8 JSON", "file") from None
    try:
        # JSON numbers are read as exact decimals, never floats: 100.10 stays 100.10
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"{path} 第 {e.lineno} 行第 {e.colno} 列：JSON 格式错误（{e.msg}）",
                           f"{path} line {e.lineno}, column {e.colno}: not valid JSON ({e.msg})", "file") from None
    except ValueError as e:  # an integer literal of thousands of digits
        raise InvalidInput(f"{path}：JSON 中的数字无效（{e}）", f"{path}: a number in the JSON is not valid ({e})",
                           "file") from None


def _read_rule(path: str) -> matching.Rule:
    try:
        return matching.parse_rule(_read_json(path))
    except LedgerError as e:
        if e.field == "file":
            raise
        raise e.located(f"规则文件 {path}", f"rule file {path}", "rule") from None


def _read_donations(path: str, need_project: bool) -> tuple[list[matching.Donation], list[int], bool]:
    """The donations of a CSV or XLSX file in its order, each row's number in the file, and whether it names projects.
    Every bad row is named with its column; then nothing is simulated (matching.donations_from_table)."""
    from .services.register import read_table

    return matching.donations_from_table(read_table(_read_bytes(path, "捐款文件"), path), need_project, path, path)


def _kind_text(rule: matching.Rule) -> str:
    if rule.kind == "ratio":
        return f"按比例 {rule.ratio_written or matching.ratio_text(rule.ratio)}"
    return {"tiers": "分档", "quadratic": "二次方"}[rule.kind]


def _reason_zh(reason: str | None) -> str:
    return matching.REASONS[reason][0] if reason else ""


@matching_group.command("simulate")
@click.option("--rule", "rule_path", required=True, help="RULE.json: kind, ratio or tiers, min_donation, caps, pool.")
@click.option("--donations", "donations_path", required=True,
              help="DONATIONS.csv (or .xlsx): columns donor, amount, and project (required for a quadratic rule).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def simulate(rule_path, donations_path, fmt):
    """Each donation's match under the rule, in the file's order, and the total.

    Ratio and tier rules match each donation in turn, as they would be recorded. A quadratic rule computes the
    round: each project's match, and each donation's estimated part of it (its donor's term of the project's
    raw match, split by amount; see matching.estimated_donation_shares), marked as an estimate."""
    rule = _read_rule(rule_path)
    donations, row_numbers, has_project = _read_donations(donations_path, need_project=rule.kind == "quadratic")
    result = matching.simulate(rule, donations, row_numbers, has_project)
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(f"配捐模拟 · {_kind_text(rule)}（第 {rule.version} 版）" + ("　※ 二次方配捐：每笔配捐为估算" if rule.kind == "quadratic" else ""))
    show_project = has_project or rule.kind == "quadratic"
    click.echo("\t".join(["行", "捐款人", *(["项目"] if show_project else []), "捐款（元）", "配捐（元）", "说明"]))
    for r in result["donations"]:
        click.echo("\t".join([str(r["row"]), r["donor"], *([r["project"]] if show_project else []),
                              format_fen(int(Decimal(r["amount"]) * 100)), format_fen(int(Decimal(r["match"]) * 100)),
                              _reason_zh(r["reason"])]).rstrip())
    click.echo(f"配捐合计 {format_fen(int(Decimal(result['total_match']) * 100))} 元")
    if rule.kind == "quadratic":
        for project, fen in result["projects"].items():
            click.echo(f"  项目“{project}”配捐 {format_fen(int(Decimal(fen) * 100))} 元")
        click.echo(f"配捐池 {format_fen(to_fen(result['pool']))} 元，未分配 {format_fen(to_fen(result['unallocated']))} 元")
    elif result["pool_remaining"] is not None:
        click.echo(f"配捐池剩余 {format_fen(to_fen(result['pool_remaining']))} 元")


def _parse_round(data, path: str) -> tuple[int, Fraction | None, dict[str, dict[str, int]]]:
    """ROUND.json: {"pool": "10000.00", "cap_share": "0.5", "projects": {NAME: {DONOR: AMOUNT, …}, …}}."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}：应是一个 JSON 对象", f"{path}: must be a JSON object", "round")
    unknown = sorted(set(data) - {"pool", "cap_share", "projects"})
    if unknown:
        raise InvalidInput(f"{path}：没有字段“{unknown[0]}”（可用：pool、cap_share、projects）",
                           f"{path}: no field \"{unknown[0]}\" (fields: pool, cap_share, projects)", unknown[0])
    rule_fields = {"kind": "quadratic", "pool": data.get("pool")}
    if data.get("cap_share") is not None:
        rule_fields["cap_share"] = data["cap_share"]
    try:
        rule = matching.parse_rule(rule_fields)
    except LedgerError as e:
        raise e.located(path, path, "round") from None
    projects = data.get("projects")
    if not isinstance(projects, dict) or not projects:
        raise InvalidInput(f"{path} projects：应为 {{项目: {{捐款人: 金额}}}}，至少一个项目",
                           f"{path} projects: must be {{project: {{donor: amount}}}} with at least one project",
                           "projects")
    contributions: dict[str, dict[str, int]] = {}
    for name, donors in projects.items():
        if not isinstance(donors, dict):
            raise InvalidInput(f"{path} projects.{name}：应为 {{捐款人: 金额}}", f"{path} projects.{name}: must be "
                               "{donor: amount}", f"projects.{name}")
        contributions[name] = {}
        for donor, amount in donors.items():
            where = f"projects.{name}.{donor}"
            fen = matching.parse_fen(amount, where, positive=True)
            contributions[name][donor] = fen
    return rule.pool_fen, rule.cap_share, contributions


@matching_group.command("quadratic")
@click.option("--round", "round_path", required=True,
              help='ROUND.json: {"pool": "10000.00", "cap_share": "0.5", "projects": {NAME: {DONOR: AMOUNT}}}')
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@refusals
def quadratic(round_path, fmt):
    """Share a round's pool among its projects by quadratic matching: each project's match, to the fen."""
    pool_fen, cap_share, contributions = _parse_round(_read_json(round_path), round_path)
    cap_fen = matching.share_cap_fen(pool_fen, cap_share) if cap_share is not None else None
    round_ = matching.quadratic_round(pool_fen, contributions, cap_fen)
    result = dict(projects={p: fen_to_str(s.match_fen) for p, s in round_.projects.items()},
                  raw={p: fen_to_str(s.raw_fen) for p, s in round_.projects.items()},
                  capped=sorted(p for p, s in round_.projects.items() if s.capped),
                  pool=fen_to_str(pool_fen), cap=None if cap_fen is None else fen_to_str(cap_fen),
                  unallocated=fen_to_str(round_.unallocated_fen))
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(f"二次方配捐 · 配捐池 {format_fen(pool_fen)} 元" +
               (f"，每个项目最多 {format_fen(cap_fen)} 元" if cap_fen is not None else ""))
    click.echo("\t".join(["项目", "捐款人数", "捐款（元）", "原始配捐（元）", "配捐（元）", "说明"]))
    for p, s in round_.projects.items():
        note = "已到上限" if s.capped else ("仅一人捐款，原始配捐为零" if s.donors == 1 else "")
        click.echo("\t".join([p, str(s.donors), format_fen(s.contributions_fen), format_fen(s.raw_fen),
                              format_fen(s.match_fen), note]).rstrip())
    click.echo(f"已分配 {format_fen(round_.allocated_fen)} 元，未分配 {format_fen(round_.unallocated_fen)} 元")


@matching_group.command("explain")
@click.option("--rule", "rule_path", required=True, help="RULE.json")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
@click.option("--funder", default=None, help="Who matches, as the text names them (default 政府 / the government).")
@refusals
def explain(rule_path, lang, funder):
    """The rule in plain words, with a worked example: what the project page and the receipt show."""
    click.echo(matching.explain(_read_rule(rule_path), lang, funder))
