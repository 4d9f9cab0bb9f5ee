"""ASGI entry point for uvicorn: `c2c_api.asgi:app`."""

from c2c_api.app import create_app

app = create_app()
