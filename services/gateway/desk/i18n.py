"""The desk's two languages: zh-CN first, English complete, from gettext catalogs (Babel).

Catalogs: ``translations/{zh_CN,en}/LC_MESSAGES/messages.po`` beside this file. Message ids are
English; the zh_CN catalog translates every one, and the en catalog repeats it (so a missing
entry shows as a test failure, `tests/unit/desk/test_i18n.py`, not as an untranslated page).

Compiled in memory when the gateway first renders a page (`translations`): Babel reads the .po
file and writes the .mo bytes into a buffer; no compiled file is kept in the tree or made by a
build step, so the catalog that is read is always the one in git.

Updating the catalogs after changing a template or a marked string (`N_`):

    .venv/bin/python -m propdesk_services.gateway.desk.i18n update   # extract, merge into both .po
    .venv/bin/python -m propdesk_services.gateway.desk.i18n check    # list what lacks a translation

The language of a request is the person's choice (`Principal.lang`, cookie ``propdesk_lang`` set
by ``POST /lang``), else the cookie alone (the sign-in page), else zh.
"""
from __future__ import annotations

import io
import sys
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

HERE = Path(__file__).parent
CATALOG_DIR = HERE / "translations"
#: language code of the desk -> Babel/gettext locale of its catalog
LOCALES = {"zh": "zh_CN", "en": "en"}
LANGS = tuple(LOCALES)
DEFAULT_LANG = "zh"
LANG_COOKIE = "propdesk_lang"
#: What Babel extracts: the templates (Jinja2's own extractor) and this package's Python files
#: (strings marked with N_ or _).
EXTRACT_METHODS = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
EXTRACT_OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "N_": None, "gettext": (2,), "t": None}  # gettext(lang, message); self.t(message)


def N_(message: str) -> str:
    """Mark a string for the catalogs; it is translated where it is shown (`gettext`)."""
    return message


def po_path(lang: str) -> Path:
    return CATALOG_DIR / LOCALES[lang] / "LC_MESSAGES" / "messages.po"


def read_catalog(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=LOCALES[lang])


@lru_cache(maxsize=None)
def translations(lang: str) -> Translations:
    """The compiled catalog of `lang` (fuzzy entries are not used)."""
    buf = io.BytesIO()
    write_mo(buf, read_catalog(lang), use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain="messages")


def gettext(lang: str, message: str, **values) -> str:
    text = translations(lang if lang in LOCALES else DEFAULT_LANG).gettext(message)
    return text % values if values else text


def lang_of(request=None, principal=None) -> str:
    """The language to answer in: the person's choice, else the cookie, else zh."""
    lang = getattr(principal, "lang", None)
    if lang in LOCALES:
        return lang
    cookie = request.cookies.get(LANG_COOKIE) if request is not None else None
    return cookie if cookie in LOCALES else DEFAULT_LANG


def locale_of(lang: str) -> str:
    return LOCALES.get(lang, LOCALES[DEFAULT_LANG])


# --- keeping the catalogs complete ------------------------------------------------------------------
def extract() -> Catalog:
    """Every message id the templates and this package's Python use."""
    catalog = Catalog(project="propdesk desk", msgid_bugs_address=None)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(HERE), method_map=EXTRACT_METHODS, options_map=EXTRACT_OPTIONS, keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        if "node_modules" in filename:
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def missing(lang: str) -> list[str]:
    """Message ids the templates and code use that `lang`'s catalog does not translate (absent,
    empty or fuzzy)."""
    catalog = read_catalog(lang)
    out = []
    for msg in extract():
        if not msg.id:
            continue
        entry = catalog.get(msg.id, context=msg.context)
        strings = entry.string if entry is not None else None
        if entry is None or entry.fuzzy or not (all(strings) if isinstance(strings, tuple) else strings):
            out.append(msg.id if isinstance(msg.id, str) else msg.id[0])
    return out


def update() -> None:
    """Merge the extracted ids into both catalogs (new ids untranslated; in en, the id itself)."""
    template = extract()
    for lang in LANGS:
        path = po_path(lang)
        if path.exists():
            catalog = read_catalog(lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=LOCALES[lang], project="propdesk desk")
        created = catalog.creation_date
        catalog.update(template, no_fuzzy_matching=True)
        catalog.creation_date = created  # no date churn in the diff
        catalog.fuzzy = False
        catalog.project, catalog.version = "propdesk desk", "1"
        catalog.copyright_holder = "propdesk"
        catalog.last_translator = catalog.language_team = "propdesk"
        if lang == "en":
            for msg in catalog:
                if msg.id and not msg.string:
                    msg.string = msg.id
        catalog.obsolete.clear()
        with path.open("wb") as f:
            write_po(f, catalog, width=110, omit_header=False, sort_output=True, include_lineno=False)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    gaps = {lang: missing(lang) for lang in LANGS}
    for lang, ids in gaps.items():
        for msgid in ids:
            print(f"{LOCALES[lang]}: untranslated: {msgid!r}")
    return 1 if command == "check" and any(gaps.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
