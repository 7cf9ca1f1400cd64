"""The units and owners register (房屋与业主) and owners' resolutions (业主大会决定).

The register names owners and their phones: it is read by those who may read the register (treasurer,
committee, supervisor, trustee), as on its page. A register or votes file with any bad row is refused whole
(400), every bad row and column listed in `problems`.
"""
from __future__ import annotations

from ..db.session import get_session as db
from ..domain.permissions import Action
from ..services import access, register, resolutions
from .auth import actor, readable_book, unit_of_work
from .common import ID, IN_BOOK, api_blueprint, refusals, requires
from .schemas import (
    FileUploadSchema,
    RegisterImportSchema,
    RegisterSchema,
    ResolutionSchema,
    ResolutionSummarySchema,
    TallySchema,
    TallyUploadSchema,
)

bp = api_blueprint("api_register", "The units and owners register (房屋与业主, private) and owners' resolutions "
                                   "(业主大会决定, tallied by Civil Code Art. 278).")

UPLOAD = (400, 403, 404, 409, 413, 422)


def read_upload(upload, limit: int) -> tuple[bytes, str]:
    """The uploaded file's bytes, read to one past the service's limit (enough to refuse, never more), and its name."""
    return upload.stream.read(limit + 1), upload.filename or ""


@bp.route("/books/<ledgercode:book>/units")
@requires(Action.READ_REGISTER)
@bp.response(200, RegisterSchema)
@refusals(bp, *IN_BOOK)
def list_units(book):
    """The register: each unit with its area, use and owners (names and phones: private), and its totals."""
    session, b = db(), readable_book(book)
    t = register.totals(session, b)
    return {"units": register.listing(session, actor(), b),
            "totals": {"units": t.units, "owners": t.owners, "area_m2": t.area}}


@bp.route("/books/<ledgercode:book>/units/import", methods=["POST"])
@requires(Action.KEEP_REGISTER)
@bp.arguments(FileUploadSchema, location="multipart", arg_name="files")
@bp.response(200, RegisterImportSchema)
@refusals(bp, *UPLOAD)
def import_units(book, files):
    """Add or update units and their owners from XLSX or CSV (multipart field `file`): columns building, unit,
    area_m2, use, owner, phone (or 楼栋, 房号, 建筑面积, 用途, 业主, 电话). All or nothing."""
    data, name = read_upload(files["file"], register.MAX_BYTES)
    result = unit_of_work().run(register.import_units, readable_book(book), data, name)
    return {"added": result.added, "updated": result.updated, "unchanged": result.unchanged,
            "owners_added": result.owners_added}


def _summary(r) -> dict:
    return {"id": r.id, "title": r.title, "matter": r.matter, "held_on": r.held_on, "status": r.status,
            "recorded_at": r.recorded_at}


@bp.route("/books/<ledgercode:book>/resolutions")
@bp.response(200, ResolutionSummarySchema(many=True))
@refusals(bp, *IN_BOOK)
def list_resolutions(book):
    """The recorded owners' resolutions, newest first."""
    return [_summary(r) for r in resolutions.resolutions_of(db(), readable_book(book))]


@bp.route(f"/books/<ledgercode:book>/resolutions/<{ID}:resolution_id>")
@bp.response(200, ResolutionSchema)
@refusals(bp, *IN_BOOK)
def get_resolution(book, resolution_id):
    """A resolution with its tally as recorded (exact fractions and decimal strings), and how each unit voted
    (for those who may read the register; null for the others)."""
    session, b = db(), readable_book(book)
    found = resolutions.get_resolution(session, b, resolution_id)
    votes = None
    if access.can(session, actor(), Action.READ_REGISTER, b):
        votes = [{"unit": u.label, "vote": v} for u, v in resolutions.votes_of(session, found)]
    return dict(_summary(found), tally=resolutions.tally_of(found), votes=votes)


@bp.route("/books/<ledgercode:book>/resolutions/tally", methods=["POST"])
@requires(Action.READ_REGISTER)
@bp.arguments(TallyUploadSchema, location="multipart", arg_name="files")
@bp.response(200, TallySchema)
@refusals(bp, *UPLOAD)
def tally(book, files):
    """Tally a votes file (multipart field `file`, columns unit and vote: agree/against/abstain or 同意/反对/弃权)
    against the register for a `matter` (ordinary or special); records nothing."""
    data, name = read_upload(files["file"], register.MAX_BYTES)
    return resolutions.tally_file(db(), actor(), readable_book(book), data, name, files["matter"]).to_dict()
