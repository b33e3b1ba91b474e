"""learn: see README "How it works"."""
