"""The API docs load from the server itself: nothing from a CDN, so they work without internet access."""

import re

import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_reference_only_local_files_that_answer(client_for, page):
    anonymous = await client_for("anonymous")
    response = await anonymous.get(page)
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""", response.text)
    urls = [u for pair in urls for u in pair if u]
    assert urls, "the page should load scripts and styles"
    assert not [u for u in urls if re.match(r"(https?:)?//", u)], urls
    assert "fonts.googleapis" not in response.text and "cdn.jsdelivr" not in response.text
    for url in urls:
        assert (await anonymous.get(url)).status_code == 200, url


async def test_swagger_ui_does_not_call_the_public_validator(client_for):
    text = (await (await client_for("anonymous")).get("/docs")).text
    assert '"validatorUrl": null' in text


def test_the_web_apps_page_names_a_local_favicon_and_nothing_from_outside():
    from pathlib import Path

    frontend = Path(__file__).resolve().parent.parent / "frontend"
    html = (frontend / "index.html").read_text()
    assert 'rel="icon" href="/favicon.svg"' in html and (frontend / "public" / "favicon.svg").is_file()
    assert not re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", html)
