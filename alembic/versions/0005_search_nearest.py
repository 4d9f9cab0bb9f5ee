"""search: nearest-first through a GiST index on points of the unit sphere (hand-written)

PostgreSQL only (SQLite keeps the bounding box on ix_listings_public_position and the
haversine distance).

  * extension cube (trusted since PostgreSQL 13: a role with CREATE on the database may create
    it). earthdistance is not used: it is not trusted, and its functions resolve `cube` through
    the caller's search_path.
  * c2c_sphere_point(latitude, longitude) -> cube: the point on the unit sphere, as a 3-D cube.
    The straight-line (chord) distance between two such points, the cube `<->` operator, grows
    with the great-circle distance, so ordering by it is ordering by distance. IMMUTABLE, and
    its search_path is fixed at creation (it is used in an index expression, which maintenance
    commands may evaluate under another search_path).
  * ix_listings_public_sphere: GiST index on c2c_sphere_point(public_latitude,
    public_longitude) of published listings. A nearest-first page reads its rows in distance
    order (KNN) and stops after a page; `point <@ cube_enlarge(center, chord, 3)` keeps the
    scan inside the circle's box.

Neither object is in the models: alembic/env.py keeps autogenerate from seeing them.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPHERE_FUNCTION = """
CREATE FUNCTION c2c_sphere_point(latitude double precision, longitude double precision)
RETURNS cube
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$
  SELECT cube(ARRAY[cos(radians(latitude)) * cos(radians(longitude)),
                    cos(radians(latitude)) * sin(radians(longitude)),
                    sin(radians(latitude))])
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS cube")
    op.execute(SPHERE_FUNCTION)
    op.execute(
        "CREATE INDEX ix_listings_public_sphere ON listings "
        "USING gist (c2c_sphere_point(public_latitude, public_longitude)) "
        "WHERE status = 'PUBLISHED'"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_listings_public_sphere")
    op.execute("DROP FUNCTION IF EXISTS c2c_sphere_point(double precision, double precision)")
    # The extension stays: other objects may use it, and dropping needs its owner.
