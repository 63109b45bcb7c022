from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.settings import load_settings


def test_defaults_load_without_user_file():
    assert load_settings(environ={}).geocoder == "offline"


def test_user_file_overrides_only_what_it_sets(tmp_path: Path):
    user = tmp_path / "s.toml"
    user.write_text("batch_size = 7\n")
    settings = load_settings(user, environ={})
    assert settings.batch_size == 7 and settings.geocoder == "offline"


def test_environment_overrides_user_file(tmp_path: Path):
    user = tmp_path / "s.toml"
    user.write_text("batch_size = 7\n")
    settings = load_settings(user, environ={"CONFLICT_EVENTS_BATCH_SIZE": "9"})
    assert settings.batch_size == 9


def test_unknown_key_is_an_error_naming_it(tmp_path: Path):
    user = tmp_path / "s.toml"
    user.write_text("batch_sise = 7\n")
    with pytest.raises(ConfigError, match="batch_sise"):
        load_settings(user, environ={})


def test_bad_value_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="batch_size"):
        load_settings(environ={"CONFLICT_EVENTS_BATCH_SIZE": "many"})
