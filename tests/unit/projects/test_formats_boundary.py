"""The import formats import nothing from Django or the studio, so they parse in any process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from projects.formats.rows import SPLIT_WORDS
from projects.models import Split

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = """
import sys
{imports}
forbidden = ("django", "rest_framework", "channels", "celery", "studio", "training")
apps = [m for m in sys.modules if m.startswith("projects.") and "formats" not in m.split(".")]
loaded = [m for m in sys.modules if m.split(".")[0] in forbidden] + apps
print(loaded)
"""


def test_importing_every_format_module_loads_no_django():
    modules = sorted(p.stem for p in (ROOT / "projects" / "formats").glob("*.py"))
    imports = "\n".join(f"import projects.formats.{m}" for m in modules if m != "__init__")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}  # no DJANGO_SETTINGS_MODULE
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(imports=imports)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_the_formats_write_the_stored_split_values():
    assert set(SPLIT_WORDS.values()) == set(Split.values)
