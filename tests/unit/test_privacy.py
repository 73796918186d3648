import hashlib
import hmac

import pandas as pd
import pytest

from csc_metrics import privacy
from csc_metrics.errors import ParameterError


@pytest.fixture
def no_key(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    key_file = tmp_path / "keys" / "key"
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(key_file))
    return key_file


def test_pseudonym_is_hmac_sha256_of_the_id_with_the_key():
    expected = hmac.new(b"secret", b"123456", hashlib.sha256).hexdigest()[:16]
    assert privacy.Pseudonymiser(b"secret").one("123456") == expected


def test_same_key_gives_same_pseudonyms_and_another_key_does_not():
    ids = pd.Series(["A1", "B2", "A1"])
    first = privacy.Pseudonymiser(b"k1").series(ids)
    again = privacy.Pseudonymiser(b"k1").series(ids)
    other = privacy.Pseudonymiser(b"k2").series(ids)
    assert first.tolist() == again.tolist()
    assert first[0] == first[2] and first[0] != first[1]
    assert not set(first) & set(other)


def test_blank_ids_stay_blank():
    out = privacy.Pseudonymiser(b"k").series(pd.Series(["A1", None]))
    assert out.isna().tolist() == [False, True]


GOOD_KEY = "k" * 32


def test_key_from_environment_wins(monkeypatch, no_key):
    monkeypatch.setenv(privacy.KEY_ENV, GOOD_KEY)
    assert privacy.load_key() == GOOD_KEY.encode()
    assert not no_key.exists()


def test_missing_key_is_generated_once_and_announced_on_stderr(no_key, capsys):
    first = privacy.load_key()
    err = capsys.readouterr().err
    assert no_key.exists() and str(no_key) in err and "Back this file up" in err
    assert no_key.stat().st_mode & 0o077 == 0
    assert privacy.load_key() == first
    assert capsys.readouterr().err == ""


def test_the_new_key_notice_reaches_the_console_once(no_key, capsys):
    # The notice is printed on stderr by itself and logged for the run log; the command
    # line's console handler must not print it a second time.
    import logging

    from csc_metrics import cli

    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers = []
    try:
        handler = cli.configure_console_logging(verbose=False)
        assert handler is not None
        privacy.load_key()
    finally:
        root.handlers, root.level = saved_handlers, saved_level
    assert capsys.readouterr().err.count("Back this file up") == 1


@pytest.mark.parametrize("key", ["", "a", "   ", "k" * 31])
def test_an_empty_or_short_key_in_the_environment_is_refused(monkeypatch, no_key, key):
    monkeypatch.setenv(privacy.KEY_ENV, key)
    with pytest.raises(ParameterError, match="at least 32 characters") as raised:
        privacy.load_key()
    assert privacy.GOOD_KEY_COMMAND in str(raised.value)
    assert raised.value.exit_code == 2


def test_a_key_of_32_characters_is_accepted(monkeypatch, no_key):
    monkeypatch.setenv(privacy.KEY_ENV, "k" * 32)
    assert privacy.load_key() == b"k" * 32


@pytest.mark.parametrize("content", [b"", b"\n", b"short-key\n"])
def test_an_empty_or_short_key_file_is_refused(no_key, content):
    no_key.parent.mkdir(parents=True)
    no_key.write_bytes(content)
    with pytest.raises(ParameterError, match="at least 32 characters"):
        privacy.load_key()


def test_a_key_file_that_is_a_folder_is_refused(no_key):
    no_key.mkdir(parents=True)
    with pytest.raises(ParameterError, match="is a folder"):
        privacy.load_key()


def test_a_key_file_that_is_not_utf8_is_refused(no_key):
    no_key.parent.mkdir(parents=True)
    no_key.write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(ParameterError, match="not UTF-8"):
        privacy.load_key()


def test_the_key_check_value_is_an_hmac_of_the_label_not_the_key():
    key = b"k" * 32
    check = privacy.key_check_value(key)
    assert check == hmac.new(key, privacy.KEY_CHECK_LABEL, hashlib.sha256).hexdigest()
    assert "k" * 8 not in check and check != privacy.key_check_value(b"j" * 32)


def test_a_different_key_from_the_recorded_one_stops(tmp_path):
    recorded = privacy.key_check_value(b"k" * 32)
    privacy.check_same_key(b"k" * 32, recorded, tmp_path)  # the same key: no error
    privacy.check_same_key(b"j" * 32, None, tmp_path)  # nothing recorded: no error
    with pytest.raises(ParameterError, match="no longer link"):
        privacy.check_same_key(b"j" * 32, recorded, tmp_path)


def test_key_file_inside_a_repository_is_refused(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    (tmp_path / ".git").mkdir()
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(tmp_path / "secrets" / "key"))
    with pytest.raises(ParameterError, match="inside the git repository"):
        privacy.load_key()
