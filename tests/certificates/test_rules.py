"""The certification rule: validated at import (file:line), evaluated purely."""
from lms.certificates import rules
from lms.courses.loader import load_course

from ..courses.files import write_course
from .conftest import course_yaml


def _problems(tmp_path, certification: str) -> list[str]:
    folder = write_course(tmp_path, course_yaml=course_yaml(certification))
    _spec, problems = load_course(folder, "demo")
    return [str(p) for p in problems]


def test_a_valid_rule_has_no_problems(tmp_path):
    assert _problems(tmp_path, "  requires: [l1, q1]\n  min_score: 70\n  min_scores: {q1: 80}\n"
                               "  hours: 3\n  valid_months: 24\n") == []
    assert _problems(tmp_path, "  requires: all_items\n  valid_months: null\n") == []


def test_rule_naming_a_missing_item_is_refused_with_file_and_line(tmp_path):
    problems = _problems(tmp_path, "  requires:\n    - l1\n    - l9\n")
    line = course_yaml("  requires:\n    - l1\n    - l9\n").splitlines().index("    - l9") + 1
    assert problems == [f"demo/course.yaml:{line}: certification requires 'l9', but the course has no such item"]


def test_rule_problems_unknown_key_bad_scores_and_months(tmp_path):
    problems = _problems(tmp_path, "  min_scor: 70\n  min_score: 170\n  min_scores: {l1: 50}\n"
                                   "  valid_months: -1\n  hours: 0\n")
    text = "\n".join(problems)
    assert "unknown key 'min_scor'" in text
    assert "'min_score' must be a percentage" in text
    assert "min_scores names 'l1', but the course has no such quiz" in text
    assert "'valid_months' must be a whole number" in text
    assert "'hours' must be a whole number" in text
    assert all(p.startswith("demo/course.yaml:") for p in problems)


def test_import_refuses_course_whose_rule_is_wrong(app, tmp_path):
    from lms.courses import services
    from lms.security import SYSTEM

    write_course(tmp_path, course_yaml=course_yaml("  requires: [nothing]\n"))
    report = services.import_courses(SYSTEM, tmp_path / "demo")
    assert not report.ok and "no such item" in str(report.problems[0])


def test_evaluate_needs_every_required_item_and_scores():
    rule = rules.parse_rule({"requires": ["l1", "q1"], "min_score": 70, "min_scores": {"q1": 80}})
    done = rules.ItemState("l1", "lesson", True)
    assert not rules.evaluate(rule, [done, rules.ItemState("q1", "quiz", True, 75.0)]).met  # below q1's 80
    assert rules.evaluate(rule, [done, rules.ItemState("q1", "quiz", True, 85.0)]).met
    outcome = rules.evaluate(rule, [rules.ItemState("l1", "lesson", False), rules.ItemState("q1", "quiz", True, 90.0)])
    assert not outcome.met and outcome.missing == ("l1",)
    overall = rules.parse_rule({"min_score": 70})
    states = [done, rules.ItemState("q1", "quiz", True, 60.0)]
    assert rules.evaluate(overall, states).score == 60.0 and not rules.evaluate(overall, states).met
    assert rules.parse_rule({}) is None
