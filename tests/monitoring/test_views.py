import pytest

from tests.factories import MembershipFactory


@pytest.mark.django_db
def test_wall_mode_rotates_between_the_users_workspaces(client, make_workspace, make_member):
    a, b = make_workspace(slug="a-bank", name="A"), make_workspace(slug="b-bank", name="B")
    user = make_member(a)
    MembershipFactory(user=user, workspace=b)
    client.force_login(user)
    page = client.get("/w/a-bank/?wall=1").content.decode()
    assert 'class="wall"' in page
    assert 'data-wall-next="/w/b-bank/?wall=1"' in page
    assert 'data-wall-next=""' in client.get("/w/a-bank/").content.decode()
