"""Read-only SELECTs for the public side and the dashboards; aggregates are computed in SQL."""
