"""The IIN (ЖСН / ИИН): validation, masking, and who sees the whole number."""
from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from lms.accounts.iin import InvalidIIN, check_digit, is_valid_iin, mask_iin, normalise_iin
from lms.accounts.services import can_see_full_iin, shown_iin

from .. import factories
from ..conftest import page_text, post_form, sign_in, signed_in_client, translated


def _reference_passes(first_eleven: str) -> tuple[int, int]:
    """The two weighted sums mod 11, written out independently of lms.accounts.iin."""
    digits = [int(c) for c in first_eleven]
    first = sum(d * w for d, w in zip(digits, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])) % 11
    second = sum(d * w for d, w in zip(digits, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
    return first, second


def _reason(raw: str) -> str | None:
    try:
        normalise_iin(raw)
    except InvalidIIN as error:
        return error.reason
    return None


def _with_check_digit(first_eleven: str) -> str:
    digit = check_digit(first_eleven)
    assert digit is not None, first_eleven
    return first_eleven + str(digit)


# ----------------------------------------------------------------------------- valid numbers

@pytest.mark.parametrize("seed", range(20))
def test_generated_iins_are_valid(seed):
    iin = factories.valid_iin(seed)
    assert _reason(iin) is None
    assert is_valid_iin(iin)
    first, second = _reference_passes(iin[:11])
    assert int(iin[11]) == (first if first != 10 else second)


def test_check_digit_from_the_first_weights():
    # 8·1 + 5·2 + 0·3 + 1·4 + 0·5 + 1·6 + 3·7 + 0·8 + 1·9 + 2·10 + 3·11 = 111; 111 mod 11 = 1
    assert check_digit("85010130123") == 1
    assert normalise_iin("850101301231") == "850101301231"


def test_spaces_inside_an_iin_are_ignored():
    assert normalise_iin(" 850101 301231 ") == "850101301231"


@pytest.mark.parametrize("first_eleven, expected", [
    # 9·1+6·2+0·3+4·4+1·5+9·6+3·7+5·8+2·9+0·10+0·11 = 175 ≡ 10, so the second weights:
    # 9·3+6·4+0·5+4·6+1·7+9·8+3·9+5·10+2·11+0·1+0·2 = 253 ≡ 0
    ("96041935200", 0),
    ("92031251416", 1),
    ("76082756789", 8),
])
def test_second_weights_are_used_when_the_first_pass_gives_ten(first_eleven, expected):
    assert _reference_passes(first_eleven)[0] == 10
    assert check_digit(first_eleven) == expected
    assert is_valid_iin(first_eleven + str(expected))
    wrong = (expected + 1) % 10
    assert _reason(first_eleven + str(wrong)) == "check_digit"


@pytest.mark.parametrize("first_eleven", ["84090868417", "56121752069", "95070332121"])
def test_number_is_invalid_when_both_passes_give_ten(first_eleven):
    assert _reference_passes(first_eleven) == (10, 10)
    assert check_digit(first_eleven) is None
    for last in "0123456789":
        assert _reason(first_eleven + last) == "check_digit", last


# ----------------------------------------------------------------------------- invalid numbers

def test_wrong_check_digit_is_refused():
    iin = factories.valid_iin(7)
    for last in "0123456789":
        if last != iin[11]:
            assert _reason(iin[:11] + last) == "check_digit"


@pytest.mark.parametrize("first_eleven", [
    "85130130123",  # month 13
    "85000130123",  # month 00
    "85010030123",  # day 00
    "85013230123",  # day 32
    "85010170123",  # 7th digit 7
    "85010180123",  # 7th digit 8
    "85010190123",  # 7th digit 9
])
def test_impossible_prefix_is_refused_even_with_a_correct_check_digit(first_eleven):
    digit = check_digit(first_eleven)
    candidates = [first_eleven + str(digit)] if digit is not None else [first_eleven + d for d in "0123456789"]
    for iin in candidates:
        assert _reason(iin) == "prefix", iin


@pytest.mark.parametrize("raw", ["85010130123", "8501013012311", "1", "8501013012312345"])
def test_wrong_length_is_refused(raw):
    assert _reason(raw) == "length"


@pytest.mark.parametrize("raw", ["85010130123a", "850101-30123", "８５０１０１３０１２３１", "", "٨٥٠١٠١٣٠١٢٣١"])
def test_non_digits_are_refused(raw):
    assert _reason(raw) == "digits"
    assert not is_valid_iin(raw)


def test_admin_form_shows_why_an_iin_is_refused(app, world):
    client = signed_in_client(app, world.admin)
    bad = factories.valid_iin(3)[:11] + str((int(factories.valid_iin(3)[11]) + 1) % 10)
    response = post_form(client, "/admin/users/new", {
        "surname": "Тестов", "given_name": "Тест", "email": "iin.typo@example.kz", "iin": bad,
        "organisation_id": str(world.a.id), "preferred_language": ""}, page="/admin/users/new")
    assert response.status_code == 200
    assert translated(app, "The IIN's check digit does not match: please check for a typo.") in page_text(response)


# ----------------------------------------------------------------------------- masking and visibility

def test_mask_shows_only_the_first_two_and_last_four_digits():
    assert mask_iin("850101301235") == "85******1235"
    assert mask_iin(None) == "" and mask_iin("") == ""


def test_person_sees_their_own_full_iin_on_their_account_page(app, world):
    client = signed_in_client(app, world.learner)
    text = page_text(client.get("/account"))
    assert world.learner.iin in text


def test_hr_of_the_subtree_sees_the_full_iin(app, world):
    client = signed_in_client(app, world.hr)
    person = page_text(client.get(f"/staff/{world.colleague.id}"))
    assert f'data-testid="iin">{world.colleague.iin}<' in person
    listing = page_text(client.get("/staff"))
    assert world.colleague.iin in listing


def test_admin_sees_the_full_iin(app, world):
    client = signed_in_client(app, world.admin)
    assert f'data-testid="iin">{world.outsider.iin}<' in page_text(client.get(f"/staff/{world.outsider.id}"))
    assert world.outsider.iin in page_text(client.get(f"/admin/users/{world.outsider.id}"))


def test_nobody_else_gets_the_full_iin(app, world, make):
    colleague = world.colleague
    masked = mask_iin(colleague.iin)
    assert masked.startswith(colleague.iin[:2]) and masked.endswith(colleague.iin[-4:]) and "*" * 6 in masked
    for viewer in (world.learner, world.instructor, world.hr_b, AnonymousUserMixin()):
        assert not can_see_full_iin(viewer, colleague), viewer
        assert shown_iin(viewer, colleague) == masked
    # an HR officer who is also an instructor elsewhere still needs the subtree
    assert not can_see_full_iin(make.user("hr", "instructor", organisation=world.b), colleague)
    for viewer in (colleague, world.hr, world.admin):
        assert shown_iin(viewer, colleague) == colleague.iin


def test_other_people_iin_never_reaches_pages_they_open(app, world):
    for viewer in ("learner", "instructor", "hr_b"):
        client = app.test_client()
        sign_in(client, getattr(world, viewer))
        for url in ("/", "/account", "/staff", f"/staff/{world.colleague.id}", f"/admin/users/{world.colleague.id}"):
            assert world.colleague.iin not in page_text(client.get(url)), (viewer, url)
