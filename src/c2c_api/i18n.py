"""Messages in English and French, chosen by Accept-Language.

The catalogue is keyed by the English text. A key may be a template (`"Use at most {n}
characters."`): a message built with an f-string of the same shape is translated with the
values it carries. Every client-facing message is found mechanically and must have its French
(docs/errors.md, `c2c-api docs errors`; tests/errors/test_error_catalogue.py): the default message
(docstring) of every DomainError class, the messages passed to their constructors, and the texts
marked with `translatable()`. Lower-case messages are operator diagnostics (CLI), not translated.

Shared messages are below; a domain's own French lives beside its errors (`MESSAGES_FR` in
categories/, listings/, search/ errors.py), registered with `register_catalogue` when that
module is imported. `c2c_api.registry.import_catalogues()` imports them all (the app does at
start-up), so the catalogue is whole whatever was imported first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

SUPPORTED_LOCALES = ("en", "fr")
DEFAULT_LOCALE = "en"

# French translations of English catalogue messages; English is the key.
_FR: dict[str, str] = {
    "Not found.": "Introuvable.",
    "Subscriptions need a WebSocket connection (graphql-transport-ws on /graphql).": (
        "Les abonnements demandent une connexion WebSocket (graphql-transport-ws sur /graphql)."
    ),
    "You may not do this.": "Vous n'avez pas le droit de faire cela.",
    "Sign in first.": "Connectez-vous d'abord.",
    "This operation needs a signed-in member.": "Cette opération demande un membre connecté.",
    "This operation needs a partner token.": "Cette opération demande un jeton de partenaire.",
    "The input is not valid.": "La saisie n'est pas valide.",
    "This conflicts with the current state.": "Cela entre en conflit avec l'état actuel.",
    "Not possible in the current state.": "Impossible dans l'état actuel.",
    "Too many attempts; try again later.": "Trop de tentatives ; réessayez plus tard.",
    "An account with this e-mail address already exists.": (
        "Un compte existe déjà avec cette adresse e-mail."
    ),
    "The password is too weak.": "Le mot de passe est trop faible.",
    "Wrong e-mail address or password.": "Adresse e-mail ou mot de passe incorrect.",
    "This link is invalid or has expired.": "Ce lien est invalide ou a expiré.",
    "This account is suspended.": "Ce compte est suspendu.",
    "This slug is already in use.": "Cet identifiant est déjà utilisé.",
    "The access token lacks a required scope.": "Le jeton d'accès n'a pas la portée requise.",
    "Internal server error.": "Erreur interne du serveur.",
    # members and partners
    "Enter a valid e-mail address.": "Saisissez une adresse e-mail valide.",
    "Several fields are not valid.": "Plusieurs champs ne sont pas valides.",
    "Enter a display name.": "Saisissez un nom affiché.",
    "Use at most 60 characters.": "Utilisez au plus 60 caractères.",
    "Use at most 100 characters.": "Utilisez au plus 100 caractères.",
    "Use at most 2000 characters.": "Utilisez au plus 2000 caractères.",
    "Remove the control characters.": "Retirez les caractères de contrôle.",
    "Choose a supported language: en or fr.": "Choisissez une langue prise en charge : en ou fr.",
    "Use an https:// address of at most 500 characters.": (
        "Utilisez une adresse https:// d'au plus 500 caractères."
    ),
    "Use an ISO 3166-1 alpha-2 country code, such as FR.": (
        "Utilisez un code pays ISO 3166-1 alpha-2, par exemple FR."
    ),
    "This storefront does not exist.": "Cette boutique n'existe pas.",
    "This e-mail address is already verified.": "Cette adresse e-mail est déjà vérifiée.",
    "The current password is wrong.": "Le mot de passe actuel est incorrect.",
    "Use at least 10 characters.": "Utilisez au moins 10 caractères.",
    "Use at most 256 characters.": "Utilisez au plus 256 caractères.",
    "Do not use your e-mail address as password.": (
        "N'utilisez pas votre adresse e-mail comme mot de passe."
    ),
    "Use more different characters.": "Utilisez des caractères plus variés.",
    "Use 2 to 63 lowercase letters, digits and single hyphens, starting and ending with a "
    "letter or digit.": (
        "Utilisez de 2 à 63 lettres minuscules, chiffres et tirets simples, en commençant et "
        "en finissant par une lettre ou un chiffre."
    ),
    "This slug is reserved.": "Cet identifiant est réservé.",
    "Use 1 to 120 characters.": "Utilisez de 1 à 120 caractères.",
    "Ask for 1 to 100 items.": "Demandez de 1 à 100 éléments.",
    "This cursor is not valid.": "Ce curseur n'est pas valide.",
    "This cursor is not valid for this list.": "Ce curseur n'est pas valable pour cette liste.",
    # photos
    "This photo cannot be accepted.": "Cette photo ne peut pas être acceptée.",
    "This file is not an image.": "Ce fichier n'est pas une image.",
    "This image is damaged or incomplete.": "Cette image est endommagée ou incomplète.",
    "This image format is not accepted: use JPEG, PNG or WebP.": (
        "Ce format d'image n'est pas accepté : utilisez JPEG, PNG ou WebP."
    ),
    "This file is too large.": "Ce fichier est trop volumineux.",
    "This image has too many pixels.": "Cette image a trop de pixels.",
    "Photos cannot be stored right now; try again in a moment.": (
        "Les photos ne peuvent pas être enregistrées pour le moment ; réessayez dans un instant."
    ),
    "This photo belongs to another listing.": "Cette photo appartient à une autre annonce.",
    "This photo does not exist or is not yours.": (
        "Cette photo n'existe pas ou n'est pas la vôtre."
    ),
    "A listing has too many photos.": "Une annonce a trop de photos.",
    "A photo is listed twice.": "Une photo figure deux fois.",
    "Send the photo as multipart/form-data in a field named `file`.": (
        "Envoyez la photo en multipart/form-data dans un champ nommé `file`."
    ),
    "The photo storage is unavailable; try again later.": (
        "Le stockage des photos est indisponible ; réessayez plus tard."
    ),
    "The request body is larger than {n} bytes.": ("Le corps de la requête dépasse {n} octets."),
    "Send the photo in a multipart field named `file`.": (
        "Envoyez la photo dans un champ multipart nommé `file`."
    ),
    # ids, tokens, scopes
    "This is not a valid id of the expected type.": (
        "Cet identifiant n'est pas valide ou n'est pas du type attendu."
    ),
    "The access token is invalid, expired or revoked.": (
        "Le jeton d'accès est invalide, expiré ou révoqué."
    ),
    "This operation requires one of these scopes: {scopes}.": (
        "Cette opération demande l'une de ces portées : {scopes}."
    ),
    # listings, favorites, questions
    "This listing does not exist.": "Cette annonce n'existe pas.",
    "Some fields are required.": "Certains champs sont obligatoires.",
    "This field cannot be cleared.": "Ce champ ne peut pas être vidé.",
    "Only a draft can be published.": "Seul un brouillon peut être publié.",
    "This listing is already removed.": "Cette annonce est déjà retirée.",
    "This listing is not removed.": "Cette annonce n'est pas retirée.",
    "A {kind} listing has no `{field}` details.": (
        "Une annonce {kind} n'a pas de détails `{field}`."
    ),
    "This question does not exist.": "Cette question n'existe pas.",
    "You cannot ask a question on your own listing.": (
        "Vous ne pouvez pas poser de question sur votre propre annonce."
    ),
    "Questions can only be asked on a published listing.": (
        "Les questions ne peuvent être posées que sur une annonce publiée."
    ),
    "This question was already answered; answers can be corrected for 15 minutes only.": (
        "Cette question a déjà reçu une réponse ; une réponse ne peut être corrigée que "
        "pendant 15 minutes."
    ),
    "Only the seller of the listing can do this.": "Seul le vendeur de l'annonce peut faire cela.",
    # search and saved searches
    "Sorting by distance needs a point (filter.near).": (
        "Le tri par distance demande un point (filter.near)."
    ),
    "The minimum price is above the maximum.": "Le prix minimum dépasse le prix maximum.",
    "Attribute filters need a category.": (
        "Les filtres de caractéristiques demandent une catégorie."
    ),
    "Ask for 1 to {n} listings.": "Demandez de 1 à {n} annonces.",
    "Use an amount from 0 to {n} minor units.": "Utilisez un montant de 0 à {n} unités mineures.",
    "Use a radius of at most {n} km.": "Utilisez un rayon d'au plus {n} km.",
    "Use at most {n} attribute filters.": "Utilisez au plus {n} filtres de caractéristiques.",
    "You can keep at most {n} saved searches.": (
        "Vous pouvez garder au plus {n} recherches enregistrées."
    ),
    "Facets are counted for searches matching at most {n} listings: narrow this one (words, "
    "a category, a place or a price range).": (
        "Les facettes sont comptées pour les recherches d'au plus {n} annonces : affinez "
        "celle-ci (mots, catégorie, lieu ou fourchette de prix)."
    ),
    # categories (operators)
    "Use lowercase letters, digits and single hyphens.": (
        "Utilisez des lettres minuscules, des chiffres et des tirets simples."
    ),
    "Give a list of attribute definitions.": "Donnez une liste de définitions de caractéristiques.",
    "Demo data is never loaded in production.": (
        "Les données de démonstration ne sont jamais chargées en production."
    ),
    # lengths and counts (templates: any number)
    "Use at least {n} characters.": "Utilisez au moins {n} caractères.",
    "Use at most {n} characters.": "Utilisez au plus {n} caractères.",
    "Use 1 to {n} characters.": "Utilisez de 1 à {n} caractères.",
    "Ask for 1 to {n} items.": "Demandez de 1 à {n} éléments.",
}

CATALOGUE: dict[str, dict[str, str]] = {"fr": _FR}


def register_catalogue(locale: str, messages: Mapping[str, str]) -> None:
    """Add a domain's translations (English text -> `locale`) to the catalogue. Domains keep
    their French next to their errors and register it when their errors module is imported
    (this kernel module imports no domain); an entry already present is kept."""
    catalogue = CATALOGUE.setdefault(locale, {})
    for english, translated in messages.items():
        catalogue.setdefault(english, translated)


def negotiate_locale(accept_language: str | None) -> str:
    """The best supported locale for an Accept-Language header (RFC 9110 weights)."""
    if not accept_language:
        return DEFAULT_LOCALE
    candidates: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        weight = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        primary = tag.split("-")[0]
        if primary in SUPPORTED_LOCALES and weight > 0:
            candidates.append((-weight, index, primary))
    return min(candidates)[2] if candidates else DEFAULT_LOCALE


def translatable(text: str) -> str:
    """Marks a client-facing message kept in a variable before it reaches a DomainError, so
    that the catalogue check finds it (as gettext's N_); returns `text` unchanged."""
    return text


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _template_pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
    )
    return re.compile(regex + r"\Z", re.DOTALL)


def translate(message: str, locale: str) -> str:
    """The message in `locale` when the catalogue has it (or a template of its shape), else as
    given (English)."""
    catalogue = CATALOGUE.get(locale, {})
    exact = catalogue.get(message)
    if exact is not None:
        return exact
    for template, translated in catalogue.items():
        if "{" in template:
            match = _template_pattern(template).match(message)
            if match is not None:
                return translated.format(**match.groupdict())
    return message
