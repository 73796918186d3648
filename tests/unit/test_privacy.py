import hashlib
import hmac
import logging

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


def test_key_from_environment_wins(monkeypatch, no_key):
    monkeypatch.setenv(privacy.KEY_ENV, "from-env")
    assert privacy.load_key() == b"from-env"
    assert not no_key.exists()


def test_missing_key_is_generated_once_with_a_warning(no_key, caplog):
    with caplog.at_level(logging.WARNING):
        first = privacy.load_key()
    assert no_key.exists() and str(no_key) in caplog.text
    assert no_key.stat().st_mode & 0o077 == 0
    assert privacy.load_key() == first


def test_key_file_inside_a_repository_is_refused(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    (tmp_path / ".git").mkdir()
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(tmp_path / "secrets" / "key"))
    with pytest.raises(ParameterError, match="inside the git repository"):
        privacy.load_key()
