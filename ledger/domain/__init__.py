"""Pure rules and immutable records: no Flask, SQL, Dash or ReportLab here."""
