"""The write path: turn corpus/ into a published, searchable index (`python -m ingest`)."""
