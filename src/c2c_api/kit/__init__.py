"""Small shared building blocks: clock, ids, secrets, money."""
