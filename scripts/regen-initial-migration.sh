#!/usr/bin/env bash
# 0001 (issue 2) is frozen. Regenerate the newest unreleased revision with scripts/regen-migration.sh.
echo "0001_initial_schema is frozen; use scripts/regen-migration.sh NNNN \"message\" for the unreleased revision" >&2
exit 1
