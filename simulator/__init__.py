"""Everything that drives, watches and judges a game day."""
