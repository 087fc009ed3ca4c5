"""PDF renderers: the annual report of a fiscal year and a member's statement of account.

Built the way reportlab's docco and pretix's invoices are: one stylesheet factory whose
styles inherit from "Body"; page furniture (cover band, header, footer "page X of Y")
drawn by page templates, apart from the story; the story built from a plain record of
``ledger.reports.model`` and nothing else. The renderers never query anything.

Every text is set in DejaVu Sans and DejaVu Sans Mono (Debian's fonts-dejavu-core), embedded
as subsets, so any member's name prints, in Latin, Greek or Cyrillic script. Each printed
table also travels inside the file as a CSV attachment, with the checkpoint, and the file is
PDF/A-3b (ledger.reports.pdfa).

The same record always gives the same bytes: ``invariant=1`` removes the clock and the
random file identifier, the creation date is the record's own as-of date, and the PDF/A
step dates everything by it too.

One module per responsibility: ``page`` (fonts, styles, the look of a document, the page
furniture), ``tables``, ``charts``, and one story per document, ``annual_report`` and
``statement``.
"""

from ledger.reports.render.annual_report import render_annual_report
from ledger.reports.render.statement import render_member_statement

__all__ = ["render_annual_report", "render_member_statement"]
