"""Turning a rendered report into PDF/A-3b with its data attached (ISO 19005-3).

What this does to the renderer's bytes, with pikepdf: an XMP packet that declares
``pdfaid:part 3, conformance B`` and restates the document information (ISO 19005-3 6.6.2);
an sRGB output intent (6.2.4); the print flag on every annotation (6.3.2); and each
attached file as an embedded file stream with its MIME type, dates and an
``AFRelationship`` of ``/Data``, listed in the catalogue's ``/AF`` array (6.8 and Annex E).
The fonts are the renderer's concern: it embeds subsets of TrueType fonts only.

Everything is dated by the report's own date and the file identifier is derived from the
content, so the same record gives the same bytes, file after file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import pikepdf
from pikepdf import Array, Dictionary, Name

_ICC_DATE = slice(24, 36)  # the profile header's creation date (ICC.1:2010 7.2.1)
_ANNOTATION_PRINT = 4  # PDF 32000-1 12.5.3: the annotation prints


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file carried inside the PDF: its name, bytes, MIME type and what it holds."""

    filename: str
    data: bytes
    mime_type: str
    description: str


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile, as littlecms builds it through Pillow, with a fixed creation date.

    Pillow is already installed with ReportLab; littlecms stamps the clock's time into the
    header, which would change the report's bytes, so the header date is set to zero (the
    profile ID is left zero, which the ICC specification allows).
    """
    from PIL import ImageCms

    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[_ICC_DATE] = bytes(12)
    return bytes(profile)


def _pdf_date(day: date) -> str:
    return f"D:{day:%Y%m%d}000000Z"


def make_pdfa(content: bytes, attachments: Sequence[Attachment], *, created_on: date, lang: str) -> bytes:
    """The PDF of `content` as PDF/A-3b, carrying `attachments`; the same input gives the same bytes."""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        stamp = _pdf_date(created_on)
        specs = []
        for attachment in attachments:
            spec = pikepdf.AttachedFileSpec(
                pdf, attachment.data, description=attachment.description, filename=attachment.filename,
                mime_type=attachment.mime_type, creation_date=stamp, mod_date=stamp, relationship=Name.Data,
            )
            pdf.attachments[attachment.filename] = spec
            specs.append(pdf.attachments[attachment.filename].obj)
        pdf.Root.AF = pdf.make_indirect(Array(specs))
        pdf.Root.Lang = pikepdf.String(lang)
        profile = pdf.make_stream(srgb_profile())
        profile.N = 3
        pdf.Root.OutputIntents = Array([
            Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=pikepdf.String("sRGB"),
                       Info=pikepdf.String("sRGB IEC61966-2.1"), DestOutputProfile=profile)
        ])
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", Array()):
                annotation.F = _ANNOTATION_PRINT
        pdf.docinfo.ModDate = pdf.docinfo.get("/CreationDate", stamp)
        # /Trapped has no XMP property here, and PDF/A wants the two to agree: leave it out.
        if "/Trapped" in pdf.docinfo:
            del pdf.docinfo["/Trapped"]
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta.load_from_docinfo(pdf.docinfo)
            meta["pdfaid:part"] = "3"
            meta["pdfaid:conformance"] = "B"
        output = io.BytesIO()
        # Associated files (/AF) are a PDF 1.7-era feature PDF/A-3 builds on; ReportLab writes 1.4.
        pdf.save(output, deterministic_id=True, fix_metadata_version=False, min_version="1.7")
    return output.getvalue()
