"""A tiny no-JavaScript browser for the hosted pages: follows redirects, submits forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

import httpx


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def value(self, name: str) -> str:
        return next(v for k, v in self.fields if k == name)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "input" and self.forms:
            if a.get("type") in ("hidden", "text", "email", "password", None, ""):
                self.forms[-1].fields.append((a.get("name", ""), a.get("value", "")))
        elif tag == "button" and self.forms and a.get("name"):
            self.forms[-1].buttons.append((a["name"], a.get("value", "")))


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


async def submit(
    browser: httpx.AsyncClient,
    page: httpx.Response,
    values: dict[str, str] | None = None,
    button: tuple[str, str] | None = None,
    index: int = 0,
) -> httpx.Response:
    """Fill the page's form with `values` (other fields as rendered) and post it."""
    form = forms_of(page.text)[index]
    values = values or {}
    data = [(k, values.get(k, v)) for k, v in form.fields]
    data += [(k, v) for k, v in values.items() if k not in dict(form.fields)]
    if button is not None:
        data.append(button)
    return await browser.post(
        form.action,
        content=urlencode(data),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
