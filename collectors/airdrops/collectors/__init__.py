"""The ETL: Prometheus HTTP API and bots' event logs into the warehouse (not built yet)."""
