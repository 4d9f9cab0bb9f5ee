"""The serving entry point tunes the garbage collector (in a child process: freezing the test
process would keep every later test's garbage)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_the_asgi_entry_point_freezes_start_up_objects(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "C2C_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    script = (
        "import gc, json; import c2c_api.asgi; "
        "print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0]]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    frozen, young = json.loads(out.stdout.strip().splitlines()[-1])
    assert frozen > 10_000  # the schema, the mappers, the category tree…
    assert young == 10_000
