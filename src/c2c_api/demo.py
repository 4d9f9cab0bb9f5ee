"""Demo data for development: a few members, one partner and the OAuth clients to try the API.

Loaded once (`c2c-api seed --demo`, run by `make serve`); refused in production. Every secret
here is public (it is in this file and in docs/quickstart.md): never use it on a real server.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from c2c_api.auth.clients import create_client
from c2c_api.auth.models import ClientKind
from c2c_api.authz import ActorKind, scopes_for
from c2c_api.db import Database
from c2c_api.demo_deals import seed_demo_deals
from c2c_api.errors import Forbidden
from c2c_api.partners.models import Partner
from c2c_api.partners.service import get_partner_by_slug
from c2c_api.users.models import Member
from c2c_api.users.service import create_member

DEMO_PASSWORD = "demo-password-2026"
DEMO_PARTNER_SLUG = "vintage-lyon"
DEMO_PARTNER_NAME = "Vintage Lyon"
DEMO_PARTNER_CLIENT_ID = "demo-vintage-lyon"
DEMO_PARTNER_CLIENT_SECRET = "demo-vintage-lyon-secret-not-for-production"
DEMO_WEB_CLIENT_ID = "demo-web"
DEMO_WEB_REDIRECT_URIS = [
    "http://127.0.0.1:5173/callback",
    "http://localhost:5173/callback",
]
DEMO_CONSOLE_CLIENT_ID = "demo-console"
DEMO_CONSOLE_REDIRECT_URIS = [
    "http://127.0.0.1:5174/callback",
    "http://localhost:5174/callback",
]


@dataclass(frozen=True)
class DemoMember:
    email: str
    display_name: str
    locale: str
    country: str
    city: str
    storefront: bool = False  # joined through the demo partner's storefront
    operator: bool = False


DEMO_MEMBERS = [
    DemoMember("alice@example.com", "Alice", "fr", "FR", "Lyon", storefront=True),
    DemoMember("bob@example.com", "Bob", "en", "GB", "London"),
    DemoMember("carol@example.com", "Carol", "fr", "FR", "Paris"),
    DemoMember("olivia@example.com", "Olivia (operator)", "en", "FR", "Paris", operator=True),
]


@dataclass
class DemoInfo:
    """What the demo holds (and whether this call created it)."""

    created: bool
    issuer: str
    members: list[str] = field(default_factory=lambda: [m.email for m in DEMO_MEMBERS])
    password: str = DEMO_PASSWORD
    partner_slug: str = DEMO_PARTNER_SLUG
    partner_client_id: str = DEMO_PARTNER_CLIENT_ID
    partner_client_secret: str = DEMO_PARTNER_CLIENT_SECRET
    web_client_id: str = DEMO_WEB_CLIENT_ID
    web_redirect_uris: list[str] = field(default_factory=lambda: list(DEMO_WEB_REDIRECT_URIS))
    console_client_id: str = DEMO_CONSOLE_CLIENT_ID

    def instructions(self) -> str:
        """How to get a first token, for the terminal."""
        head = (
            "Demo data loaded." if self.created else "Demo data already present (nothing changed)."
        )
        members = ", ".join(self.members)
        redirect = self.web_redirect_uris[0]
        return f"""{head}

Members (password {self.password!r}): {members}
  alice joined through the storefront {self.partner_slug!r}; olivia is an operator.
Partner {self.partner_slug!r}: confidential client {self.partner_client_id!r}, secret
  {self.partner_client_secret!r}
Front-end public client: {self.web_client_id!r} (redirect URIs: {", ".join(self.web_redirect_uris)})
Operators' console public client: {self.console_client_id!r}
Deals: carol sold bob a desk lamp (completed: carol has 96.90 EUR available; both rated,
  revealed, carol replied); bob sold carol a box set of books (completed; only carol rated:
  hidden); alice has a backpack to ship to carol (PAID); carol's offer on alice's city bike
  awaits an answer; bob asks carol about her turntable swap (myThreads: one message with
  scam warnings, one unread for carol).

A partner token (client credentials):
  curl -s -u {self.partner_client_id}:{self.partner_client_secret} \\
    -d grant_type=client_credentials -d 'scope=partner:read partner:members' \\
    {self.issuer}/oauth/token

