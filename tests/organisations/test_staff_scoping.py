"""The staff directory shows an HR officer their organisation subtree and nothing else."""
from ..conftest import page_text, signed_in_client


def test_hr_lists_staff_of_their_organisation_and_its_sub_units(app, world):
    client = signed_in_client(app, world.hr)
    response = client.get("/staff")
    assert response.status_code == 200
    text = page_text(response)
    assert world.colleague.surname in text  # A1, a sub-unit of A
    assert world.instructor.surname in text  # A itself
    assert world.outsider.surname not in text


def test_hr_cannot_see_other_organisation_staff(app, world):
    client = signed_in_client(app, world.hr)
    listing = page_text(client.get("/staff"))
    assert world.outsider.surname not in listing and world.hr_b.surname not in listing

    opened = client.get(f"/staff/{world.outsider.id}")
    assert opened.status_code == 404  # not 403: the id's existence is not revealed
    assert world.outsider.surname not in page_text(opened)
    assert world.outsider.iin not in page_text(opened)

    filtered = client.get(f"/staff?organisation={world.b.id}")
    assert filtered.status_code == 404
    assert world.outsider.surname not in page_text(filtered)


def test_hr_cannot_open_staff_of_other_organisation_by_nonexistent_or_foreign_id_alike(app, world):
    client = signed_in_client(app, world.hr)
    foreign = client.get(f"/staff/{world.outsider.id}")
    missing = client.get("/staff/999999")
    assert foreign.status_code == missing.status_code == 404


def test_hr_search_does_not_reach_other_organisations(app, world):
    client = signed_in_client(app, world.hr)
    for query in (world.outsider.surname, world.outsider.email, world.outsider.iin):
        text = page_text(client.get("/staff", query_string={"q": query}))
        # (the query itself is echoed in the search box; the person's row must not appear)
        assert f'href="/staff/{world.outsider.id}"' not in text, query
        assert world.outsider.given_name not in text, query
    found = page_text(client.get("/staff", query_string={"q": world.colleague.iin}))
    assert f'href="/staff/{world.colleague.id}"' in found


def test_hr_can_list_and_open_staff_of_a_sub_unit(app, world):
    client = signed_in_client(app, world.hr)
    response = client.get(f"/staff?organisation={world.a1.id}")
    assert response.status_code == 200
    text = page_text(response)
    assert world.colleague.surname in text
    assert world.instructor.surname not in text  # works in A, above the chosen sub-unit

    person = client.get(f"/staff/{world.colleague.id}")
    assert person.status_code == 200
    assert world.colleague.email in page_text(person)


def test_hr_role_scoped_to_a_sub_unit_sees_only_that_sub_unit(app, world, make):
    officer = make.user("hr", organisation=world.a, hr_scope=world.a1)
    client = signed_in_client(app, officer)
    text = page_text(client.get("/staff"))
    assert world.colleague.surname in text
    assert world.instructor.surname not in text
    assert client.get(f"/staff/{world.instructor.id}").status_code == 404
    assert client.get(f"/staff?organisation={world.a.id}").status_code == 404
    assert client.get(f"/staff/{world.colleague.id}").status_code == 200


def test_hr_of_other_organisation_sees_its_own_staff_only(app, world):
    client = signed_in_client(app, world.hr_b)
    text = page_text(client.get("/staff"))
    assert world.outsider.surname in text
    assert world.colleague.surname not in text
    assert client.get(f"/staff/{world.colleague.id}").status_code == 404


def test_admin_sees_staff_of_every_organisation(app, world):
    client = signed_in_client(app, world.admin)
    text = page_text(client.get("/staff"))
    assert world.colleague.surname in text and world.outsider.surname in text
    assert client.get(f"/staff/{world.outsider.id}").status_code == 200
    assert client.get(f"/staff?organisation={world.b.id}").status_code == 200


def test_staff_search_ignores_case_in_kazakh_and_russian_names(app, world, make):
    make.user("learner", organisation=world.a1, surname="Ильина", given_name="Ольга")
    client = signed_in_client(app, world.hr)
    for query in ("әріптес", "ӘРІПТЕСОВА", "гүлнар"):
        text = page_text(client.get("/staff", query_string={"q": query}))
        assert f'href="/staff/{world.colleague.id}"' in text, query
    assert "Ильина" in page_text(client.get("/staff", query_string={"q": "ИЛЬИН"}))
