"""The engine imports nothing from Django or the studio's apps (DESIGN.md §4)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = """
import sys
{imports}
forbidden = ("django", "rest_framework", "channels", "celery", "projects", "training.models")
loaded = [m for m in sys.modules if m in forbidden or m.split(".")[0] in forbidden]
assert "django" not in sys.modules
print(loaded)
"""


def test_importing_every_engine_module_loads_no_django():
    modules = sorted(p.stem for p in (ROOT / "training" / "engine").glob("*.py"))
    imports = "\n".join(f"import training.engine.{m}" for m in modules if m != "__init__")
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(imports=imports)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
