"""The OpenAPI document, and a page that lays it out as tables.

The page is rendered here, from the same document, with no script at all: the
CSP forbids inline code and there is no CDN to fetch Swagger UI or ReDoc from.
"""
from __future__ import annotations

import json
import re

from flask import Blueprint, current_app, render_template_string
from markupsafe import Markup, escape

from .common import PREFIX
from .errors import register_error_handlers

bp = Blueprint("api_docs", __name__, url_prefix=PREFIX)
register_error_handlers(bp)

METHODS = ("get", "put", "post", "delete", "patch")


def N_(text: str) -> str:
    """Marks the page's words for the catalogue (they live in PAGE, where pybabel does not look)."""
    return text


_WORDS = (N_("Operations"), N_("Method"), N_("Path"), N_("What it does"), N_("Parameters"), N_("Request body"),
          N_("Responses"), N_("required"), N_("Schemas"), N_("Field"), N_("Type"), N_("Required"), N_("Notes"), N_("yes"))

PAGE = """<!doctype html>
<html lang="{{ 'en' if current_locale().startswith('en') else 'zh-CN' }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ info.title }} · {{ info.version }}</title>
<link rel="stylesheet" href="{{ url_for('static', filename='office.css') }}">
</head>
<body>
<header class="top"><span class="brand">{{ info.title }}</span>
<nav><a href="{{ url_for('api_docs.openapi_json') }}">openapi.json</a></nav></header>
<main>
<h1>API {{ info.version }}</h1>
{% for para in info.get('description', '').split('\\n\\n') %}<p>{{ para|inline_code }}</p>{% endfor %}

<h2 id="operations">{{ _("Operations") }}</h2>
<table>
<thead><tr><th>{{ _("Method") }}</th><th>{{ _("Path") }}</th><th>{{ _("What it does") }}</th><th>{{ _("Parameters") }}</th><th>{{ _("Request body") }}</th><th>{{ _("Responses") }}</th></tr></thead>
<tbody>
{% for op in operations %}
<tr>
<td><code>{{ op.method|upper }}</code></td>
<td><code>{{ op.path }}</code></td>
<td>{{ op.summary|inline_code }}{% if op.description %}<br>{{ op.description|inline_code }}{% endif %}</td>
<td>{% for p in op.parameters %}<code>{{ p.name }}</code> ({{ p['in'] }}{% if p.required %}, {{ _("required") }}{% endif %}): {{ p.type }}{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
<td>{% if op.body %}{{ op.body|safe }}{% endif %}</td>
<td>{% for status, schema in op.responses %}<code>{{ status }}</code>{% if schema %} {{ schema|safe }}{% endif %}{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
</tr>
{% endfor %}
</tbody>
</table>

<h2 id="schemas">{{ _("Schemas") }}</h2>
{% for name, props in schemas %}
<h3 id="schema-{{ name }}">{{ name }}</h3>
<table>
<thead><tr><th>{{ _("Field") }}</th><th>{{ _("Type") }}</th><th>{{ _("Required") }}</th><th>{{ _("Notes") }}</th></tr></thead>
<tbody>
{% for p in props %}
<tr><td><code>{{ p.name }}</code></td><td>{{ p.type|safe }}</td><td>{{ _("yes") if p.required else '' }}</td><td>{{ p.notes|inline_code }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endfor %}
</main>
</body>
</html>
"""


def inline_code(text: str) -> Markup:
    """The docstrings' Markdown `code` as <code>, everything else escaped: no backticks on the page."""
    return Markup(re.sub(r"`([^`\n]+)`", r"<code>\1</code>", _escape(text or "")))


def spec_dict() -> dict:
    return current_app.extensions["ledger_api"].spec.to_dict()


def _escape(text: str) -> str:
    return str(escape(text))


def _type(schema: dict | None) -> str:
    """A schema as short HTML: a link for a reference, `array of ...`, `string (decimal)`."""
    if not schema:
        return ""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f'<a href="#schema-{_escape(name)}">{_escape(name)}</a>'
    if schema.get("type") == "array":
        return "array of " + _type(schema.get("items"))
    text = _escape(str(schema.get("type", "object")))
    if schema.get("format"):
        text += f" ({_escape(schema['format'])})"
    if schema.get("nullable"):
        text += " or null"
    return text


def _notes(schema: dict) -> str:
    rules = []
    for key in ("enum", "pattern", "minimum", "maximum", "minLength", "maxLength", "default", "example"):
        if key in schema:
            value = schema[key]
            rules.append(f"{key}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}")
    parts = [schema["description"]] if schema.get("description") else []
    if rules:
        parts.append("; ".join(rules))
    return " — ".join(parts)


def _responses(op: dict) -> list[tuple[str, str]]:
    found = []
    for status, response in sorted(op.get("responses", {}).items()):
        if "$ref" in response:
            name = response["$ref"].rsplit("/", 1)[-1]
            response = spec_responses().get(name, {})
        content = response.get("content", {}).get("application/json", {})
        found.append((status, _type(content.get("schema"))))
    return found


def spec_responses() -> dict:
    return spec_dict().get("components", {}).get("responses", {})


@bp.route("/openapi.json")
def openapi_json():
    return current_app.response_class(
        json.dumps(spec_dict(), ensure_ascii=False, indent=2), mimetype="application/json"
    )


@bp.route("/docs")
def docs():
    spec = spec_dict()
    operations = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [
                {"name": p["name"], "in": p["in"], "required": p.get("required", False),
                 "type": Markup(_type(p.get("schema")) + _escape(f" — {_notes(p['schema'])}" if _notes(p.get("schema", {})) else ""))}
                for p in shared + op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {})
            body_schema = next(iter(body.values()), {}).get("schema") if body else None
            operations.append({
                "method": method, "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "parameters": params,
                "body": _type(body_schema) if body_schema else "", "responses": _responses(op),
            })
    schemas = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        props = [
            {"name": prop, "type": _type(s), "required": prop in required, "notes": _notes(s)}
            for prop, s in schema.get("properties", {}).items()
        ]
        schemas.append((name, props))
    return render_template_string(PAGE, info=spec["info"], operations=operations, schemas=schemas)


@bp.app_template_filter("inline_code")
def _inline_code_filter(text):
    return inline_code(text)
