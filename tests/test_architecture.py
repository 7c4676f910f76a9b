"""Domains depend in one direction: the import graph of lms's packages, built from the source
(``python -m lms.architecture`` prints it), has no cycle. Every import counts, at the top of a module
and inside functions; only the API's registry of per-domain ``api.py`` modules is left out."""
import pytest

from lms import architecture

pytestmark = pytest.mark.database_independent

def test_domain_packages_form_no_cycle():
    edges = architecture.package_edges()
    loops = architecture.cycles()
    described = []
    for component in loops:
        path = architecture.cycle_path(component)
        steps = [f"{a} -> {b} ({', '.join(edges[(a, b)][:3])})" for a, b in zip(path, path[1:])]
        described.append(f"{' -> '.join(path)}: " + "; ".join(steps))
    assert not loops, "domain packages import each other in a loop:\n" + "\n".join(described)


def test_the_graph_sees_function_level_and_relative_imports(tmp_path, monkeypatch):
    """The test can fail: a cycle made only of an import inside a function is found and named."""
    root = tmp_path / "lms"
    for package, source in (("alpha", "from ..beta import thing\n"),
                            ("beta", "def f():\n    from lms.alpha import other\n")):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
        (root / package / "services.py").write_text(source)
    (root / "__init__.py").write_text("")
    monkeypatch.setattr(architecture, "ROOT", root)
    assert architecture.cycles() == [["alpha", "beta"]]
    assert architecture.cycle_path(["alpha", "beta"]) == ["alpha", "beta", "alpha"]


def test_the_api_registry_is_the_only_exception(tmp_path, monkeypatch):
    root = tmp_path / "lms"
    for package in ("api", "gamma"):
        (root / package).mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "api" / "__init__.py").write_text("def register():\n    from ..gamma import api\n")
    (root / "gamma" / "__init__.py").write_text("")
    (root / "gamma" / "api.py").write_text("from ..api import bp\n")
    monkeypatch.setattr(architecture, "ROOT", root)
    assert architecture.cycles() == []
    (root / "api" / "health.py").write_text("from lms.gamma.services import check\n")
    (root / "gamma" / "services.py").write_text("")
    assert architecture.cycles() == [["api", "gamma"]]


def test_modules_loaded_by_path_in_the_hub_import_no_lms_code():
    import ast
    for name in ("gpu/reporter.py", "hub/spawn_gate.py", "hub/isolation.py", "hub/lab.py", "hub/slurm.py",
                 "profiles.py"):
        tree = ast.parse((architecture.ROOT / name).read_text())
        imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    and (node.level or (node.module or "").startswith("lms"))]
        imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names if alias.name.startswith("lms")]
        assert not imported, f"lms/{name} imports {imported}"


def test_each_domain_reads_its_own_part_of_a_course_file(app):
    """The course loader depends on no domain: quizzes are the learning domain's, a notebook
    assignment's policy and the course's assignment defaults the grading domain's, the certification
    rule the certificates domain's, each registered with lms.courses.parts."""
    from lms.courses import parts

    assert {kind: part.read.__module__ for kind, part in parts.ITEM_PARTS.items()} == {
        "quiz": "lms.learning.quiz_format", "notebook": "lms.grading.assignment_policy"}
    assert {name: (section.read or section.check).__module__ for name, section in parts.SECTIONS.items()} == {
        "assignment_defaults": "lms.grading.assignment_policy", "certification": "lms.certificates.rules"}


def test_the_largest_modules_stay_readable():
    """No module of the product over ~450 lines (issue #15); the migrations are history, not read."""
    long = {str(path.relative_to(architecture.ROOT)): n for path in architecture.ROOT.rglob("*.py")
            if "migrations" not in path.parts and (n := len(path.read_text(encoding="utf-8").splitlines())) > 450}
    assert not long, long