A member token (authorization code + PKCE), step by step in docs/quickstart.md:
  1. verifier=$(openssl rand -base64 48 | tr -d '=+/\\n' | cut -c1-64)
     challenge=$(printf %s "$verifier" | openssl dgst -sha256 -binary | openssl base64 \\
       | tr '+/' '-_' | tr -d '=')
  2. echo "{self.issuer}/oauth/authorize?response_type=code&client_id={self.web_client_id}\
&redirect_uri={redirect}&scope=account:read%20account:write&state=xyz\
&code_challenge=$challenge&code_challenge_method=S256"
     Open the printed address in a browser and sign in as alice@example.com. The browser
     then goes to {redirect}?code=…&state=xyz: with no front end listening there, copy the
     code from the address bar.
  3. curl -s -d grant_type=authorization_code -d client_id={self.web_client_id} \\
       -d redirect_uri={redirect} -d code=THE_CODE -d code_verifier=$verifier \\
       {self.issuer}/oauth/token
Then: curl -s {self.issuer}/graphql -H "Authorization: Bearer $TOKEN" \\
  -H 'Content-Type: application/json' -d '{{"query": "{{ viewer {{ displayName email }} }}"}}'
Listings: one published listing of every kind; no token needed to browse them:
  curl -s {self.issuer}/graphql -H 'Content-Type: application/json' \\
    -d '{{"query": "{{ listings(query: \\"velo\\") {{ edges {{ node {{ title }} }} }} }}"}}'
GraphiQL (offline): {self.issuer}/graphql
E-mails sent in development: c2c-api mail list
"""


async def seed_demo(db: Database) -> DemoInfo:
    """Load the demo data once; a second call changes nothing. Refused in production."""
    settings = db.settings
    if settings.env == "production":
        raise Forbidden("Demo data is never loaded in production.")
    async with db.transaction() as session:
        from c2c_api.categories.service import seed_default_categories

        await seed_default_categories(session)
        present = await get_partner_by_slug(session, slug=DEMO_PARTNER_SLUG) is not None
        if not present:
            await _seed_accounts_and_listings(session)
        people = {
            m.email: m.id
            for m in await session.exec(
                select(Member).where(col(Member.email).in_([m.email for m in DEMO_MEMBERS]))
            )
        }
    # The deals pay through the sandbox provider, which needs transactions of its own.
    deals = await seed_demo_deals(db, people)
    return DemoInfo(created=not present or deals.steps > 0, issuer=settings.issuer)


async def _seed_accounts_and_listings(session: AsyncSession) -> None:
    """The partner, the members, the OAuth clients and the listings (one transaction)."""
    partner = Partner(slug=DEMO_PARTNER_SLUG, name=DEMO_PARTNER_NAME)
    session.add(partner)
    await session.flush()
    member_ids = {}
    for m in DEMO_MEMBERS:
        member = await create_member(
            session,
            email=m.email,
            password=DEMO_PASSWORD,
            display_name=m.display_name,
            locale=m.locale,
            partner_id=partner.id if m.storefront else None,
            is_operator=m.operator,
            email_verified=True,
        )
        member.country = m.country
        member.city = m.city
        session.add(member)
        member_ids[m.email] = member.id
    member_scopes = scopes_for(ActorKind.MEMBER)
    await create_client(
        session,
        name=f"{DEMO_PARTNER_NAME} back end (demo)",
        kind=ClientKind.CONFIDENTIAL,
        redirect_uris=[],
        scopes=scopes_for(ActorKind.PARTNER),
        partner_id=partner.id,
        client_id=DEMO_PARTNER_CLIENT_ID,
        client_secret=DEMO_PARTNER_CLIENT_SECRET,
    )
    await create_client(
        session,
        name="Demo web front end",
        kind=ClientKind.PUBLIC,
        redirect_uris=list(DEMO_WEB_REDIRECT_URIS),
        scopes=member_scopes,
        first_party=True,
        client_id=DEMO_WEB_CLIENT_ID,
    )
    await create_client(
        session,
        name="Operators' console (demo)",
        kind=ClientKind.PUBLIC,
        redirect_uris=list(DEMO_CONSOLE_REDIRECT_URIS),
        scopes=member_scopes + scopes_for(ActorKind.OPERATOR),
        first_party=True,
        client_id=DEMO_CONSOLE_CLIENT_ID,
    )
    await session.flush()
    from c2c_api.demo_listings import seed_demo_listings

    await seed_demo_listings(session, member_ids)
