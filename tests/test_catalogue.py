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
