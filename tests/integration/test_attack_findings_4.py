"""A fourth attack review: publications, their files, the export's verify.py and the public site.

Each test asserts the secure behaviour; each failed when the review was made (helper report, this session).
Attacker: anyone on the internet (the public site), a person passing an export around (a WeChat group), a
committee member typing names and summaries, the admin who names books.
"""
from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading

import pytest

from .test_public_site import site  # noqa: F401  (the fixture)
from .test_publications import _publish, march  # noqa: F401  (the fixture)


# -- L1. The old ?lang= links redirect to another site -----------------------------------------------------------

@pytest.mark.parametrize("url", ["/en/%09/evil.example/?lang=zh", "/en/%09/evil.example?lang=zh",
                                 "/en/%5C/evil.example/?lang=zh", "/%09/evil.example/?lang=en"])
def test_the_language_redirect_never_leaves_the_site(site, url):  # noqa: F811
    """`?lang=zh` on an English page redirected to the path with "/en" cut off. /en/%09/evil.example/ matches
    the month route (code "\\t", period "evil.example"), so before the view could say 404 the site answered
    302 to //evil.example/ (the tab dropped): a link on the community's own disclosure site, pasted into a
    WeChat group, that lands residents on a look-alike page."""
    client, _store = site
    response = client.get(url)
    where = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303, 307, 308):
        from urllib.parse import urlsplit

        cleaned = "".join(ch for ch in where if ch not in "\t\r\n")  # what a browser makes of it
        parts = urlsplit(cleaned.replace("\\", "/"))
        assert parts.netloc in ("", "localhost") and not parts.path.startswith("//"), where
    else:
        assert response.status_code == 404


def test_the_language_links_still_lead_to_the_same_page(site):  # noqa: F811
    client, _store = site
    assert client.get("/T1/2026-03/?lang=en").headers["Location"] == "/en/T1/2026-03/"
    assert client.get("/en/T1/2026-03/v1/entries/?lang=zh").headers["Location"] == "/T1/2026-03/v1/entries/"
    assert client.get("/en/?lang=zh").headers["Location"] == "/"
