"""The hub keeps only valid lab options from a start request (a learner may call the hub's API too)."""
from __future__ import annotations

from lms.hub.lab import CONFIG_DIR, lab_environment, lab_options

LMS = "http://lms.example"


def test_known_language_and_a_link_into_the_lms_are_kept():
    options = lab_options({"lab": {"language": "kk-Latn", "back_url": f"{LMS}/courses/ai",
                                   "back_label": " Oqu-ğa oralu "}}, LMS)
    assert options == {"language": "kk-Latn", "back_url": f"{LMS}/courses/ai", "back_label": "Oqu-ğa oralu"}
    assert lab_environment(options) == {"JUPYTER_CONFIG_PATH": str(CONFIG_DIR), "OQU_LAB_LOCALE": "kk_Latn_KZ",
                                        "OQU_BACK_URL": f"{LMS}/courses/ai", "OQU_BACK_LABEL": "Oqu-ğa oralu"}


def test_unknown_language_foreign_link_and_long_label_are_dropped():
    assert lab_options({"lab": {"language": "en", "back_url": "http://evil.example/x", "back_label": "x"}}, LMS) == {}
    assert lab_options({"lab": {"back_url": f"{LMS}.evil.example/x", "back_label": "x"}}, LMS) == {}
    assert lab_options({"lab": {"back_url": f"{LMS}/x", "back_label": "x" * 61}}, LMS) == {}
    assert lab_options({"lab": "kk"}, LMS) == {} and lab_options({}, LMS) == {}
    # Without options the server still gets Oqu's learner configuration (nbgrader, news, hub panel off).
    assert lab_environment({}) == {"JUPYTER_CONFIG_PATH": str(CONFIG_DIR)}


def test_the_learners_server_learns_where_the_lms_is_and_no_lms_secret():
    env = lab_environment({"language": "ru"}, LMS + "/")
    assert env == {"JUPYTER_CONFIG_PATH": str(CONFIG_DIR), "OQU_LMS_URL": LMS, "OQU_LAB_LOCALE": "ru_RU"}


def test_only_the_server_named_authoring_gets_the_authoring_lab_whatever_the_options_say():
    from lms.hub.lab import AUTHORING_CONFIG_DIR, AUTHORING_SERVER

    assert lab_environment({}, server=AUTHORING_SERVER) == {"JUPYTER_CONFIG_PATH": str(AUTHORING_CONFIG_DIR)}
    assert lab_environment({"language": "ru"}, server="other")["JUPYTER_CONFIG_PATH"] == str(CONFIG_DIR)
    # the authoring lab has nbgrader's toolbar and Validate button, not its formgrader or exchange lists
    import json

    disabled = json.loads((AUTHORING_CONFIG_DIR / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert "@jupyter/nbgrader" not in disabled
    assert not disabled.get("@jupyter/nbgrader:create-assignment") and not disabled.get("@jupyter/nbgrader:validate-assignment")
    assert all(disabled[f"@jupyter/nbgrader:{name}"] for name in ("formgrader", "assignment-list", "course-list", "menu"))
    learner = json.loads((CONFIG_DIR / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert learner["@jupyter/nbgrader"] is True
