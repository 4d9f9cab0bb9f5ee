"""docs/quickstart.md cannot silently rot: its curl steps are read from the document and replayed
through the ASGI app, against the demo data of `c2c-api seed --demo`.

The shell is not run (no curl, openssl or server needed): each documented `curl` command is parsed
(URL, `-d`, `--data-urlencode`, `-u`) with the document's variables expanded, and the `sed`
patterns the document uses to pick values out of answers are applied as regular expressions.
The same steps were run by hand with curl against `c2c-api serve` (see the commit message).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from c2c_api.db import Database
from c2c_api.demo import (
    DEMO_MEMBERS,
    DEMO_PARTNER_CLIENT_ID,
    DEMO_PARTNER_CLIENT_SECRET,
    DEMO_PARTNER_SLUG,
    DEMO_PASSWORD,
    DEMO_WEB_CLIENT_ID,
    DEMO_WEB_REDIRECT_URIS,
    seed_demo,
)
from c2c_api.kit.secrets import new_token

DOC = Path(__file__).resolve().parents[2] / "docs" / "quickstart.md"


def shell_blocks() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [block.replace("\\\n", " ") for block in re.findall(r"```sh\n(.*?)```", text, re.S)]


def js_blocks() -> list[str]:
    return re.findall(r"```js\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def expand(value: str, env: dict[str, str]) -> str:
    """$NAME and ${NAME} as the shell expands them (names the document defines)."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return env[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", sub, value)


def sed_regex(line: str) -> re.Pattern[str]:
    """The pattern of a `sed -n 's/PATTERN/\\1/p'` in `line`, as a Python regex."""
    match = re.search(r"sed -n 's/(.*?)/\\1/p'", line)
    assert match, line
    return re.compile(match.group(1).replace(r"\(", "(").replace(r"\)", ")"))


@dataclass
class Curl:
    url: str
    form: list[tuple[str, str]] = field(default_factory=list)
    user: tuple[str, str] | None = None
    json_body: str | None = None


def parse_curl(line: str, env: dict[str, str]) -> Curl:
    """The request of one documented curl command (the part before any `>` or `|`)."""
    words = shlex.split(line.split(" > ")[0].split(" | ")[0])
    assert words[0] == "curl", line
    url, form, user, body = "", [], None, None
    i = 1
    while i < len(words):
        word = words[i]
        if word in ("-d", "--data-urlencode"):
            value = expand(words[i + 1], env)
            if value.startswith("{"):
                body = value
            else:
                name, _, data = value.partition("=")
                form.append((name, data))
            i += 2
        elif word == "-u":
            client_id, _, secret = words[i + 1].partition(":")
            user = (client_id, secret)
            i += 2
        elif word in ("-H", "-o", "-w", "-c", "-b"):
            i += 2
        elif word.startswith("-"):
            i += 1
        else:
            url = expand(word, env)
            i += 1
    return Curl(url=url, form=form, user=user, json_body=body)


def curl_lines(block: str) -> list[str]:
    return [line.strip() for line in block.splitlines() if "curl " in line]


def block_starting(blocks: list[str], needle: str) -> str:
    return next(b for b in blocks if needle in b)


async def send(client: httpx.AsyncClient, request: Curl, **headers: str) -> httpx.Response:
    if request.json_body is not None:
        return await client.post(
            request.url,
            content=request.json_body,
            headers={"Content-Type": "application/json", **headers},
        )
    auth = httpx.BasicAuth(*request.user) if request.user else None
    return await client.post(
        request.url,
        content=urlencode(request.form),
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
    )


def pkce() -> tuple[str, str]:
    verifier = new_token(48)[:64]
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
async def demo(db: Database) -> Database:
    await seed_demo(db)
    return db


