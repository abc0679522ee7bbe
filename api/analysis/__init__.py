"""Analysis of ingested posts: the analyzer a worker uses, the batch task, the hooks it feeds."""
