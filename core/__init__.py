"""Shared pieces of the write path (ingest) and the read path (qa): types, on-disk format, model."""
