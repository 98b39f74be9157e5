"""Reading the environment: typed getters, the data folder, the generated secret key, Redis URLs
and the storage URL.

Kept apart from settings.py so the launcher and the test plugin derive the same values from the
same variables without importing Django settings.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlparse, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    """Refuse anything but a clear yes or no, so a typo never silently turns DEBUG on."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """The folder holding the SQLite file, the secret key, the embedded Redis and artifacts."""
    path = Path(os.environ.get("STUDIO_DATA_DIR") or "data").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(folder: Path) -> str:
    """Use SECRET_KEY when given; otherwise generate one once and keep it beside the data."""
    given = os.environ.get("SECRET_KEY")
    if given:
        return given
    key_file = folder / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def embedded_redis_socket(folder: Path) -> Path:
    return folder / "redis.sock"


def redis_url(folder: Path) -> str:
    """REDIS_URL, or the Unix socket of the embedded Redis that the launcher starts."""
    return os.environ.get("REDIS_URL") or f"unix://{embedded_redis_socket(folder)}"


def celery_url(url: str) -> str:
    """Kombu names Unix sockets `redis+socket://`; plain redis:// and amqp:// pass through."""
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        return f"redis+socket://{parsed.path}"
    return url


def parse_storage_url(url: str) -> tuple[str, str] | None:
    """None for local folders, else (bucket, prefix); settings call it so a typo fails at start."""
    url = url.strip()
    if not url:
        return None
    parsed = urlsplit(url)
    prefix = parsed.path.strip("/")
    if (
        parsed.scheme != "s3"
        or not parsed.netloc
        or parsed.query
        or parsed.fragment
        or ".." in prefix.split("/")
    ):
        raise ImproperlyConfigured(
            "STUDIO_STORAGE_URL must be empty (folders under STUDIO_DATA_DIR/storage) or "
            f"s3://bucket/prefix for S3-compatible storage, not {url!r}"
        )
    return parsed.netloc, prefix
