"""Small shared building blocks of the kernel (no domain, no GraphQL): clock, secrets, money,
countries, text checks, password hashing, keyset pages and signed cursors, rate-limit buckets,
the helpers every CLI group shares (commands.py). Relay global ids: c2c_api.graphql.relay."""
