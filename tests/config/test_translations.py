"""The Arabic catalogue is complete, compiled and current.

- no entry of locale/ar/LC_MESSAGES/django.po is untranslated or fuzzy, and every
  placeholder of a msgid is kept in its msgstr;
- the committed django.mo says exactly what the .po says (so `make run` on a fresh
  machine shows Arabic without gettext; rebuild with scripts/compilemessages.py);
- with GNU gettext installed, a fresh `makemessages` finds no wrapped string that
  the .po lacks (new strings must be translated before they are committed).
"""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "ar" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
MAKEMESSAGES_IGNORE = [
    "tests",
    "bench",
    "staticfiles",
    "scripts",
    "deploy",
    "templates/admin/*",
    "templates/drf_spectacular/*",
]


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def test_arabic_is_a_language_and_english_the_default():
    assert settings.LANGUAGE_CODE == "en"
    assert [code for code, _ in settings.LANGUAGES] == ["en", "ar"]
    assert LOCALE in [Path(p) for p in settings.LOCALE_PATHS]


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [], f"untranslated in {PO.name}: {untranslated[:10]}"
    assert fuzzy == [], f"fuzzy in {PO.name} (check, then remove the flag): {fuzzy[:10]}"
    assert len(catalogue) > 500


def test_translations_keep_their_placeholders(catalogue):
    broken = []
    for entry in catalogue:
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            # A plural form may leave the count out ("one donor"), never a name.
            texts = list(entry.msgstr_plural.values())
            wanted -= set(PLACEHOLDER.findall(entry.msgid)) - set(
                PLACEHOLDER.findall(entry.msgid_plural)
            )
        else:
            texts = [entry.msgstr]
        for text in texts:
            if set(PLACEHOLDER.findall(text)) != wanted:
                broken.append(entry.msgid)
    assert broken == []


def test_the_committed_mo_matches_the_po(catalogue):
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    expected = {}
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                expected[(entry.msgid, int(index))] = text
        else:
            expected[entry.msgid] = entry.msgstr
    actual = {key: value for key, value in compiled._catalog.items() if key != ""}
    assert actual == expected, "locale/ar django.mo is stale: run scripts/compilemessages.py"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) not installed")
def test_makemessages_finds_nothing_new(tmp_path, catalogue):
    """Every wrapped string of the code and the templates has its Arabic entry."""
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "repo"
    shutil.copytree(
        root,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "staticfiles", "*.sqlite3", "__pycache__", "tests"
        ),
    )
    ignore = [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE]
    subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "makemessages", "-l", "ar", "-e", "html,txt,py", *ignore],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "DATABASE_URL": "sqlite:///:memory:"},
    )
    fresh = polib.pofile(str(copy / "locale" / "ar" / "LC_MESSAGES" / "django.po"))
    known = {e.msgid for e in catalogue}
    missing = sorted(e.msgid for e in fresh if not e.obsolete and e.msgid not in known)
    assert missing == [], f"wrapped but not in {PO.name} (run `make messages`): {missing[:10]}"
