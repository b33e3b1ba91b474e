"""io: see README "How it works"."""
