"""Trick answers generated from an assignment, to find tests that award points without the knowledge.

Built from the instructor's source (which functions and names each answer cell defines, what the
tests expect) on top of the student version nbgrader generated; each is graded like a learner's
hand-in when the assignment is validated:

* ``unchanged``: the student version handed in as it was given out (the stub must earn nothing);
* ``always-equal``: every function of the answer cells returns, and every name they assign holds, an
  object equal to everything (``__eq__`` always true, ``__ne__`` always false);
* ``raises``: every function raises the exception a test expects (one answer per exception named
  in an ``except`` clause or in ``raises(...)``/``assertRaises(...)`` of a test cell);
* ``prints``: every function prints the text a visible test compares with (``==`` or ``in`` against a
  string literal) instead of returning anything.

An answer cell whose source does not parse as Python (IPython magics) keeps the student version.
"""
from __future__ import annotations

import ast
import builtins
import copy
from dataclasses import dataclass

from ..notebooks import REGION, _cell_text

EQUAL_TO_EVERYTHING = '''\
class EqualToEverything:
    """Equal to whatever it is compared with."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __hash__(self):
        return 0
'''
MAX_PER_KIND = 2


@dataclass
class Adversary:
    kind: str          # unchanged | always-equal | raises | prints
    detail: str        # the exception raised or the text printed ("" for always-equal)
    notebooks: dict    # file name → notebook (a hand-in)


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def _is_answer(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and bool(_nbgrader(cell).get("solution"))


def _is_test(cell: dict) -> bool:
    meta = _nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


class _Replace(ast.NodeTransformer):
    """Every function's body becomes ``body``; top-level statements that are not definitions or imports
    become ``name = value`` for each name they assign (dropped when ``value`` is None)."""

    def __init__(self, body: str, value: str | None):
        self.body, self.value = body, value

    def visit_FunctionDef(self, node):
        node.body = ast.parse(self.body).body
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def module(self, tree: ast.Module) -> ast.Module:
        kept = []
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
                                      ast.ImportFrom)):
                kept.append(self.visit(statement))
            elif self.value is not None:
                names = sorted({node.id for node in ast.walk(statement)
                                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)})
                kept += [ast.parse(f"{name} = {self.value}").body[0] for name in names]
        tree.body = kept
        return tree


def _answer_source(source: str, prelude: str, body: str, value: str | None) -> str | None:
    tree = _parse(source)
    if tree is None:
        return None
    return prelude + ast.unparse(ast.fix_missing_locations(_Replace(body, value).module(tree))) + "\n"


def expected_exceptions(source_notebooks: dict[str, dict]) -> list[str]:
    """Built-in exceptions the tests expect (``except X``, ``raises(X)``, ``assertRaises(X)``), in
    the order they appear."""
    found: list[str] = []

    def add(node):
        for name in (node.elts if isinstance(node, ast.Tuple) else [node]):
            if isinstance(name, ast.Name) and name.id not in found:
                kind = getattr(builtins, name.id, None)
                if isinstance(kind, type) and issubclass(kind, Exception) and kind is not Exception:
                    try:
                        kind()
                    except TypeError:  # needs arguments (UnicodeDecodeError): not one to raise blindly
                        continue
                    found.append(name.id)

    for notebook in source_notebooks.values():
        for cell in filter(_is_test, notebook.get("cells", [])):
            tree = _parse(_cell_text(cell))
            for node in ast.walk(tree) if tree else []:
                if isinstance(node, ast.ExceptHandler) and node.type is not None:
                    add(node.type)
                elif isinstance(node, ast.Call) and node.args and (
                        getattr(node.func, "attr", None) in ("raises", "assertRaises")
                        or getattr(node.func, "id", None) == "raises"):
                    add(node.args[0])
    return found


def expected_texts(source_notebooks: dict[str, dict]) -> list[str]:
    """String literals the visible part of the tests compares with (``==`` or ``in``)."""
    found: list[str] = []
    for notebook in source_notebooks.values():
        for cell in filter(_is_test, notebook.get("cells", [])):
            tree = _parse(REGION.sub("", _cell_text(cell)))
            for node in ast.walk(tree) if tree else []:
                if isinstance(node, ast.Compare) and all(isinstance(op, (ast.Eq, ast.In)) for op in node.ops):
                    for side in [node.left, *node.comparators]:
                        if isinstance(side, ast.Constant) and isinstance(side.value, str) and side.value.strip() \
                                and side.value not in found:
                            found.append(side.value)
    return found


def _hand_in(source_notebooks: dict[str, dict], student_versions: dict[str, dict], prelude: str, body: str,
             value: str | None) -> dict[str, dict]:
    """The student versions with each answer cell replaced by the trick built from the instructor's."""
    notebooks = {}
    for name, student in student_versions.items():
        answers = {_nbgrader(c).get("grade_id"): _cell_text(c)
                   for c in source_notebooks.get(name, {}).get("cells", []) if _is_answer(c)}
        notebook = copy.deepcopy(student)
        for cell in filter(_is_answer, notebook.get("cells", [])):
            original = answers.get(_nbgrader(cell).get("grade_id"))
            trick = _answer_source(original, prelude, body, value) if original is not None else None
            if trick is not None:
                cell["source"] = trick
        notebooks[name] = notebook
    return notebooks


def adversaries(source_notebooks: dict[str, dict], student_versions: dict[str, dict]) -> list[Adversary]:
    """The trick answers for an assignment (its instructor's notebooks and their student versions)."""
    made = [Adversary("unchanged", "", copy.deepcopy(student_versions)),
            Adversary("always-equal", "", _hand_in(source_notebooks, student_versions, EQUAL_TO_EVERYTHING,
                                                   "return EqualToEverything()", "EqualToEverything()"))]
    for exception in expected_exceptions(source_notebooks)[:MAX_PER_KIND]:
        made.append(Adversary("raises", exception,
                              _hand_in(source_notebooks, student_versions, "", f"raise {exception}()", None)))
    for text in expected_texts(source_notebooks)[:MAX_PER_KIND]:
        made.append(Adversary("prints", text,
                              _hand_in(source_notebooks, student_versions, "", f"print({text!r}, end='')", None)))
    return made


def describe(entry: dict) -> str:
    """What a graded trick answer (an entry of ``ValidationReport.adversaries``) is, in the reader's
    language."""
    from flask_babel import gettext as _

    if entry["kind"] == "unchanged":
        return _("The student version handed in unchanged")
    if entry["kind"] == "always-equal":
        return _("An answer whose functions return an object equal to everything (__eq__ always true)")
    if entry["kind"] == "raises":
        return _("An answer whose functions raise %(exception)s for every input", exception=entry["detail"])
    return _("An answer whose functions print “%(text)s” instead of returning a result",
             text=entry["detail"])


def verdict(entry: dict) -> str:
    """How the tests treated a trick answer, in the reader's language."""
    from flask_babel import gettext as _, ngettext

    if entry["error"]:
        return _("It could not be graded: %(error)s", error=entry["error"])
    if not entry["cells"]:
        return _("It earns no points: the tests resist it.")
    return ngettext("It earns points in %(num)d test cell:", "It earns points in %(num)d test cells:",
                    len(entry["cells"]))
