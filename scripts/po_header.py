"""Give the Vietnamese catalogue a stable header: no placeholders, no date that changes on every run."""

import re
import sys

FIXED = {
    "Project-Id-Version": "schoolrecords",
    "POT-Creation-Date": "",
    "PO-Revision-Date": "",
    "Last-Translator": "",
    "Language-Team": "Vietnamese",
    "Language": "vi",
}

path = sys.argv[1]
text = open(path, encoding="utf-8").read()
head, sep, body = text.partition("\n\n")
head = "\n".join(line for line in head.splitlines() if not line.startswith("#"))
for key, value in FIXED.items():
    head = re.sub(rf'(?m)^"{key}: .*\\n"$', f'"{key}: {value}\\\\n"', head)
with open(path, "w", encoding="utf-8") as out:
    out.write("# Vietnamese catalogue of the school records system (scripts/catalogue.sh).\n" + head + sep + body)
