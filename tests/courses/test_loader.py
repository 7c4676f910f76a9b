"""Validating course files: every problem is reported as file:line: message, nothing is ignored."""
from pathlib import Path

from lms.courses.loader import load_course

from .files import COURSE, write_course

ROOT = Path(__file__).resolve().parents[2]


def messages(problems):
    return [str(p) for p in problems]


def test_the_demo_courses_are_valid():
    for slug in ("ai-basics", "responsible-ai"):
        spec, problems = load_course(ROOT / "courses" / slug)
        assert problems == [], messages(problems)
        assert spec.title["kk"] and spec.title["ru"]
        assert all(item.html.get("kk") or item.content for m in spec.modules for item in m.items)


def test_a_valid_course_loads_with_items_in_order(tmp_path):
    spec, problems = load_course(write_course(tmp_path))
    assert problems == []
    assert [m.key for m in spec.modules] == ["m1", "m2"]
    assert [(i.key, i.kind) for i in spec.modules[0].items] == [("l1", "lesson"), ("l2", "lesson")]
    assert spec.modules[1].items[0].content["questions"][0]["id"] == "capital"
    assert spec.tags == ["ai", "testing"] and spec.certification == {"min_score": 70}
    assert spec.notebook_profile == "cpu"


def test_yaml_that_is_not_a_mapping_is_reported(tmp_path):
    folder = write_course(tmp_path, course_yaml="- just\n- a list\n")
    _spec, problems = load_course(folder, "courses/demo")
    assert messages(problems) == ["courses/demo/course.yaml:1: the file must be a YAML mapping (key: value), not a list"]


def test_bad_yaml_is_reported_with_its_line(tmp_path):
    folder = write_course(tmp_path, course_yaml="title:\n  kk: x\n  ru: [unclosed\nhours: 3\n")
    _spec, problems = load_course(folder, "c")
    assert len(problems) == 1
    assert problems[0].file == "c/course.yaml" and problems[0].line in (4, 5)
    assert "bad YAML" in problems[0].message


def test_unknown_keys_are_reported_not_ignored(tmp_path):
    text = COURSE.format(slug="demo").replace("hours: 6\n", "hours: 6\nhuors: 7\n")
    quiz = {"pass_mrak": 50, "questions": [{"id": "a", "type": "numeric", "answer": 1, "colour": "red",
                                            "text": {"kk": "a", "ru": "b"}}]}
    folder = write_course(tmp_path, course_yaml=text, quiz=quiz)
    _spec, problems = load_course(folder, "c")
    found = messages(problems)
    assert any(m.startswith("c/course.yaml:8: unknown key 'huors'") for m in found), found
    assert any(m.startswith("c/quizzes/q1.yaml:") and "unknown key 'pass_mrak'" in m for m in found), found
    assert any("unknown key 'colour'" in m for m in found), found


def test_missing_translation_is_reported_at_its_line(tmp_path):
    text = COURSE.format(slug="demo").replace('  ru: "Тестовый курс demo"\n', "")
    _spec, problems = load_course(write_course(tmp_path, course_yaml=text), "c")
    assert messages(problems) == ["c/course.yaml:1: the course: missing 'ru' translation of 'title'"]


def test_a_lesson_file_missing_in_one_language_is_reported(tmp_path):
    folder = write_course(tmp_path, lessons={"l2.ru.md": None})
    _spec, problems = load_course(folder, "c")
    assert messages(problems) == ["c/course.yaml:19: lesson 'l2': the ru lesson file lessons/l2.ru.md is missing"]


def test_unknown_item_kinds_and_duplicate_ids_are_reported(tmp_path):
    text = COURSE.format(slug="demo").replace("      - lesson: l2\n", "      - video: l2\n").replace(
        "      - quiz: q1\n", "      - lesson: l1\n        file: x\n      - quiz: q1\n")
    _spec, problems = load_course(write_course(tmp_path, course_yaml=text), "c")
    found = messages(problems)
    assert any("c/course.yaml:19: module m1: unknown item" in m for m in found), found
    assert any("item id 'l1' is used twice" in m for m in found), found
    assert any("unknown key 'file' in lesson 'l1'" in m for m in found), found


def test_quiz_rules_are_checked(tmp_path):
    quiz = {"time_limit": 0, "late": "maybe", "questions": [
        {"id": "a", "type": "single", "text": {"kk": "a", "ru": "a"},
         "options": [{"id": "x", "correct": True, "text": {"kk": "x", "ru": "x"}},
                     {"id": "y", "correct": True, "text": {"kk": "y", "ru": "y"}}]},
        {"id": "a", "type": "essay", "text": {"kk": "a", "ru": "a"}},
        {"id": "t", "type": "text", "text": {"kk": "t", "ru": "t"}, "answers": {"kk": ["ok"]}},
    ]}
    _spec, problems = load_course(write_course(tmp_path, quiz=quiz), "c")
    found = "\n".join(messages(problems))
    assert "'time_limit' must be a whole number" in found
    assert "'late' must be one of refuse, accept" in found
    assert "exactly one correct option" in found
    assert "'type' must be one of single, multiple, numeric, text" in found
    assert "missing 'ru' accepted answers" in found
    assert all(p.file == "c/quizzes/q1.yaml" for p in problems)


def test_duplicate_yaml_keys_are_reported(tmp_path):
    text = COURSE.format(slug="demo").replace("hours: 6\n", "hours: 6\nhours: 8\n")
    _spec, problems = load_course(write_course(tmp_path, course_yaml=text), "c")
    assert "c/course.yaml:8: duplicate key 'hours'" in messages(problems)


def test_images_must_exist_in_the_course_folder(tmp_path):
    folder = write_course(tmp_path, lessons={"l1.kk.md": "# A\n\n![x](../images/missing.png)\n\n![y](https://e.com/a.png)\n"})
    _spec, problems = load_course(folder, "c")
    found = messages(problems)
    assert "c/lessons/l1.kk.md:1: image images/missing.png is missing" in found
    assert "c/lessons/l1.kk.md:5: image 'https://e.com/a.png' must be a file in the course folder" in found


def test_slug_must_match_the_folder(tmp_path):
    text = "slug: other\n" + COURSE.format(slug="demo")
    _spec, problems = load_course(write_course(tmp_path, course_yaml=text), "c")
    assert messages(problems) == ["c/course.yaml:1: slug 'other' differs from the folder name 'demo'"]
