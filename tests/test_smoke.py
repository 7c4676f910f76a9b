from .conftest import sign_in


def test_login_page_is_kazakh_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'lang="kk"' in response.get_data(as_text=True)


def test_admin_reaches_people_list(client, make):
    admin = make.user("admin")
    sign_in(client, admin)
    assert client.get("/admin/users").status_code == 200
