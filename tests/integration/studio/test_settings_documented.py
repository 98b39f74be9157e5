"""Every environment variable the settings read is documented for operators."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _variables_read_by_settings() -> set[str]:
    source = (ROOT / "studio/settings.py").read_text() + (
        ROOT / "studio/environment.py"
    ).read_text()
    names = set(re.findall(r'(?:env_\w+|os\.environ\.get)\(\s*"([A-Z_]+)"', source))
    names |= set(re.findall(r'os\.environ\["([A-Z_]+)"\]', source))
    return names


def test_every_variable_is_in_the_deployment_guide_and_readme():
    names = _variables_read_by_settings()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "STUDIO_DATA_DIR"} <= names
    deployment = (ROOT / "docs/deployment.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in names:
        assert f"`{name}`" in deployment, name
        assert f"`{name}`" in readme, name
