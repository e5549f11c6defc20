#!/usr/bin/env python
"""Compile locale/*/LC_MESSAGES/django.po into django.mo with polib.

Django's `compilemessages` needs GNU gettext's msgfmt; this needs only Python,
so any machine can rebuild the committed .mo files. tests/config/test_translations.py
fails when a committed .mo does not match its .po.

    python scripts/compilemessages.py
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
