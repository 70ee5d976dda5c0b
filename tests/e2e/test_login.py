"""A teacher logs in through the real login form and lands on the Vietnamese home page."""

import pytest
from playwright.sync_api import expect

from seed.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_teacher_logs_in_and_sees_their_classes_in_vietnamese(live_server, demo_school, page, screenshot):
    """In Vietnamese although the browser asks for English (Accept-Language: en-US)."""
    page.goto(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    expect(page.locator("label[for=id_username]")).to_have_text("Tên đăng nhập")

    log_in(page, live_server.url, "teacher_math", DEMO_PASSWORD)

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "vi"
    expect(page.locator("h1")).to_have_text("Xin chào, Đỗ Thị Mai")
    teaching = page.locator("#todo-teaching")
    expect(teaching.locator("h2")).to_have_text("Lớp và môn tôi dạy")
    expect(teaching.locator("tbody tr")).to_have_count(4)
    expect(teaching.locator("tbody tr").first).to_contain_text("6A1")
    expect(teaching.locator("tbody tr").first).to_contain_text("Toán")
    expect(page.locator(".user-name")).to_have_text("Đỗ Thị Mai")
    assert screenshot("e2e-teacher-home").stat().st_size > 0


def test_wrong_password_stays_on_the_login_form_with_a_vietnamese_message(live_server, demo_school, page,
                                                                          screenshot):
    log_in(page, live_server.url, "teacher_math", "not-the-password")

    # Django's own Vietnamese message for a wrong login name or password.
    expect(page.locator(".errorlist[role=alert]")).to_contain_text("Vui lòng")
    expect(page.locator(".errorlist[role=alert]")).to_contain_text("mật khẩu")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "/accounts/login/" in page.url
    expect(page.locator("#id_username")).to_have_value("teacher_math")
    screenshot("e2e-login-error")
