"""Strings of the hosted pages (login, consent, account), in English and French."""

from __future__ import annotations

from collections.abc import Iterable

from c2c_api.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, negotiate_locale

# key -> (English, French)
MESSAGES: dict[str, tuple[str, str]] = {
    "app_name": ("c2c marketplace", "Place de marché c2c"),
    "login_title": ("Sign in", "Connexion"),
    "email": ("E-mail address", "Adresse e-mail"),
    "password": ("Password", "Mot de passe"),
    "new_password": ("New password", "Nouveau mot de passe"),
    "display_name": ("Display name", "Nom affiché"),
    "sign_in": ("Sign in", "Se connecter"),
    "no_account": ("No account yet? Sign up", "Pas encore de compte ? Inscrivez-vous"),
    "forgot": ("Forgot your password?", "Mot de passe oublié ?"),
    "wrong_credentials": (
        "Wrong e-mail address or password.",
        "Adresse e-mail ou mot de passe incorrect.",
    ),
    "throttled": (
        "Too many attempts. Please try again later.",
        "Trop de tentatives. Veuillez réessayer plus tard.",
    ),
    "suspended": ("This account is suspended.", "Ce compte est suspendu."),
    "csrf": (
        "This form has expired. Please try again.",
        "Ce formulaire a expiré. Veuillez réessayer.",
    ),
    "signed_in": ("You are signed in.", "Vous êtes connecté."),
    "signed_in_as": ("Signed in as {email}.", "Connecté en tant que {email}."),
    "logout_title": ("Sign out", "Déconnexion"),
    "logout_confirm": ("Sign out of this browser?", "Se déconnecter de ce navigateur ?"),
    "signed_out": ("You are signed out.", "Vous êtes déconnecté."),
    "consent_title": ("Allow access", "Autoriser l'accès"),
    "consent_intro": (
        "{client} asks for access to your account:",
        "{client} demande l'accès à votre compte :",
    ),
    "consent_new": ("new", "nouveau"),
    "allow": ("Allow", "Autoriser"),
    "deny": ("Deny", "Refuser"),
    "error_title": ("Something went wrong", "Une erreur est survenue"),
    "error_invalid_client": (
        "This application is unknown or was revoked.",
        "Cette application est inconnue ou a été révoquée.",
    ),
    "error_invalid_request": (
        "This sign-in request is not valid.",
        "Cette demande de connexion n'est pas valide.",
    ),
    "signup_title": ("Create an account", "Créer un compte"),
    "sign_up": ("Sign up", "S'inscrire"),
    "have_account": ("Already have an account? Sign in", "Déjà un compte ? Connectez-vous"),
    "signup_done": (
        "Your account is created. We sent you an e-mail to confirm your address.",
        "Votre compte est créé. Nous vous avons envoyé un e-mail pour confirmer votre adresse.",
    ),
    "email_taken": (
        "An account with this e-mail address already exists.",
        "Un compte existe déjà avec cette adresse e-mail.",
    ),
    "weak_password": ("The password is too weak.", "Le mot de passe est trop faible."),
    "invalid_input": ("Please check the form.", "Veuillez vérifier le formulaire."),
    "forgot_title": ("Reset your password", "Réinitialiser votre mot de passe"),
    "forgot_intro": (
        "Enter your e-mail address: we will send you a link to choose a new password.",
        "Saisissez votre adresse e-mail : nous vous enverrons un lien pour choisir "
        "un nouveau mot de passe.",
    ),
    "send_link": ("Send the link", "Envoyer le lien"),
    "forgot_done": (
        "If an account exists for this address, we sent it a link. Check your mailbox.",
        "Si un compte existe pour cette adresse, nous lui avons envoyé un lien. "
        "Consultez votre messagerie.",
    ),
    "reset_title": ("Choose a new password", "Choisissez un nouveau mot de passe"),
    "reset_submit": ("Change the password", "Changer le mot de passe"),
    "reset_done": (
        "Your password is changed. You were signed out everywhere: sign in again.",
        "Votre mot de passe est changé. Vous avez été déconnecté partout : reconnectez-vous.",
    ),
    "bad_link": ("This link is invalid or has expired.", "Ce lien est invalide ou a expiré."),
    "verify_title": ("Confirm your e-mail address", "Confirmez votre adresse e-mail"),
    "verify_submit": ("Confirm my address", "Confirmer mon adresse"),
    "verify_done": ("Your e-mail address is confirmed.", "Votre adresse e-mail est confirmée."),
    "password_hint": (
        "At least 10 characters.",
        "Au moins 10 caractères.",
    ),
    "back_to_login": ("Sign in", "Se connecter"),
}

SCOPE_LABELS: dict[str, tuple[str, str]] = {
    "account:read": ("Read your account: e-mail, settings", "Lire votre compte : e-mail, réglages"),
    "account:write": (
        "Change your profile, password and settings",
        "Modifier votre profil, mot de passe et réglages",
    ),
    "listings:write": ("Publish and manage your listings", "Publier et gérer vos annonces"),
    "offers:write": (
        "Make, counter and accept offers and bids",
        "Faire, contrer et accepter des offres et enchères",
    ),
    "orders:write": ("Buy, pay and follow your orders", "Acheter, payer et suivre vos commandes"),
    "messages:write": ("Read and send your messages", "Lire et envoyer vos messages"),
    "ratings:write": (
        "Rate the members you dealt with",
        "Évaluer les membres avec qui vous avez traité",
    ),
    "admin:moderation": ("Moderate the marketplace", "Modérer la place de marché"),
    "admin:disputes": ("Decide disputes", "Trancher les litiges"),
    "admin:partners": ("Manage partners", "Gérer les partenaires"),
    "admin:payments": ("See and act on payments", "Voir et agir sur les paiements"),
    "admin:catalog": ("Manage the category tree", "Gérer l'arbre des catégories"),
}


def t(key: str, locale: str, **params: object) -> str:
    """The page string `key` in `locale` (English when missing)."""
    en, fr = MESSAGES[key]
    text = fr if locale == "fr" else en
    return text.format(**params) if params else text


def scope_label(name: str, locale: str) -> str:
    labels = SCOPE_LABELS.get(name)
    if labels is None:
        return name
    return labels[1] if locale == "fr" else labels[0]


def pick_locale(ui_locales: str | None, accept_language: str | None) -> str:
    """`ui_locales` (OpenID Connect style, space separated) first, then Accept-Language."""
    for tag in (ui_locales or "").split():
        primary = tag.split("-")[0].lower()
        if primary in SUPPORTED_LOCALES:
            return primary
    return negotiate_locale(accept_language) if accept_language else DEFAULT_LOCALE


def translate_all(keys: Iterable[str], locale: str) -> dict[str, str]:
    return {k: t(k, locale) for k in keys}
