#!/usr/bin/env bash
# Rebuild the Vietnamese catalogue: collect every msgid, keep existing translations, fill new
# ones from the fragments in locale/parts/, compile, and report what is still untranslated.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
po=locale/vi/LC_MESSAGES/django.po
export DEBUG=1
$PY manage.py makemessages -l vi --no-location --no-obsolete \
    -i ".venv/*" -i "var/*" -i "tests/*" -i "scripts/*" -i "docs/*" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# makemessages guesses translations for new msgids from similar ones; a guess is not a translation.
msgattrib --clear-fuzzy --empty --no-location -o "$tmp/clean.po" "$po"
if compgen -G "locale/parts/*.po" >/dev/null; then
    msgcat --use-first locale/parts/*.po -o "$tmp/parts.po"
    msgmerge --quiet --no-fuzzy-matching --no-location -C "$tmp/parts.po" -o "$tmp/merged.po" "$tmp/clean.po" "$tmp/clean.po"
else
    cp "$tmp/clean.po" "$tmp/merged.po"
fi
msgattrib --no-obsolete --no-location -o "$po" "$tmp/merged.po"
$PY scripts/po_header.py "$po"
$PY manage.py compilemessages -l vi >/dev/null
missing=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
echo "catalogue: $(($(grep -c '^msgid ' "$po") - 1)) messages, untranslated: $((missing > 0 ? missing - 1 : 0))"
