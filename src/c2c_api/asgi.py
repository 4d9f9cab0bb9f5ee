"""ASGI entry point for uvicorn: `c2c_api.asgi:app` (one app per serving process)."""

from c2c_api.app import create_app
from c2c_api.runtime import tune_garbage_collector

app = create_app()
tune_garbage_collector()
