"""Messages in English and French, chosen by Accept-Language."""

from __future__ import annotations

SUPPORTED_LOCALES = ("en", "fr")
DEFAULT_LOCALE = "en"

# French translations of English catalogue messages; English is the key.
_FR: dict[str, str] = {
    "Not found.": "Introuvable.",
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
}

CATALOGUE: dict[str, dict[str, str]] = {"fr": _FR}


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


def translate(message: str, locale: str) -> str:
    """The message in `locale` when the catalogue has it, else as given (English)."""
    return CATALOGUE.get(locale, {}).get(message, message)


def _merge_domain_catalogues() -> None:
    """Domains keep their French messages next to their errors; the catalogue gathers them."""
    from c2c_api.categories.errors import MESSAGES_FR as categories_fr
    from c2c_api.listings.errors import MESSAGES_FR as listings_fr

    for extra in (categories_fr, listings_fr):
        for english, french in extra.items():
            _FR.setdefault(english, french)


_merge_domain_catalogues()
