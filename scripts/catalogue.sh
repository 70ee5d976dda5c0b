#!/usr/bin/env bash
# Rebuild the Vietnamese catalogue: collect every msgid, keep existing translations, fill new
# ones from the fragments in locale/parts/, compile, and report what is still untranslated.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
po=locale/vi/LC_MESSAGES/django.po
pot=locale/django.pot
export DEBUG=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$pot"' EXIT
# What is translated today, the catalogue first, then the fragments.
sources=()
if [ -f "$po" ]; then
    msgattrib --translated --no-fuzzy --no-obsolete -o "$tmp/current.po" "$po"
    sources+=("$tmp/current.po")
fi
sources+=(locale/parts/*.po)
msgcat --use-first "${sources[@]}" -o "$tmp/known.po"
$PY manage.py makemessages -l vi --keep-pot --no-location --no-obsolete \
    -i ".venv/*" -i "var/*" -i "tests/*" -i "scripts/*" -i "docs/*" >/dev/null
# Every msgid the code uses, with the known translation where there is one and no guesses.
msgmerge --quiet --no-fuzzy-matching --no-location -o "$tmp/merged.po" "$tmp/known.po" "$pot"
msgattrib --no-obsolete --no-location -o "$po" "$tmp/merged.po"
$PY scripts/po_header.py "$po"
$PY manage.py compilemessages -l vi >/dev/null
missing=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
echo "catalogue: $(($(grep -c '^msgid ' "$po") - 1)) messages, untranslated: $((missing > 0 ? missing - 1 : 0))"
