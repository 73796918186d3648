"""Hashes of the package's own files: what each fingerprint counts."""

from __future__ import annotations

import hashlib

from csc_metrics.fingerprints import _package_digest, code_fingerprint, package_fingerprint


def test_a_digest_that_keeps_no_file_is_the_hash_of_nothing():
    assert _package_digest(lambda path, relative: False) == hashlib.sha256().hexdigest()


def test_the_code_fingerprint_leaves_out_what_the_package_fingerprint_counts():
    # The templates, styles and presentation code count in the package's hash only.
    assert code_fingerprint() != package_fingerprint()
    only_templates = _package_digest(lambda path, relative: relative.parts[0] == "templates")
    assert only_templates not in (code_fingerprint(), package_fingerprint())
