"""`ledger tokens`: API tokens for integrations (bank feeds, a committee's spreadsheet).

A token is printed once, when it is made; the database keeps only its SHA-256.
Commands act as the built-in administrator `system` unless --as names a user
(who may then manage only their own tokens).
"""
from __future__ import annotations

import json

import click

from .cli_common import acting_user, cli_session, cli_work, refusals
from .services import tokens as token_service, users


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


tokens = click.Group("tokens", help="API tokens (Authorization: Bearer ...).")


@tokens.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. the integration's name.")
@click.option("--as", "as_user", default=None, help="Act as this user (default: system).")
@refusals
def tokens_create(username, name, as_user):
    """Make a token for USERNAME and print it, once."""
    with cli_work(as_user) as uow:
        token, plaintext = uow.run(token_service.create_token, users.get_user(uow.session, username), name)
        token_id = token.id
    click.echo(f"token {token_id} for {username} ({name}); shown this once, keep it secret:")
    click.echo(plaintext)


@tokens.command("revoke")
@click.argument("token_id", type=click.IntRange(min=1))
@click.option("--as", "as_user", default=None, help="Act as this user (default: system).")
@refusals
def tokens_revoke(token_id, as_user):
    """Revoke a token by its id (see `ledger tokens list`)."""
    with cli_work(as_user) as uow:
        name = uow.run(token_service.revoke_token, token_id).name
    click.echo(f"revoked token {token_id} ({name})")


@tokens.command("list")
@click.argument("username")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--as", "as_user", default=None, help="Act as this user (default: system).")
@refusals
def tokens_list(username, fmt, as_user):
    """A user's tokens: id, the first characters, name, made, last used, revoked."""
    with cli_session() as session:
        rows = token_service.list_tokens(session, acting_user(session, as_user), users.get_user(session, username))
        listed = [
            {"id": t.id, "prefix": t.prefix, "name": t.name, "created_at": t.created_at,
             "last_used_at": t.last_used_at, "revoked_at": t.revoked_at}
            for t in rows
        ]
    if fmt == "json":
        stamps = ("created_at", "last_used_at", "revoked_at")
        shown = [{k: (v.isoformat() + "Z" if k in stamps and v else v) for k, v in t.items()} for t in listed]
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    for t in listed:
        state = f"revoked {_when(t['revoked_at'])}" if t["revoked_at"] else "active"
        click.echo(f"{t['id']:>5}  {t['prefix']}…  {t['name']}  made {_when(t['created_at'])}  "
                   f"used {_when(t['last_used_at'])}  {state}")
