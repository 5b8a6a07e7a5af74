import gettext
import string
from pathlib import Path

import polib
import pytest

PO = Path(__file__).resolve().parent.parent / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_dutch_catalog_is_complete_and_compiled():
    entries = [entry for entry in polib.pofile(str(PO)) if not entry.obsolete]
    assert len(entries) > 50
    untranslated = [
        entry.msgid
        for entry in entries
        if not (all(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr)
    ]
    assert untranslated == []
    # The committed .mo must match the .po (run msgfmt after editing translations).
    with PO.with_suffix(".mo").open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    for entry in entries:
        if entry.msgid_plural:
            continue
        if entry.msgctxt:  # e.g. date formats: looked up with their context (pgettext)
            assert catalog.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
        else:
            assert catalog.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.django_db
def test_dashboard_speaks_dutch_by_default_and_english_on_request(client, make_member):
    user = make_member()
    client.force_login(user)
    workspace = user.memberships.get().workspace
    dutch = client.get(f"/w/{workspace.slug}/")
    assert "Geen alarmen. Alles rustig." in dutch.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(f"/w/{workspace.slug}/")
    assert "No alerts. All quiet." in english.content.decode()


@pytest.mark.django_db
def test_login_page_renders_in_dutch(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Inloggen bij CrisisCenter" in response.content.decode()


def test_every_watch_term_error_has_a_dutch_template_with_the_same_placeholders():
    # The query package (no Django) marks its English templates; the config services fill the
    # Dutch one with the error's values, so a placeholder missing from it would be a KeyError.
    from django.utils import translation

    from monitoring.query import search, syntax

    templates = {
        value
        for module in (syntax, search)
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and " " in value
    }
    assert len(templates) == 17
    fields = string.Formatter()
    with translation.override("nl"):
        for template in templates:
            dutch = translation.gettext(template)
            assert dutch != template, template
            names = {name for _, name, _, _ in fields.parse(template) if name}
            assert {name for _, name, _, _ in fields.parse(dutch) if name} == names, template
