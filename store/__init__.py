"""The stores: conversations, votes, API keys (SQLite beside the index) and the background writer they share."""
