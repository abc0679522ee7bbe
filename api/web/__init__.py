"""Server-rendered pages: the co-creation board, the moderator console, credits, users."""
