"""One settings object: packaged defaults, an optional user TOML file, then the environment.

Built once at the edge (CLI, DAG task) and passed down; nothing deeper reads globals.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

ENV_PREFIX = "CONFLICT_EVENTS_"
CONFIG_ENV = ENV_PREFIX + "CONFIG"


@dataclass(frozen=True, slots=True)
class Settings:
    batch_size: int
    max_input_bytes: int
    min_text_chars: int
    geocoder: str
    geocoder_url: str
    geocoder_timeout: float
    geocoder_min_delay: float
    max_failed_row_share: float
    fail_on_no_articles: bool
    near_duplicate_threshold: float
    # Local folder for a run's scratch work; "" = OUT/_staging, or the temp dir for a remote warehouse.
    staging_dir: str
    # fsspec options for a remote warehouse (e.g. {"endpoint_url": ...} for MinIO); JSON in the environment.
    storage_options: dict

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied and type-checked (None values are ignored)."""
        clean = {k: v for k, v in changes.items() if v is not None}
        return _coerce_all(replace(self, **clean)) if clean else self


def _coerce(name: str, kind: type, value: Any) -> Any:
    try:
        if kind is dict:
            value = json.loads(value) if isinstance(value, str) else value
            if not isinstance(value, dict):
                raise TypeError(value)
            return dict(value)
        if kind is bool and isinstance(value, str):
            if value.lower() in {"1", "true", "yes", "on"}:
                return True
            if value.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        return kind(value)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"setting {name!r}: cannot read {value!r} as {kind.__name__}") from err


_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "dict": dict}


def _coerce_all(settings: Settings) -> Settings:
    values = {f.name: _coerce(f.name, _TYPES[str(f.type)], getattr(settings, f.name)) for f in fields(settings)}
    if values["batch_size"] < 1:
        raise ConfigError("setting 'batch_size' must be at least 1")
    if not 0 <= values["max_failed_row_share"] <= 1:
        raise ConfigError("setting 'max_failed_row_share' must lie between 0 and 1")
    return Settings(**values)


def _read_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{origin}: {err}") from err
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{origin}: unknown settings {', '.join(unknown)}")
    return data


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults, overridden by the user file (``path`` or $CONFLICT_EVENTS_CONFIG), then the environment."""
    env = os.environ if environ is None else environ
    values = _read_toml(
        resources.files("pipeline.config").joinpath("defaults.toml").read_text(encoding="utf-8"), "defaults.toml"
    )
    user = path or (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else None)
    if user is not None:
        if not user.is_file():
            raise ConfigError(f"settings file {user} does not exist")
        values.update(_read_toml(user.read_text(encoding="utf-8"), str(user)))
    for f in fields(Settings):
        key = ENV_PREFIX + f.name.upper()
        if key in env:
            values[f.name] = env[key]
    missing = {f.name for f in fields(Settings)} - set(values)
    if missing:
        raise ConfigError(f"settings missing: {', '.join(sorted(missing))}")
    return _coerce_all(Settings(**values))