class TestQuickstartDocument:
    def test_the_documented_values_are_the_demo_data(self) -> None:
        text = DOC.read_text(encoding="utf-8")
        blocks = shell_blocks()
        variables = dict(re.findall(r"^(\w+)=(\S+)$", block_starting(blocks, "ISSUER="), re.M))
        assert variables["CLIENT_ID"] == DEMO_WEB_CLIENT_ID
        assert variables["REDIRECT_URI"] in DEMO_WEB_REDIRECT_URIS
        assert f"password={DEMO_PASSWORD}" in text
        assert f"{DEMO_PARTNER_CLIENT_ID}:{DEMO_PARTNER_CLIENT_SECRET}" in text
        for member in DEMO_MEMBERS[:1]:
            assert member.email in text
        auth_js = next(b for b in js_blocks() if b.startswith("// auth.js"))
        assert f'const CLIENT_ID = "{DEMO_WEB_CLIENT_ID}";' in auth_js
        assert f'const REDIRECT_URI = "{DEMO_WEB_REDIRECT_URIS[0]}";' in auth_js
        for linked in ("oauth.md", "graphql-over-http.md", "accounts.md"):
            assert f"]({linked}" in text
            assert (DOC.parent / linked).exists()

    async def test_the_curl_steps_work(self, demo: Database, app: object) -> None:
        blocks = shell_blocks()
        env = dict(re.findall(r"^(\w+)=(\S+)$", block_starting(blocks, "ISSUER="), re.M))
        assert env["ISSUER"] == demo.settings.issuer
        verifier, challenge = pkce()
        env.update(verifier=verifier, challenge=challenge, state=new_token(8))
        pkce_block = block_starting(blocks, "QUERY=")
        for name in ("QUERY", "AUTHORIZE_URL"):
            template = re.search(rf'^{name}="(.*)"$', pkce_block, re.M)
            assert template, name
            env[name] = expand(template.group(1), env)

        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport) as curl:  # keeps cookies: the jar
            # 2b. the login form with a cookie jar
            login_block = block_starting(blocks, "csrf=$(")
            csrf_line, sign_in_line, authorize_line, code_line = (
                next(line for line in login_block.splitlines() if line.startswith(prefix))
                for prefix in ("csrf=", "curl -s -c jar -b jar -o", "location=", "code=")
            )
            page = await curl.get(parse_curl(csrf_line.split("$(", 1)[1], env).url)
            match = sed_regex(csrf_line).search(page.text)
            assert match, "the CSRF token is not where the document looks for it"
            env["csrf"] = match.group(1)
            sign_in = parse_curl(sign_in_line, env)
            response = await send(curl, sign_in)
            assert response.status_code == 303, response.text  # "303 means success"
            response = await curl.get(parse_curl(authorize_line.split("$(", 1)[1][:-1], env).url)
            assert response.status_code == 302, response.text
            env["location"] = response.headers["location"]
            assert env["location"].startswith(env["REDIRECT_URI"] + "?")
            code = sed_regex(code_line).search(env["location"])
            assert code
            env["code"] = code.group(1)

            # exchange the code
            exchange_block = block_starting(blocks, "grant_type=authorization_code")
            response = await send(curl, parse_curl(curl_lines(exchange_block)[0], env))
            assert response.status_code == 200, response.text
            token_json = response.text
            for name in ("access", "refresh"):
                line = next(ln for ln in exchange_block.splitlines() if ln.startswith(f"{name}="))
                found = sed_regex(line).search(token_json)
                assert found, f"{name} not found in {token_json}"
                env[name] = found.group(1)

            # the first query
            query_block = block_starting(blocks, "viewer {")
            query = parse_curl(curl_lines(query_block)[0], env)
            response = await send(curl, query, Authorization=f"Bearer {env['access']}")
            viewer = response.json()["data"]["viewer"]
            assert viewer["email"] == "alice@example.com"
            assert viewer["displayName"] == "Alice" and viewer["id"]

            # refresh
            refresh_block = block_starting(blocks, "grant_type=refresh_token")
            response = await send(curl, parse_curl(curl_lines(refresh_block)[0], env))
            assert response.status_code == 200, response.text
            fresh = json.loads(response.text)
            assert fresh["refresh_token"] != env["refresh"]
            found = sed_regex(refresh_block.splitlines()[-1]).search(response.text)
            assert found and found.group(1) == fresh["refresh_token"]

            # 3. a partner token
            partner_block = block_starting(blocks, "grant_type=client_credentials")
            token_line, query_line = curl_lines(partner_block)
            response = await send(curl, parse_curl(token_line, env))
            assert response.status_code == 200, response.text
            env["partner"] = response.json()["access_token"]
            response = await send(
                curl, parse_curl(query_line, env), Authorization=f"Bearer {env['partner']}"
            )
            partner = response.json()["data"]["partner"]
            assert partner["slug"] == DEMO_PARTNER_SLUG
            assert {"node": {"displayName": "Alice"}} in partner["members"]["edges"]
