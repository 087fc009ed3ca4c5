"""The board page's plain functions (dashboards.pages.governance is the page): what it reads, its tables and charts, its simulator."""
