"""Reading what was published, for the public site: a publication's listed files, and its verifiable export
as one zip: its files, manifest.json, manifest.sig and verify.py,
in a folder named BOOK-YYYY-MM-vN.

The bytes are deterministic (files in the manifest's order, fixed timestamps and permissions), so the same
publication always gives the same zip: it can carry a strong ETag and be cached for good, and a static copy of
the site serves exactly what the live site does. Each file is checked against the manifest while it is read,
so a file changed on disk is refused, never handed out.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Publication, PublicationFile
from ..domain.chain import sha256_hex
from ..domain.errors import InvalidState, NotFound

VERIFY_SCRIPT = Path(__file__).resolve().parent.parent / "export_kit" / "verify.py"
_WHEN = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can say: no clock in the bytes
_STORED = (".jpg", ".jpeg", ".png", ".pdf", ".xlsx", ".zip")  # already compressed


def files_of(session: Session, publication: Publication) -> list[PublicationFile]:
    """The files the publication's manifest lists, by path."""
    return list(session.scalars(select(PublicationFile).where(PublicationFile.publication_id == publication.id)
                                .order_by(PublicationFile.path)))


def zip_name(publication: Publication, book_code: str) -> str:
    return f"{book_code}-{publication.period}-v{publication.version}"


def export_zip(publication: Publication, book_code: str, root: Path) -> bytes:
    """The publication's folder as a zip whose bytes depend on its contents alone."""
    folder = root / publication.folder
    try:
        manifest_bytes = (folder / "manifest.json").read_bytes()
        signature = (folder / "manifest.sig").read_bytes()
    except FileNotFoundError:
        raise NotFound(f"公示文件夹 {folder} 不见了", f"the publication folder {folder} is missing", "period") from None
    if sha256_hex(manifest_bytes) != publication.manifest_sha256:
        raise InvalidState("manifest.json 与公示记录不符", "manifest.json is not the one the publication records", "period")
    top = zip_name(publication, book_code)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=_WHEN)
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever machine builds it
            info.compress_type = zipfile.ZIP_STORED if name.lower().endswith(_STORED) else zipfile.ZIP_DEFLATED
            z.writestr(info, data)

        for f in json.loads(manifest_bytes)["files"]:
            data = (folder / f["path"]).read_bytes()
            if sha256_hex(data) != f["sha256"] or len(data) != f["size"]:
                raise InvalidState(f"公示文件 {f['path']} 与清单不符", f"the published file {f['path']} differs from the manifest",
                                   "path")
            add(f["path"], data)
        add("manifest.json", manifest_bytes)
        add("manifest.sig", signature)
        add("verify.py", VERIFY_SCRIPT.read_bytes())
    return out.getvalue()
