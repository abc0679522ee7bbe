"""Posts: ingest, listing, one post with its analysis, staff responses."""
