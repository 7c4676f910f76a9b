"""The HR dashboard in Chromium: no CSP violation, bars as long as their figures, labels translated."""
import pytest

from ..conftest import translated

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_dashboard_bars_are_drawn_to_scale_in_both_languages(app, page, live_server, world, training, language,
                                                            tmp_path):
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.context.add_cookies([{"name": "oqu_lang", "value": language, "url": live_server}])
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill(world.hr.email)
    page.locator("input[name=password]").fill("correct-horse-7")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/hr/dashboard")
    page.screenshot(path=str(tmp_path / f"dashboard-{language}.png"), full_page=True)

    assert page.locator("h1").inner_text() == translated(app, "Training dashboard", language)
    assert page.get_by_role("heading", name=translated(app, "Completion by department", language)).is_visible()
    chart = page.get_by_role("table", name=translated(app, "Share of enrolments completed, by department", language))
    rows = chart.locator("tbody tr")
    shares = {}
    for index in range(rows.count()):
        row = rows.nth(index)
        track = row.locator(".bar-track").bounding_box()
        fill = row.locator(".bar-fill").bounding_box()
        assert track["width"] > 60  # readable, not a sliver
        shares[row.locator("th").inner_text()] = round(fill["width"] / track["width"], 2)
    assert shares[world.a1.name_kk if language == "kk" else world.a1.name_ru] == 0.5
    assert shares[translated(app, "%(unit)s (own staff)", language,
                             unit=world.a.name_kk if language == "kk" else world.a.name_ru)] == 1.0
    assert problems == []  # no Content-Security-Policy violation, no missing file
