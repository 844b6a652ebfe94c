"""Languages: the chooser, the active language's words and figures, and complete catalogs."""

from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext

from people.tests.factories import CustomerFactory
from products.services import InsufficientStock
from products.tests.factories import ProductFactory, stock_up
from sales.tests.factories import make_sale

pytestmark = pytest.mark.django_db

SET_LANGUAGE = reverse("set_language")
OTHER_LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]


def catalog_of(language: str):
    path = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as source:
        return read_po(source, locale=language)


def choose(client, language: str, next_url: str = "/"):
    return client.post(SET_LANGUAGE, {"language": language, "next": next_url})


# The chooser ---------------------------------------------------------------------------------


def test_a_visitor_chooses_a_language_on_the_login_page_and_reads_it_there(client):
    login = reverse("login")

    response = choose(client, "es", next_url=login)

    assert (response.status_code, response.url) == (302, login)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get(login).content.decode()
    assert '<html lang="es">' in page
    assert '<option value="es" lang="es" selected>Español</option>' in page
    assert ">Idioma</label>" in page  # the chooser's own label


def test_without_a_choice_the_browser_language_decides_and_english_is_the_default(client):
    english = client.get(reverse("login")).content.decode()
    german = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    unknown = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    assert '<html lang="en">' in english and ">Language</label>" in english
    assert '<html lang="de">' in german and ">Sprache</label>" in german
    assert '<html lang="en">' in unknown


def test_the_chooser_takes_posts_only_and_never_sends_anyone_off_the_site(client):
    assert client.get(SET_LANGUAGE).status_code == 405

    response = choose(client, "de", next_url="https://evil.example/")

    assert response.status_code == 302
    assert not response.url.startswith("https://evil.example")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"


def test_an_unknown_language_changes_nothing(client):
    response = choose(client, "xx")

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_chooser_needs_the_csrf_token(client):
    client.handler.enforce_csrf_checks = True

    assert choose(client, "es").status_code == 403


def test_figures_and_dates_follow_the_chosen_language(manager_client, store):
    widget = ProductFactory(name="Blue Widget", sale_price=Decimal("1234.50"))
    stock_up(widget, store, 10, unit_cost=Decimal("4.00"))
    sale = make_sale(store=store, customer=CustomerFactory(), lines=[(widget, 2)])
    url = sale.get_absolute_url()
    english = manager_client.get(url).content.decode()

    choose(manager_client, "de")
    german = manager_client.get(url).content.decode()

    assert "$2,469.00" in english
    assert "$2.469,00" in german


# The catalogs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_marked_string_is_translated_and_none_is_fuzzy(language):
    catalog = catalog_of(language)
    messages = [message for message in catalog if message.id]

    assert len(messages) > 100
    untranslated = [
        message.id
        for message in messages
        if not (all(message.string) if message.pluralizable else message.string)
    ]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_translations_keep_every_placeholder_of_their_english(language):
    """A "%(name)s" or "{{ name }}" lost or misspelled would fail at render or show wrong."""
    problems = [
        f"{message.id!r}: {errors}" for message, errors in catalog_of(language).check() if errors
    ]

    assert problems == []


# Words written in Python -----------------------------------------------------------------------

# Database-only columns no page, form or export shows; a label would make SQLite rebuild the
# stock table for nothing.
UNLABELLED_FIELDS = {
    ("products", "stocklevel", "stocked"),
    ("products", "stocklevel", "needs_replenishing"),
    ("products", "product", "at_reorder_level"),
}


def our_app_labels() -> set[str]:
    return {app.label for app in apps.get_app_configs() if "site-packages" not in app.path}


def test_every_model_field_and_choice_of_ours_has_a_translatable_label():
    """Field labels become form labels and column headings: a plain string stays English."""
    ours = our_app_labels()
    unmarked = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in ours:
            continue
        for name in ("verbose_name", "verbose_name_plural"):
            if not isinstance(getattr(meta, name), Promise):
                unmarked.append(f"{meta.label}.Meta.{name}")
        for field in meta.get_fields():
            if field.auto_created or not (field.concrete or field.many_to_many):
                continue
            if field.model._meta.app_label not in ours:  # a proxy's fields are its parent's
                continue
            if (meta.app_label, meta.model_name, field.name) in UNLABELLED_FIELDS:
                continue
            if not isinstance(field.verbose_name, Promise):
                unmarked.append(f"{meta.label}.{field.name}")
            unmarked.extend(
                f"{meta.label}.{field.name} choice {value!r}"
                for value, label in field.flatchoices
                if not isinstance(label, Promise) and not str(label).isdigit()
            )

    assert unmarked == []


def test_the_stock_engines_refusal_reads_in_the_active_language(store):
    widget = ProductFactory(name="Blue Widget")
    stock_up(widget, store, 1)
    english = "Only %(available)s of %(product)s in %(store)s, %(requested)s requested"
    with translation.override("es"):
        spanish = gettext(english)
        with pytest.raises(InsufficientStock) as refused:
            make_sale(store=store, lines=[(widget, 3)])

    assert spanish != english
    assert str(refused.value).startswith(spanish.split("%(")[0])
    assert "Blue Widget" in str(refused.value)


def test_model_labels_on_a_form_follow_the_chosen_language(manager_client):
    choose(manager_client, "de")
    page = manager_client.get(reverse("products:list")).content.decode()
    with translation.override("de"):
        sale_price = capfirst(gettext("sale price"))

    assert sale_price != "Sale price"
    assert sale_price in page
    assert "Sale price" not in page


def test_a_views_message_follows_the_chosen_language(manager_client):
    customer = CustomerFactory(name="Ada Lovelace")
    choose(manager_client, "es")
    response = manager_client.post(reverse("customers:delete", args=[customer.pk]), follow=True)
    with translation.override("es"):
        deleted = gettext("%(record)s was deleted.") % {"record": "Ada Lovelace"}

    assert deleted != "Ada Lovelace was deleted."
    assert deleted in response.content.decode()


def test_the_dashboards_chart_step_follows_the_chosen_language(manager_client):
    choose(manager_client, "es")
    page = manager_client.get(reverse("dashboard:index")).content.decode()
    with translation.override("es"):
        title = gettext("Sales and purchase value per %(step)s") % {
            "step": pgettext("chart step", "day")
        }

    assert "per day" not in title
    assert title in page
