"""Idempotency keys of money-moving operations: the same key answers the first result again.

A kernel package (it imports no domain): services and transports of every domain use it
(graphql/idempotency.py, rest/idempotency.py). docs/idempotency.md.
"""
