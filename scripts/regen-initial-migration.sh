#!/usr/bin/env bash
# While nothing has been released, the initial migration is regenerated from the models.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f alembic/versions/0001_initial_schema.py
C2C_DATABASE_URL="sqlite+aiosqlite:///$tmp/gen.sqlite3" .venv/bin/alembic revision --autogenerate -m "initial schema" --rev-id 0001 >/dev/null
sed -i -e "/^Create Date:/d" -e "s/[[:space:]]*$//" alembic/versions/0001_initial_schema.py
.venv/bin/ruff check --fix -q alembic/versions || true
.venv/bin/ruff format -q alembic/versions
rm -rf "$tmp"
echo "regenerated alembic/versions/0001_initial_schema.py"
