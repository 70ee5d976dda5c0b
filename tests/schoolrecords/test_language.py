"""The interface speaks Vietnamese by default, with dd/mm/yyyy dates and the decimal comma."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_login_page_is_vietnamese_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page and "Mật khẩu" in page
    assert response["Content-Language"] == "vi"


def test_a_person_may_choose_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page and "Log in" in page


def test_home_page_greets_the_teacher_in_vietnamese(login):
    page = login("teacher_math").get(reverse("home")).content.decode()
    assert "Xin chào, Đỗ Thị Mai" in page
    assert "Toán" in page and "6A1" in page


def test_dates_and_decimals_are_shown_the_vietnamese_way():
    with translation.override("vi"):
        text = Template('{{ d|date:"SHORT_DATE_FORMAT" }} {{ d }} {{ x }}').render(
            Context({"d": datetime.date(2026, 3, 5), "x": Decimal("7.5")}))
    assert text == "05/03/2026 05/03/2026 7,5"


def test_a_date_typed_dd_mm_yyyy_is_understood(login, demo):
    from schoolrecords.forms import TermDatesForm

    with translation.override("vi"):
        form = TermDatesForm({"start_date": "05/09/2026", "end_date": "16/01/2027"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["start_date"] == datetime.date(2026, 9, 5)
