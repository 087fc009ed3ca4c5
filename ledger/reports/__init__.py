"""PDF reports built with ReportLab from plain data objects (model.py); render/ never queries,
annual.py assembles the objects from the read side."""
