"""The ETL: the Prometheus HTTP API and the bots' event logs into the warehouse (PostgreSQL or DuckDB)."""
