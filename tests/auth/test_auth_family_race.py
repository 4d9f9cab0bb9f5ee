"""A family revoked while one of its tokens is being rotated: the new token is revoked too.

PostgreSQL only (READ COMMITTED, concurrent writers); SQLite serialises write transactions.
The rotation's statements are those of RefreshGrant (conditional UPDATE of the presented token,
then INSERT of its successor), held open in one connection while the real `revoke_family_sync`
runs in another thread; then the rotation commits.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col

from auth_factories import create_member, create_oauth_client, member_tokens
from c2c_api.auth.grants import revoke_family_sync
from c2c_api.auth.models import RefreshToken
from c2c_api.db import Database
from c2c_api.kit.clock import utcnow
from c2c_api.kit.secrets import digest, new_token


class TestRevocationDuringRotation:
    async def test_the_token_inserted_by_the_rotation_is_revoked(self, db: Database) -> None:
        if db.settings.is_sqlite:
            pytest.skip("SQLite serialises write transactions: no interleaving to test")
        client, _ = await create_oauth_client(db, first_party=True)
        member = await create_member(db)
        tokens = await member_tokens(db, member=member, scopes=["account:read"], client=client)
        presented = digest(tokens["refresh_token"])
        async with db.sessionmaker() as session:
            row = (
                (
                    await session.exec(
                        sa.select(RefreshToken).where(col(RefreshToken.token_digest) == presented)  # type: ignore[call-overload]
                    )
                )
                .scalars()
                .one()
            )
        family = row.family_id

        rotation = db.sync_sessionmaker()
        now = utcnow()
        rotation.execute(
            sa.update(RefreshToken)
            .where(col(RefreshToken.id) == row.id, col(RefreshToken.rotated_at).is_(None))
            .values(rotated_at=now)
        )
        successor = RefreshToken(
            id=uuid.uuid4(),
            token_digest=digest(new_token(32)),
            family_id=family,
            client_id=client.client_id,
            member_id=member.id,
            scope="account:read",
            created_at=now,
            expires_at=now + timedelta(days=1),
        )
        rotation.add(successor)
        rotation.flush()

        done = threading.Event()

        def revoke() -> None:
            with db.sync_sessionmaker() as revoker:
                revoke_family_sync(revoker, family_id=family)
                revoker.commit()
            done.set()

        thread = threading.Thread(target=revoke)
        thread.start()
        time.sleep(0.5)
        assert not done.is_set()  # waiting for the rotation in flight
        rotation.commit()
        rotation.close()
        thread.join(timeout=10)
        assert done.is_set()

        async with db.sessionmaker() as session:
            rows = (
                (
                    await session.exec(
                        sa.select(RefreshToken).where(col(RefreshToken.family_id) == family)  # type: ignore[call-overload]
                    )
                )
                .scalars()
                .all()
            )
        assert len(rows) == 2
        assert all(r.revoked_at is not None for r in rows)
