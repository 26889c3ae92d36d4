"""ETL stage: load."""
