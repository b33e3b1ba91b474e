"""tools: see README "How it works"."""
