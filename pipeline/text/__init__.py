"""text: see README "How it works"."""
