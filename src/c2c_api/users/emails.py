"""The texts of account e-mails, in English and French (the member's locale)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from c2c_api.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES

VERIFY_EMAIL_PATH = "/account/verify-email"
RESET_PASSWORD_PATH = "/account/reset-password"


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


_TEMPLATES: dict[str, dict[str, MailText]] = {
    "verify_email": {
        "en": MailText(
            "Confirm your e-mail address",
            "Hello {name},\n\n"
            "Please confirm your e-mail address by opening this link:\n\n"
            "{link}\n\n"
            "The link works once and expires in {hours} hours.\n"
            "If you did not create an account, ignore this message.\n",
        ),
        "fr": MailText(
            "Confirmez votre adresse e-mail",
            "Bonjour {name},\n\n"
            "Merci de confirmer votre adresse e-mail en ouvrant ce lien :\n\n"
            "{link}\n\n"
            "Le lien ne sert qu'une fois et expire dans {hours} heures.\n"
            "Si vous n'avez pas créé de compte, ignorez ce message.\n",
        ),
    },
    "reset_password": {
        "en": MailText(
            "Reset your password",
            "Hello {name},\n\n"
            "Someone (hopefully you) asked to reset the password of your account.\n"
            "To choose a new password, open this link:\n\n"
            "{link}\n\n"
            "The link works once and expires in {minutes} minutes.\n"
            "If you did not ask for it, ignore this message: your password stays the same.\n",
        ),
        "fr": MailText(
            "Réinitialisez votre mot de passe",
            "Bonjour {name},\n\n"
            "Quelqu'un (vous, espérons-le) a demandé à réinitialiser le mot de passe de votre "
            "compte.\nPour choisir un nouveau mot de passe, ouvrez ce lien :\n\n"
            "{link}\n\n"
            "Le lien ne sert qu'une fois et expire dans {minutes} minutes.\n"
            "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n",
        ),
    },
    "password_changed": {
        "en": MailText(
            "Your password was changed",
            "Hello {name},\n\n"
            "The password of your account was just changed, and every device signed in to it "
            "was signed out.\n"
            "If you did not do this, reset your password at once and contact us.\n",
        ),
        "fr": MailText(
            "Votre mot de passe a été modifié",
            "Bonjour {name},\n\n"
            "Le mot de passe de votre compte vient d'être modifié, et tous les appareils "
            "connectés ont été déconnectés.\n"
            "Si ce n'est pas vous, réinitialisez votre mot de passe sans attendre et "
            "contactez-nous.\n",
        ),
    },
}


def account_link(issuer: str, path: str, token: str) -> str:
    """A link to a page of the account site served by this API (the issuer's origin)."""
    return f"{issuer}{path}?{urlencode({'token': token})}"


def render(template: str, locale: str, **values: object) -> MailText:
    """The subject and body of `template` in `locale` (English when not supported)."""
    texts = _TEMPLATES[template]
    text = texts[locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE]
    return MailText(text.subject, text.body.format(**values))
