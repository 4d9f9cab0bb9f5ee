"""Reference pages generated from the code: docs/errors.md and docs/oauth.md (`c2c-api docs`)."""
