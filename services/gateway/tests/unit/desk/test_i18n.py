"""zh-CN first, English complete: every string a template or the desk's code shows has a
translation in both catalogs, and every template compiles in both languages."""
from __future__ import annotations

import pytest

from propdesk_services.gateway.desk import i18n
from propdesk_services.gateway.desk.render import TEMPLATES, environment


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_message_the_desk_shows_is_translated(lang):
    assert i18n.missing(lang) == [], (
        f"untranslated in {i18n.LOCALES[lang]}: run `python -m propdesk_services.gateway.desk.i18n update` "
        f"and fill in {i18n.po_path(lang)}")


def test_the_extraction_finds_template_and_code_strings():
    ids = {m.id for m in i18n.extract()}
    assert "Sign in" in ids  # a template
    assert "Unit inspections to do" in ids  # an N_ in views.py
    assert "Move-out withdrawn: %(reason)s" in ids  # gettext(lang, ...) in words.py


def test_the_chinese_catalog_really_is_chinese():
    assert i18n.gettext("zh", "Sign in") == "登录"
    assert i18n.gettext("en", "Sign in") == "Sign in"
    assert i18n.gettext("zh", "Inspect %(unit)s", unit="1-1-702") == "验收 1-1-702"


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_template_compiles(lang):
    env = environment(lang)
    for path in TEMPLATES.glob("*.html"):
        env.get_template(path.name)


def test_the_language_is_the_persons_then_the_cookie_then_chinese():
    class Req:
        def __init__(self, cookie=None):
            self.cookies = {i18n.LANG_COOKIE: cookie} if cookie else {}

    class Person:
        lang = "en"

    assert i18n.lang_of(Req(), None) == "zh"
    assert i18n.lang_of(Req("en"), None) == "en"
    assert i18n.lang_of(Req("xx"), None) == "zh"
    assert i18n.lang_of(Req("zh"), Person()) == "en"
