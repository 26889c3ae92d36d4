"""ETL stage: extract."""
