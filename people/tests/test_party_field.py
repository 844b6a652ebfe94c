"""PartyField: a customer or supplier typed as its name or number, or picked from the list."""

import pytest
from django import forms

from people.forms import PartyField
from people.models import Customer
from people.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


class HeaderForm(forms.Form):
    customer = PartyField(Customer)


class FilterForm(forms.Form):
    customer = PartyField(Customer, active_only=False, required=False)


def cleaned(form_class, **data):
    form = form_class(data)
    assert form.is_valid(), form.errors
    return form.cleaned_data["customer"]


def errors(form_class, **data) -> list[str]:
    form = form_class(data)
    assert not form.is_valid()
    return form.errors["customer"]


@pytest.fixture
def dana():
    return CustomerFactory(name="Dana Buyer", email="dana@example.com")


def test_party_field_takes_the_number(dana):
    assert cleaned(HeaderForm, customer=str(dana.pk)) == dana


@pytest.mark.parametrize("typed", ["Dana Buyer", "dana buyer", "  DANA BUYER  "])
def test_party_field_takes_the_name_in_any_case(dana, typed):
    assert cleaned(HeaderForm, customer=typed) == dana


def test_party_field_name_wins_over_another_partys_number(dana):
    named_like_a_number = CustomerFactory(name=str(dana.pk))

    assert cleaned(HeaderForm, customer=str(dana.pk)) == named_like_a_number


@pytest.mark.parametrize("typed", ["Nobody", "999999", "-1", "1.5", "9" * 30, "٣"])
def test_party_field_unknown_value_is_refused(dana, typed):
    assert errors(HeaderForm, customer=typed) == [f"No customer is called “{typed}”."]


def test_party_field_is_required_in_the_header():
    assert errors(HeaderForm, customer="  ") == ["This field is required."]


def test_party_field_blank_filter_is_no_filter():
    assert cleaned(FilterForm, customer="") is None


def test_party_field_refuses_null_characters(dana):
    assert errors(HeaderForm, customer="Dana\x00") == ["Null characters are not allowed."]


def test_party_field_shared_name_lists_the_numbers_to_choose_from(dana):
    namesake = CustomerFactory(name="DANA BUYER")

    assert errors(HeaderForm, customer="Dana Buyer") == [
        "Several customers are called “Dana Buyer”: pick the one you mean from the list "
        f"(type part of the name), or type its number (#{dana.pk}, #{namesake.pk})."
    ]


def test_party_field_lists_at_most_five_namesakes():
    namesakes = CustomerFactory.create_batch(7, name="Sam")

    [message] = errors(HeaderForm, customer="Sam")

    numbers = ", ".join(f"#{party.pk}" for party in namesakes[:5])
    assert message.endswith(f"or type its number ({numbers}, …).")


def test_party_field_takes_the_namesake_picked_from_the_list(dana):
    namesake = CustomerFactory(name="Dana Buyer")

    assert cleaned(HeaderForm, customer="dana buyer", customer_pk=str(namesake.pk)) == namesake


@pytest.mark.parametrize("key", ["", "x", "999999", "-3"])
def test_party_field_ignores_a_key_that_names_no_record(dana, key):
    assert cleaned(HeaderForm, customer="Dana Buyer", customer_pk=key) == dana


def test_party_field_ignores_a_picked_key_once_the_name_was_changed(dana):
    other = CustomerFactory(name="Other")

    assert cleaned(HeaderForm, customer="Dana Buyer", customer_pk=str(other.pk)) == dana


def test_party_field_refuses_an_archived_party_in_the_header(dana):
    dana.archive()

    for typed in ("Dana Buyer", str(dana.pk)):
        assert errors(HeaderForm, customer=typed) == [
            "Dana Buyer is archived: choose an active customer."
        ]


def test_party_field_takes_an_archived_party_in_a_filter(dana):
    dana.archive()

    assert cleaned(FilterForm, customer="Dana Buyer") == dana


def test_party_field_runs_one_query_for_a_name_or_a_pick(dana, django_assert_num_queries):
    with django_assert_num_queries(1):
        cleaned(HeaderForm, customer="Dana Buyer")
    with django_assert_num_queries(1):
        cleaned(HeaderForm, customer="Dana Buyer", customer_pk=str(dana.pk))


def test_party_field_shows_the_name_the_key_and_the_detail(dana, django_assert_num_queries):
    form = HeaderForm({"customer": str(dana.pk)})
    form.is_valid()

    with django_assert_num_queries(0):
        html = str(form["customer"])
        help_text = form["customer"].help_text

    assert 'value="Dana Buyer"' in html
    assert f'<input type="hidden" name="customer_pk" value="{dana.pk}">' in html
    assert 'data-record-search="/customers/search/?active=1"' in html
    assert help_text == f"#{dana.pk} · dana@example.com"


def test_party_field_shows_what_was_typed_when_refused(dana):
    form = HeaderForm({"customer": "Nobody", "customer_pk": str(dana.pk)})
    form.is_valid()

    html = str(form["customer"])

    assert 'value="Nobody"' in html
    assert '<input type="hidden" name="customer_pk" value="">' in html
    assert form["customer"].help_text == "Type part of the name to search, or the number."


def test_party_field_escapes_the_name(django_assert_num_queries):
    party = CustomerFactory(name='<b>"Bold"</b>', email="")
    form = HeaderForm(initial={"customer": party})

    html = str(form["customer"])

    assert 'value="&lt;b&gt;&quot;Bold&quot;&lt;/b&gt;"' in html
    assert "<b>" not in html


def test_party_field_initial_number_is_shown_as_the_name(dana, django_assert_num_queries):
    form = HeaderForm(initial={"customer": dana.pk})

    with django_assert_num_queries(1):
        html = str(form["customer"]) + str(form["customer"].help_text)

    assert 'value="Dana Buyer"' in html


@pytest.mark.parametrize("initial", ["abc", 999999])
def test_party_field_initial_unknown_value_is_shown_as_given(initial):
    form = HeaderForm(initial={"customer": initial})

    assert f'value="{initial}"' in str(form["customer"])
