"""Conflict event extraction pipeline: ingest news articles, extract events, write Parquet.

This package never imports Airflow; the DAGs in ``dags/`` are thin wiring around it.
"""

__version__ = "0.1.0"
