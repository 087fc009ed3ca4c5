"""The compute page's plain functions: what it reads (read.py) and its tables and charts (tables.py)."""
