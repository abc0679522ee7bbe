"""Ideas: the co-creation board (clusters of feature requests), votes, statuses, credits, re-clustering."""
