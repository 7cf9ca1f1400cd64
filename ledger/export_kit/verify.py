#!/usr/bin/env python3
"""Check a published month (公示) of the Community Trust Ledger, with nothing but this folder.

    python3 verify.py [EXPORT_DIR]        (default: the folder this script is in)

It checks, and prints OK and exits 0, or prints the first mismatch and exits 1:
  1. manifest.sig is the book key's Ed25519 signature of
     "publication:BOOK:YYYY-MM:VERSION:" + SHA-256 of manifest.json (the key is in the manifest; its
     fingerprint, printed below, is also on every notice: a replaced key shows);
  2. every file the manifest lists has that SHA-256 and size, and no file is missing; each path is a plain
     file inside the folder (no '..', no absolute path, no symbolic link), and the folder holds no file the
     manifest does not list (besides manifest.json, manifest.sig and verify.py): OK vouches for every file;
  3. each entry in entries.json hashes to its "hash" (SHA-256 of the previous hash and the entry's canonical
     JSON) and carries the key's signature of "entry:" + that hash; the entries are in chain order, one that
     follows another in the chain links to it, and none is past the chain head the manifest records;
     no JSON file names a key twice;
  4. the month's figures: the change in net assets and the net change in cash in statements.json equal what
     the entries add up to;
  5. a trust book's figures in trust.json, when the month has them, add up: each building's aging buckets to its
     outstanding total and the buildings to the compound's, each collection rate to collected ÷ billed (half up,
     two decimals), each budget variance to actual − budget and its percentage to actual ÷ budget (half up, one
     decimal), the budget's totals to its lines, the bank's difference to its closing balance − the book's, and the
     public revenues' totals to their contracts.
Hashes, the chain and the figures use the standard library only. For the signatures it uses the
`cryptography` package when it is installed, else `openssl pkeyutl`; it says which.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

CANONICAL = ("approvers", "attachments", "book", "date", "lines", "makers", "number", "reverses", "source", "summary")


class Mismatch(Exception):
    pass


def canonical(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _with_cryptography(public_hex: str):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))

    def check(signature_hex: str, message: bytes) -> bool:
        try:
            key.verify(bytes.fromhex(signature_hex), message)
            return True
        except (InvalidSignature, ValueError):
            return False

    return check


def _with_openssl(public_hex: str):
    # SubjectPublicKeyInfo of an Ed25519 key: a fixed 12-byte prefix and the 32 raw bytes.
    der = bytes.fromhex("302a300506032b6570032100") + bytes.fromhex(public_hex)
    pem = "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(der).decode("ascii") + "\n-----END PUBLIC KEY-----\n"
    folder = tempfile.mkdtemp(prefix="verify-")
    key_path = os.path.join(folder, "key.pem")
    with open(key_path, "w", encoding="ascii") as f:
        f.write(pem)

    def check(signature_hex: str, message: bytes) -> bool:
        msg_path, sig_path = os.path.join(folder, "msg"), os.path.join(folder, "sig")
        with open(msg_path, "wb") as f:
            f.write(message)
        try:
            with open(sig_path, "wb") as f:
                f.write(bytes.fromhex(signature_hex))
        except ValueError:
            return False
        done = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", key_path, "-rawin",
                               "-in", msg_path, "-sigfile", sig_path], capture_output=True)
        return done.returncode == 0

    return check


def signature_checker(public_hex: str):
    if os.environ.get("VERIFY_WITH") != "openssl":
        try:
            return _with_cryptography(public_hex), "the cryptography package"
        except ImportError:
            pass
    return _with_openssl(public_hex), "openssl pkeyutl"


# Files an export holds beside the ones its manifest lists, and what a desktop leaves in a folder it shows.
OWN = ("manifest.json", "manifest.sig", "verify.py")
LITTER = (".DS_Store", "Thumbs.db", "desktop.ini")


def _no_duplicate_keys(pairs):
    keys = [k for k, _v in pairs]
    if len(set(keys)) != len(keys):
        raise Mismatch(f"a JSON object names a key twice ({sorted(k for k in set(keys) if keys.count(k) > 1)[0]})")
    return dict(pairs)


def loads(data: bytes):
    """JSON as one reading only: a key given twice (which other readers may take the other way) is a mismatch."""
    return json.loads(data, object_pairs_hook=_no_duplicate_keys)


def _safe_path(name) -> bool:
    """A path inside the export: relative, '/'-separated, no '.', '..' or empty part, no backslash or drive."""
    parts = name.split("/") if isinstance(name, str) else [""]
    return bool(name) and "\\" not in name and ":" not in name and all(p not in ("", ".", "..") for p in parts)


def _half_up(part: int, whole: int, scale: int) -> str:
    """part / whole x 100 with `scale` decimals, rounded half away from zero, exactly (integers only)."""
    numerator, denominator = abs(part) * 100 * 10 ** scale, abs(whole)
    units = (2 * numerator + denominator) // (2 * denominator)
    sign = "-" if (part < 0) != (whole < 0) and part != 0 else ""
    whole_part, fraction = divmod(units, 10 ** scale)
    return f"{sign}{whole_part}.{fraction:0{scale}d}"


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def check_trust(doc) -> list:
    """What in trust.json does not add up, in words (an empty list when it all does)."""
    found = []

    def rate_of(where, r):
        billed, collected = r["billed_fen"], r["collected_fen"]
        want = None if billed == 0 else _half_up(collected, billed, 2)
        g = _gcd(collected, billed) if billed else 1
        fraction = None if billed == 0 else f"{collected // g}/{billed // g}"
        if r["rate"] != want or r["fraction"] != fraction:
            found.append(f"trust.json: the collection rate of {where} is not collected / billed")

    arrears = doc.get("arrears")
    if arrears is not None:
        buckets = arrears["buckets"]
        rows = arrears["buildings"] + [arrears["total"]]
        for row in rows:
            where = f"building {row['building']}" if "building" in row else "the compound"
            if sum(row["fen"][b] for b in buckets) != row["fen"]["total"]:
                found.append(f"trust.json: the aging buckets of {where} do not add up to its outstanding total")
            rate_of(f"{where} (month)", row["month"])
            rate_of(f"{where} (year to date)", row["ytd"])
        for b in list(buckets) + ["total"]:
            if sum(row["fen"][b] for row in arrears["buildings"]) != arrears["total"]["fen"][b]:
                found.append(f"trust.json: the buildings' {b} does not add up to the compound's")
        for part in ("month", "ytd"):
            for k in ("billed_fen", "collected_fen"):
                if sum(row[part][k] for row in arrears["buildings"]) != arrears["total"][part][k]:
                    found.append(f"trust.json: the buildings' {part} {k} does not add up to the compound's")
        if sum(row["units"] for row in arrears["buildings"]) != arrears["total"]["units"]:
            found.append("trust.json: the buildings' units do not add up to the compound's")

    def figures(where, f):
        if f["variance_fen"] != f["actual_fen"] - f["budget_fen"]:
            found.append(f"trust.json: the budget variance of {where} is not actual - budget")
        want = None if f["budget_fen"] == 0 else _half_up(f["actual_fen"], f["budget_fen"], 1)
        if f["percent"] != want:
            found.append(f"trust.json: the budget percentage of {where} is not actual / budget")

    budget = doc.get("budget")
    if budget is not None:
        for line in budget["lines"]:
            for part in ("month", "ytd"):
                figures(f"{line['account']} {line['fund']} ({part})", line[part])
        for kind, parts in budget["totals"].items():
            mine = [line for line in budget["lines"] if line["type"] == kind]
            for part, f in parts.items():
                figures(f"the {kind} total ({part})", f)
                if (f["budget_fen"], f["actual_fen"]) != (sum(l[part]["budget_fen"] for l in mine),
                                                          sum(l[part]["actual_fen"] for l in mine)):
                    found.append(f"trust.json: the budget's {kind} total ({part}) is not the sum of its lines")
    for account in doc.get("bank") or []:
        difference = account["bank_closing_fen"] - account["book_fen"]
        if account["difference_fen"] != difference or account["reconciled"] != (difference == 0):
            found.append(f"trust.json: the reconciliation of {account['account']} is not the bank's balance - the book's")
    revenues = doc.get("revenues")
    if revenues is not None:
        for k, v in revenues["totals"].items():
            if sum(c[k] for c in revenues["contracts"]) != v:
                found.append(f"trust.json: the public revenues' {k} is not the sum of the contracts")
    return found


def verify(folder: str) -> str:
    def read(name: str) -> bytes:
        if not _safe_path(name):
            raise Mismatch(f"the manifest lists {name!r}, which is not a path inside the export")
        where = os.path.join(folder, *name.split("/"))
        parts = name.split("/")
        for i in range(len(parts)):  # a link could make a file outside the folder stand in for one inside it
            if os.path.islink(os.path.join(folder, *parts[: i + 1])):
                raise Mismatch(f"{name} is a symbolic link; an export holds plain files only")
        try:
            with open(where, "rb") as f:
                return f.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise Mismatch(f"{name} is missing") from None

    manifest_bytes = read("manifest.json")
    manifest = loads(manifest_bytes)
    public = manifest["public_key"]
    check, how = signature_checker(public)
    print(f"book {manifest['book']} {manifest['period']} version {manifest['version']}; key fingerprint "
          f"{sha256(bytes.fromhex(public))[:16]}; signatures checked with {how}")
    message = f"publication:{manifest['book']}:{manifest['period']}:{manifest['version']}:{sha256(manifest_bytes)}"
    if not check(read("manifest.sig").decode("ascii").strip(), message.encode("utf-8")):
        raise Mismatch("manifest.sig is not the book key's signature of manifest.json")
    listed = [f["path"] for f in manifest["files"]]
    if len(set(listed)) != len(listed):
        raise Mismatch("the manifest lists a file twice")
    for needed in ("entries.json", "statements.json"):
        if needed not in listed:
            raise Mismatch(f"the manifest does not list {needed}")
    for f in manifest["files"]:
        where = os.path.join(folder, *f["path"].split("/")) if _safe_path(f["path"]) else None
        if where and os.path.isfile(where) and not os.path.islink(where) and os.path.getsize(where) != f["size"]:
            raise Mismatch(f"{f['path']} is not the file the manifest lists (its size differs)")  # never read a huge one
        data = read(f["path"])
        if sha256(data) != f["sha256"] or len(data) != f["size"]:
            raise Mismatch(f"{f['path']} is not the file the manifest lists (SHA-256 or size differs)")
    # Every file in the folder is one the manifest lists: "OK" must never vouch for a file slipped in beside them.
    known = set(listed) | set(OWN)
    for top, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            path = os.path.relpath(os.path.join(top, name), folder).replace(os.sep, "/")
            if name in LITTER and path not in known:
                continue
            if path not in known:
                raise Mismatch(f"{path} is in the folder but the manifest does not list it (it is not part of the publication)")
            if os.path.islink(os.path.join(top, name)):
                raise Mismatch(f"{path} is a symbolic link; an export holds plain files only")
    entries = loads(read("entries.json"))
    change = cash = 0
    previous = None
    for e in entries:
        doc = {k: e[k] for k in CANONICAL}
        if sha256(e["prev_hash"].encode("ascii") + canonical(doc)) != e["hash"]:
            raise Mismatch(f"entry {e['number']} does not hash to its recorded hash")
        # The month's entries in chain order; where two follow each other in the chain, the later one links to
        # the earlier, and the newest chain entry is the head the manifest records.
        if previous is not None and e["chain_seq"] <= previous["chain_seq"]:
            raise Mismatch(f"entry {e['number']} is out of chain order")
        if previous is not None and e["chain_seq"] == previous["chain_seq"] + 1 and e["prev_hash"] != previous["hash"]:
            raise Mismatch(f"entry {e['number']} does not follow entry {previous['number']} in the chain")
        if e["chain_seq"] > manifest["chain_seq"] or (e["chain_seq"] == manifest["chain_seq"] and e["hash"] != manifest["chain_head"]):
            raise Mismatch(f"entry {e['number']} is not in the chain whose head the manifest records")
        previous = e
        if not check(e["signature"], b"entry:" + e["hash"].encode("ascii")):
            raise Mismatch(f"entry {e['number']} carries no valid signature of the book's key")
        for line in e["lines"]:
            if line["account_type"] in ("income", "expense"):
                change -= line["fen"]
            if line["cash"]:
                cash += line["fen"]
    figures = loads(read("statements.json"))
    if figures["activities"]["totals_fen"]["change"]["total"] != change:
        raise Mismatch("statements.json: the change in net assets is not what the entries add up to")
    if figures["cash_flow"]["totals_fen"]["net"]["range"] != cash:
        raise Mismatch("statements.json: the net change in cash is not what the entries add up to")
    if "trust.json" in listed:
        findings = check_trust(loads(read("trust.json")))
        if findings:
            raise Mismatch(findings[0])
    return f"{len(manifest['files'])} files, {len(entries)} entries, change in net assets {change / 100:.2f}"


def main(argv) -> int:
    folder = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    try:
        said = verify(folder)
    except Mismatch as e:
        print(f"MISMATCH: {e}")
        return 1
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        print(f"MISMATCH: a file cannot be read as the format says ({e})")
        return 1
    print(f"OK: {said}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
