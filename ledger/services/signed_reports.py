"""Signed annual reports: a closed year's PDF carries a PAdES B-B signature (ETSI EN 319 142-1)
by the facility's key, made once and kept, so every download of the year is the same bytes.

The signature covers the whole file, the printed journal head and signed checkpoint with
it.

The file stays PDF/A-3 (ISO 19005-3, built on PDF 1.7): the signature is appended as an
incremental update, which leaves the header "%PDF-1.7" and every byte of the PDF/A file
before it, and pyHanko is kept from declaring PDF 2.0 in the catalogue. It would declare
2.0 with the ISO/TS 32002 extension because ISO 32000-2 only names EdDSA there; but the
signature is a PAdES one (SubFilter ETSI.CAdES.detached, the ETSI extension to PDF 1.7
that PDF/A-3 names for signatures, declared as such), whose algorithms are those of ETSI
TS 119 312, which lists Ed25519. So the file claims what it is: PDF 1.7 with the ETSI
signature extension, PDF/A-3b in its XMP. The certificate is self-signed from the checkpoint key (Ed25519, SHA-512 digests as
RFC 8419 requires) and made deterministically, so anyone holding the verifier key published
at /api/v1/checkpoint/key can check the report offline with `ledger report verify`.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.constants import ESIC_EXTENSION_1
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from ledger.db.tlog import SignedReport
from ledger.domain.errors import Conflict
from ledger.domain.signed_note import NoteSigner, VerifierKey, raw_public_key
from ledger.queries.tlog import checkpoint_covering
from ledger.reports.model import AnnualReport
from ledger.services.witnessing import WitnessConfig, publish_witnessed

FIELD_NAME = "FacilitySignature"
VALID_FROM = datetime(2000, 1, 1, tzinfo=timezone.utc)
VALID_UNTIL = datetime(2100, 1, 1, tzinfo=timezone.utc)
report_table = SignedReport.__table__


def facility_certificate(signer: NoteSigner) -> x509.Certificate:
    """The facility's self-signed certificate for the checkpoint key: the same bytes every time."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, signer.name)])
    serial = int.from_bytes(hashlib.sha256(raw_public_key(signer.private_key)).digest()[:16], "big") >> 1
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(signer.private_key.public_key())
        .serial_number(serial).not_valid_before(VALID_FROM).not_valid_after(VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False,
        ), critical=True)
        .sign(signer.private_key, None)
    )


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def sign_report(pdf: bytes, signer: NoteSigner) -> bytes:
    """`pdf` with an invisible PAdES B-B signature by the facility's key appended."""
    certificate = _asn1(facility_certificate(signer))
    key = asn1_keys.PrivateKeyInfo.load(signer.private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
    pdf_signer = signers.SimpleSigner(
        signing_cert=certificate, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([certificate]),
    )
    metadata = PdfSignatureMetadata(field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha512")
    return _without_event_loop(
        lambda: _Pdf17Signer(metadata, signer=pdf_signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue()
    )


class _Pdf17Signer(signers.PdfSigner):
    """A PAdES signer that declares only the ETSI extension to PDF 1.7, so a PDF/A-3 file stays PDF 1.7 (module docstring)."""

    def register_extensions(self, pdf_out: BasePdfFileWriter, *, md_algorithm: str) -> None:
        pdf_out.ensure_output_version(version=(1, 7))
        pdf_out.register_extension(ESIC_EXTENSION_1)


def _without_event_loop(work: Callable[[], object]):
    """`work()` on a thread of its own: pyHanko's synchronous API calls asyncio.run(), which
    refuses to run in a thread that already runs an event loop (an async server, or a
    Playwright session in the same process)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(work).result()


def published_annual_report(
    engine: Engine, signer: NoteSigner, report: AnnualReport, render: Callable[[AnnualReport], bytes],
    *, witnesses: tuple[WitnessConfig, ...] = (), now: datetime | None = None,
) -> bytes:
    """The PDF to publish: for a closed year, the signed file kept since its first download
    (signed now if this is the first); for any other year the rendering as of today,
    unsigned (its figures may still change).

    A closed year's report is never served without the checkpoint covering its closing
    entry: when none is signed yet (the year was closed by a script, or the checkpoint after
    the closing write failed), one is signed now and sent to the `witnesses`, and the report
    prints it. A journal shorter than a published checkpoint refuses (Conflict), and so
    does the report.
    """
    if report.checkpoint is None:
        return render(report)
    if report.checkpoint.signed_note is None:
        report = replace(report, checkpoint=replace(report.checkpoint, signed_note=_checkpoint_covering(engine, signer, report.checkpoint.seq, witnesses)))
    year = report.year
    with engine.connect() as connection:
        kept = connection.execute(select(report_table.c.pdf).where(report_table.c.year == year, report_table.c.lang == report.lang)).scalar()
    if kept is not None:
        return bytes(kept)
    signed = sign_report(render(report), signer)
    try:
        with engine.begin() as connection:
            connection.execute(insert(report_table).values(
                year=year, lang=report.lang, pdf=signed, sha256=hashlib.sha256(signed).hexdigest(), signed_at=now or datetime.now(timezone.utc),
            ))
    except IntegrityError:  # another request signed it first: serve that one
        with engine.connect() as connection:
            return bytes(connection.execute(select(report_table.c.pdf).where(report_table.c.year == year, report_table.c.lang == report.lang)).scalar_one())
    return signed


def _checkpoint_covering(engine: Engine, signer: NoteSigner, seq: int, witnesses: tuple[WitnessConfig, ...]) -> str:
    """The signed note of the first checkpoint covering entry `seq`, signing one at the head first."""
    publish_witnessed(engine, signer, witnesses)
    with engine.connect() as connection:
        covering = checkpoint_covering(connection, seq)
    if covering is None:  # the head is before the closing entry: the journal lost it
        raise Conflict(f"no checkpoint can cover entry {seq}: the journal ends before it; restore the database and run `ledger verify`")
    return covering.note


@dataclass(frozen=True, slots=True)
class ReportCheck:
    """What `ledger report verify` found: ok, and a sentence on each finding."""

    ok: bool
    findings: tuple[str, ...]


def verify_report(pdf: bytes, key: VerifierKey) -> ReportCheck:
    """Whether `pdf` carries a valid, intact signature covering the whole file, by the key
    whose verifier key is `key` (the one published at /api/v1/checkpoint/key)."""
    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    except (PdfReadError, ValueError) as error:
        return ReportCheck(False, (f"not a readable PDF: {error}",))
    if not signatures:
        return ReportCheck(False, ("the PDF carries no signature",))
    signature = signatures[-1]
    certificate = signature.signer_cert
    public = certificate.public_key
    if public.algorithm != "ed25519" or public["public_key"].native != key.public_key:
        return ReportCheck(False, (f"the report was signed by another key than {key.name} ({key.key_id.hex()})",))
    status = _without_event_loop(lambda: validate_pdf_signature(signature, ValidationContext(trust_roots=[certificate])))
    findings = []
    if not status.intact or not status.valid:
        findings.append("the signature does not match the file: the report was changed after signing")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        findings.append(f"the signature covers only part of the file ({status.coverage.name}): content was added after signing")
    if findings:
        return ReportCheck(False, tuple(findings))
    when = status.signer_reported_dt.isoformat() if status.signer_reported_dt else "an unstated time"
    return ReportCheck(True, (
        f"signed by {key.name} ({key.key_id.hex()}) at {when}; the signature is intact and covers the entire file, "
        "including the journal head and the signed checkpoint printed in it",
    ))
