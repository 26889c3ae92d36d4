"""ETL stage: transform."""
