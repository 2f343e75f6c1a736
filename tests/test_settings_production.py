"""HOTLINE_ENV=production refuses empty, placeholder and short secrets, naming each variable."""
import secrets

import pytest
from click.testing import CliRunner

from ivr.settings import SettingsError, load_settings

from .conftest import ROOT

SECRET_NAMES = ("HOTLINE_SECRET_KEY", "HOTLINE_HASH_SECRET", "TWILIO_AUTH_TOKEN")


def example_env() -> dict:
    """deploy/hotline.env.example as a mapping: what an operator copies before editing it."""
    pairs = (line.split("=", 1) for line in (ROOT / "deploy" / "hotline.env.example").read_text().splitlines()
             if line and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def strong() -> dict:
    return {name: secrets.token_hex(32) for name in SECRET_NAMES}


def test_the_example_files_placeholders_are_refused_by_name(tmp_path):
    env = dict(example_env(), HOTLINE_VAR_DIR=str(tmp_path))
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    for name in SECRET_NAMES:
        assert f"{name} is a placeholder" in str(err.value)


@pytest.mark.parametrize("value, says", [("", "is not set"), ("   ", "is not set"),
                                         ("short-but-random-9f2c", "is too short"),
                                         ("CHANGE-ME-" + "7" * 40, "is a placeholder"),
                                         ("a" * 32, "is not random enough"),
                                         ("abcd" * 16, "is not random enough"),
                                         ("0123456789abcdef" * 2, "is not random enough")])
def test_empty_short_and_placeholder_secrets_are_refused(tmp_path, value, says):
    env = dict(strong(), HOTLINE_ENV="production", HOTLINE_VAR_DIR=str(tmp_path), HOTLINE_HASH_SECRET=value)
    with pytest.raises(SettingsError, match=f"HOTLINE_HASH_SECRET {says}"):
        load_settings(env)


def test_one_value_reused_for_two_secrets_is_refused(tmp_path):
    env = dict(strong(), HOTLINE_ENV="production", HOTLINE_VAR_DIR=str(tmp_path))
    env["HOTLINE_HASH_SECRET"] = env["HOTLINE_SECRET_KEY"]
    with pytest.raises(SettingsError, match="HOTLINE_SECRET_KEY and HOTLINE_HASH_SECRET are the same value"):
        load_settings(env)


def test_strong_secrets_pass(tmp_path):
    conf = load_settings(dict(strong(), HOTLINE_ENV="production", HOTLINE_VAR_DIR=str(tmp_path)))
    assert conf["SECRET_KEY"] == conf["HOTLINE_SECRET_KEY"]


def test_development_still_runs_without_secrets(tmp_path):
    conf = load_settings({"HOTLINE_VAR_DIR": str(tmp_path)})
    assert len(conf["SECRET_KEY"]) >= 32


def test_a_command_ends_with_the_message_not_a_traceback(monkeypatch, tmp_path):
    from ivr.cli import main

    for name, value in dict(example_env(), HOTLINE_VAR_DIR=str(tmp_path)).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["content", "check"])
    assert result.exit_code == 1
    assert "HOTLINE_SECRET_KEY is a placeholder" in result.output and "Traceback" not in result.output
