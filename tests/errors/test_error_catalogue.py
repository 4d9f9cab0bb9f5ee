"""docs/errors.md is generated and current; every code is described; every client-facing
message has its French. Messages are found in the code (c2c_api.docgen.messages), not listed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from c2c_api.auth.messages import MESSAGES, SCOPE_LABELS
from c2c_api.authz import SCOPES, ActorKind
from c2c_api.db import Database
from c2c_api.docgen.errors import TRANSPORT_CODES, render, transport_codes_in_source
from c2c_api.docgen.messages import collect_messages, error_classes, french, untranslated
from c2c_api.errors import DESCRIPTIONS, ErrorCode
from c2c_api.i18n import translate

ERRORS_MD = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def test_docs_errors_md_is_current() -> None:
    assert ERRORS_MD.read_text(encoding="utf-8") == render(), (
        "docs/errors.md is stale: run `make docs` and commit it"
    )


def test_every_code_has_a_description() -> None:
    assert [c for c in ErrorCode if not DESCRIPTIONS.get(c)] == []


def test_every_error_class_has_its_own_message() -> None:
    """A class without a docstring would answer its bare code as message."""
    bare = [c.__qualname__ for c in error_classes() if not c.__dict__.get("__doc__")]
    assert bare == []


def test_every_client_facing_message_has_french() -> None:
    missing = [f"{m.origin}: {m.text}" for m in untranslated()]
    assert missing == [], "add French to c2c_api.i18n (or the domain's MESSAGES_FR)"


def test_the_collector_finds_each_kind_of_message() -> None:
    """Not vacuous: docstrings, constructor literals, f-string templates and marked texts."""
    texts = {m.text for m in collect_messages()}
    assert "This question does not exist." in texts  # a docstring
    assert "Only a draft can be published." in texts  # a literal passed to InvalidState
    assert "Use at most {0} attribute filters." in texts  # an f-string
    assert "This slug is reserved." in texts  # translatable()
    assert "no active member" in texts  # an operator diagnostic (not client-facing)
    assert len(error_classes()) > 40


def test_an_unknown_message_has_no_french() -> None:
    assert french("A message nobody translated.") is None
    assert french("Use at most {0} bananas.", template=True) is None


def test_templates_translate_the_values() -> None:
    assert translate("Use at most 200 characters.", "fr") == "Utilisez au plus 200 caractères."
    assert translate("Ask for 1 to 50 listings.", "fr") == "Demandez de 1 à 50 annonces."
    assert translate("Use at most 200 characters.", "en") == "Use at most 200 characters."


def test_every_transport_code_is_described() -> None:
    assert sorted(transport_codes_in_source() - set(TRANSPORT_CODES)) == []


def test_hosted_pages_have_french_and_consent_labels() -> None:
    assert [k for k, (en, fr) in MESSAGES.items() if not en or not fr] == []
    consented = [n for n, s in SCOPES.items() if s.audience != ActorKind.PARTNER]
    assert [n for n in consented if n not in SCOPE_LABELS] == []


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Ce curseur n'est pas valable pour cette recherche."),
        ("en", "This cursor is not valid for this search."),
    ],
)
async def test_a_query_error_speaks_the_callers_language(
    db: Database, client: httpx.AsyncClient, language: str, message: str
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": '{ listings(after: "bogus") { totalCount } }'},
        headers={"Accept-Language": language},
    )
    error = response.json()["errors"][0]
    assert (error["message"], error["extensions"]["code"]) == (message, "INVALID_CURSOR")


async def test_a_templated_message_reaches_the_client_in_french(
    db: Database, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ listings(first: 500) { totalCount } }"},
        headers={"Accept-Language": "fr"},
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "SEARCH_LIMIT_EXCEEDED"
    assert error["message"].startswith("Demandez de 1 à ")
