"""The site has an icon: named by every page and answered at /favicon.ico (issue 13, item 8)."""

from django.contrib.staticfiles import finders
from PIL import Image


def test_every_page_names_the_icon_and_the_root_address_leads_to_it(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("favicon.ico")


def test_the_icon_files_are_real_images():
    with Image.open(finders.find("favicon.ico")) as icon:
        assert icon.format == "ICO" and icon.size == (32, 32)
    assert finders.find("favicon.svg").endswith(".svg")
    with open(finders.find("favicon.svg"), encoding="utf-8") as svg:
        assert svg.read().startswith("<svg")
