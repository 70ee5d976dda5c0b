"""Text colours of the site's style sheets meet WCAG AA (4.5:1) on their backgrounds (issue 13, item 8).

The rules checked are those that set both a background and a text colour (messages, badges), and the
plain text colours on the page's backgrounds.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

SHEETS = ["css/site.css", "gradebook/grid.css"]
PAGE_BACKGROUNDS = ("#ffffff", "#f5f7f9")  # cards and the page


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(part * 2 for part in value)
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(text: str, background: str) -> float:
    light, dark = sorted((_luminance(text), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_wcag():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


def _css(name: str) -> str:
    for folder in settings.STATICFILES_DIRS:
        path = Path(folder) / name
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(name)


def _variables() -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", _css("css/site.css"))[1]
    return dict(re.findall(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})", root))


def _colour(value: str, variables: dict[str, str]) -> str | None:
    value = value.strip()
    found = re.fullmatch(r"var\(--([\w-]+)\)", value)
    if found:
        return variables.get(found[1])
    return value if re.fullmatch(r"#[0-9a-fA-F]{3,6}", value) else None


def _pairs():
    variables = _variables()
    for sheet in SHEETS:
        for selector, body in re.findall(r"([^{}]+){([^}]*)}", _css(sheet)):
            props = dict((k.strip(), v.strip()) for k, v in re.findall(r"([\w-]+)\s*:\s*([^;]+)", body))
            text = _colour(props.get("color", ""), variables)
            if not text:
                continue
            background = _colour(props.get("background", props.get("background-color", "")), variables)
            for each in ([background] if background else PAGE_BACKGROUNDS):
                yield sheet, selector.strip(), text, each


@pytest.mark.parametrize("name", ["warn", "err", "ok", "muted", "ink", "brand"])
def test_each_text_colour_reads_on_the_page_and_on_cards(name):
    colour = _variables()[name]
    for background in PAGE_BACKGROUNDS:
        assert contrast(colour, background) >= 4.5, (name, colour, background)


def test_every_rule_with_a_text_colour_meets_4_5_to_1():
    low = [(sheet, selector, text, background, round(contrast(text, background), 2))
           for sheet, selector, text, background in _pairs()
           if text.lower() not in ("#fff", "#ffffff") and contrast(text, background) < 4.5]
    assert not low, low
