"""The Vietnamese catalogue is complete: every message the code uses is there and translated."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _msgattrib(*flags: str) -> str:
    return subprocess.run(["msgattrib", *flags, str(PO)], check=True, capture_output=True, text=True).stdout


def test_no_message_is_left_untranslated_or_fuzzy():
    untranslated = [line for line in _msgattrib("--untranslated", "--no-obsolete").splitlines()
                    if line.startswith("msgid ") and line != 'msgid ""']
    fuzzy = [line for line in _msgattrib("--only-fuzzy", "--no-obsolete").splitlines()
             if line.startswith("msgid ") and line != 'msgid ""']
    assert untranslated == [], "run scripts/catalogue.sh and translate these"
    assert fuzzy == []


def test_catalogue_holds_every_message_the_code_uses(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "*.mo", "__pycache__",
                                                                "test-results", "node_modules"))
    env = os.environ | {"DEBUG": "1", "VAR_DIR": str(tmp_path / "var")}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--keep-pot", "--no-location",
         "-i", "tests/*", "-i", "scripts/*", "-i", "docs/*"],
        cwd=copy, env=env, check=True, capture_output=True,
    )
    result = subprocess.run(["msgcmp", "--use-untranslated", str(PO), str(copy / "locale" / "django.pot")],
                            capture_output=True, text=True)
    assert result.returncode == 0, "messages missing from the catalogue (run scripts/catalogue.sh):\n" + result.stderr


# One spelling per word across the catalogue (the spelling the most messages used when the choice was made).
SPELLINGS = {"lí": "lý", "khoá": "khóa", "kỳ": "kì", "huỷ": "hủy"}
PROPER_NAMES = ("Địa lí",)  # the subject's official name in the 2018 programme keeps its spelling


def test_each_word_has_one_spelling_across_the_catalogue():
    import re
    import unicodedata

    translations = unicodedata.normalize("NFC", "\n".join(
        line for line in PO.read_text(encoding="utf-8").splitlines() if line.startswith(("msgstr", '"'))))
    for name in PROPER_NAMES:
        translations = translations.replace(name, "")
    found = {variant: len(re.findall(rf"(?<!\w){variant}(?!\w)", translations, flags=re.IGNORECASE))
             for variant in SPELLINGS}
    assert {variant: count for variant, count in found.items() if count} == {}, (
        f"write {', '.join(f'{v} as {SPELLINGS[v]}' for v in found if found[v])}")
