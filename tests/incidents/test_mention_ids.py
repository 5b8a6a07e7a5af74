"""Mention ids in the incident API: digit strings as browsers send them, one readable error
for bad ones, ids beyond JS's exact range kept as given."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def _post(api_client_for, crew, path: str, body: dict):
    client = api_client_for(crew.team)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client.post(f"/api/incidents/{crew.incident.pk}/{path}", body, format="json")


@pytest.mark.parametrize("given", [["-1", "abc"], [-1, "abc"], ["0", "1.5", True]])
def test_mention_ids_bad_values_are_one_readable_error(crew, api_client_for, given):
    response = _post(api_client_for, crew, "mentions/", {"mention_ids": given})
    assert response.status_code == 400
    [message] = response.json()["mention_ids"]
    assert message.startswith("Not valid mention ids (whole numbers from 1): ")
    assert message.endswith(", ".join(str(v) for v in given) + ".")


def test_mention_ids_as_digit_strings_attach(crew, api_client_for):
    mention = factories.MentionFactory(workspace=crew.workspace)
    response = _post(api_client_for, crew, "mentions/", {"mention_ids": [str(mention.pk)]})
    assert response.status_code == 200
    assert response.json() == {"attached": [mention.pk]}


def test_mention_id_beyond_2_53_is_named_as_given(crew, api_client_for):
    huge = "99999999999999999999"
    response = _post(api_client_for, crew, "mentions/", {"mention_ids": [huge]})
    assert response.status_code == 400
    assert huge in response.json()["detail"]


def test_mention_ids_empty_list_has_a_translated_message(crew, api_client_for):
    response = _post(api_client_for, crew, "mentions/", {"mention_ids": []})
    assert response.status_code == 400
    assert response.json()["mention_ids"] == ["Give at least one mention id."]


def test_claim_mention_ids_bad_values_are_one_readable_error(crew, api_client_for):
    response = _post(api_client_for, crew, "claims/", {"text": "x", "mention_ids": ["abc"]})
    assert response.status_code == 400
    assert response.json()["mention_ids"] == ["Not valid mention ids (whole numbers from 1): abc."]
