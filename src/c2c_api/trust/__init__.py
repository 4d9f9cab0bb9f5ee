"""Trust: warnings on messages (scam patterns), later fraud signals on listings (DESIGN.md §6)."""
