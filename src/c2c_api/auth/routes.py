"""HTTP routes of the authorization server and the hosted account pages."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from c2c_api.auth import oauth_views, pages


def auth_routes() -> list[BaseRoute]:
    """OAuth endpoints, .well-known documents, login/consent/account pages."""
    return [
        Route("/oauth/authorize", oauth_views.authorize_endpoint, methods=["GET", "POST"]),
        Route("/oauth/token", oauth_views.token_endpoint, methods=["POST"]),
        Route("/oauth/revoke", oauth_views.revocation_endpoint, methods=["POST"]),
        Route("/oauth/introspect", oauth_views.introspection_endpoint, methods=["POST"]),
        Route(
            "/.well-known/oauth-authorization-server",
            oauth_views.metadata_endpoint,
            methods=["GET"],
        ),
        Route("/.well-known/jwks.json", oauth_views.jwks_endpoint, methods=["GET"]),
        Route("/login", pages.login_page, methods=["GET"]),
        Route("/login", pages.login_submit, methods=["POST"]),
        Route("/logout", pages.logout_page, methods=["GET"]),
        Route("/logout", pages.logout_submit, methods=["POST"]),
        Route("/signup", pages.signup_page, methods=["GET"]),
        Route("/signup", pages.signup_submit, methods=["POST"]),
        Route("/account/forgot-password", pages.forgot_page, methods=["GET"]),
        Route("/account/forgot-password", pages.forgot_submit, methods=["POST"]),
        Route("/account/reset-password", pages.reset_page, methods=["GET"]),
        Route("/account/reset-password", pages.reset_submit, methods=["POST"]),
        Route("/account/verify-email", pages.verify_page, methods=["GET"]),
        Route("/account/verify-email", pages.verify_submit, methods=["POST"]),
    ]
