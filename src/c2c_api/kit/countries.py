"""ISO 3166-1 alpha-2 country codes (assigned codes only, from pycountry's copy of the list)."""

from __future__ import annotations

import pycountry


def is_country_code(code: object) -> bool:
    """True for an assigned ISO 3166-1 alpha-2 code in upper case, e.g. "FR" (not "EU", "ZZ")."""
    return (
        isinstance(code, str)
        and len(code) == 2
        and code.isascii()
        and code.isupper()
        and pycountry.countries.get(alpha_2=code) is not None
    )
