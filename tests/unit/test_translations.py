"""Chinese first: every message the code and templates use has its Chinese translation."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_in_the_code_is_translated_to_chinese(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([Path(sys.executable).parent / "pybabel", "extract", "-q", "-F", "babel.cfg", "-o", str(pot), "."],
                   cwd=ROOT, check=False, capture_output=True)
    if not pot.exists():  # older Babel has no -q
        subprocess.run([Path(sys.executable).parent / "pybabel", "extract", "-F", "babel.cfg", "-o", str(pot), "."],
                       cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as fh:
        used = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with (ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        # A fuzzy entry is a guess that compiling leaves out: it counts as missing.
        zh = {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in read_po(fh) if m.id and not m.fuzzy}
    missing = sorted(m for m in used if not zh.get(m) or (isinstance(zh[m], tuple) and not all(zh[m])))
    assert missing == [], "run pybabel extract/update and tools/fill_zh.py (README, Translations)"
