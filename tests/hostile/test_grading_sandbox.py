"""A hostile learner's answer cells, graded by the engine the worker and ``lms test-grade`` call
(lms.grading.services.grade_notebooks, nbgrader in the sandbox): what each attack reaches is printed
in the autograded notebook, read here after grading. Each one reached its target before the sandbox
(issue #16, DESIGN §4 "Attacks measured")."""
import json
import socket
from pathlib import Path

import pytest

from lms.grading.services import grade_notebooks
from tests.grading.files import demo_assignment, learner_version

pytestmark = pytest.mark.integration  # the grading sandbox runs hostile notebooks

NETWORK = """
import socket
for port in (5432, 6379):
    with socket.socket() as s:
        s.settimeout(2)
        print(f"port {port}:", "REACHED" if s.connect_ex(("127.0.0.1", port)) == 0 else "refused")
"""
FILES = """
import os
for path in {paths!r}:
    try:
        print(path, "READ", open(path).read()[:60])
    except OSError as exc:
        print(path, "blocked", type(exc).__name__)
"""
SEARCH = """
import os
found = []
for top in {tops!r}:
    for folder, dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(folder, name)
            try:
                data = open(path, "rb").read(2_000_000)
            except OSError:
                continue
            if name == "gradebook.db" or b"BEGIN " + b"SOLUTION" in data or b"BEGIN " + b"HIDDEN TESTS" in data:
                found.append(path)
print("FOUND" if found else "nothing found", found[:5])
"""


@pytest.fixture
def assignment(app, tmp_path):
    return demo_assignment(app, tmp_path)


def _grade(app, assignment, *cells: str, solve: bool = True):
    notebook = learner_version(assignment.folder / "mean-and-median.ipynb", solve=solve)
    for number, text in enumerate(cells):
        notebook["cells"].insert(1, {"cell_type": "code", "id": f"attack{number}", "metadata": {},
                                     "execution_count": None, "outputs": [], "source": text})
    result = grade_notebooks(app.config["OQU_SETTINGS"], assignment,
                             {"mean-and-median.ipynb": json.dumps(notebook).encode()})
    printed = "".join("".join(output.get("text", "")) for cell in result.autograded["mean-and-median.ipynb"]["cells"]
                      if "".join(cell["source"]) in cells for output in cell.get("outputs", []))
    return result, printed


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_answer_cells_cannot_reach_postgresql_or_redis_on_the_hosts_loopback(app, assignment):
    assert _listening(5432) and _listening(6379)  # both run on this machine (and in CI: make services)

    result, printed = _grade(app, assignment, NETWORK)

    assert result.status == "graded" and result.total == 5.0
    assert "port 5432: refused" in printed and "port 6379: refused" in printed, printed


def test_answer_cells_cannot_read_the_lms_instance_folder(app, assignment):
    instance = Path(app.config["OQU_SETTINGS"].instance_path)
    secrets = {"secret_key": "s3cret-session-key", "credential-signing-key.pem": "-----BEGIN PRIVATE KEY-----",
               "hub_api_token": "hub-token-abcdef", "hub_client_secret": "hub-oauth-secret"}
    for name, text in secrets.items():
        (instance / name).write_text(text)
        (instance / name).chmod(0o644)  # even world-readable: out of the sandbox's view
    paths = [str(instance / name) for name in secrets] + [str(instance / "oqu.db"), "/proc/1/environ"]

    result, printed = _grade(app, assignment, FILES.format(paths=paths))

    assert result.status == "graded"
    assert "READ" not in printed and printed.count("blocked") == len(paths), printed
    assert not any(text in printed for text in secrets.values())


def test_answer_cells_find_neither_the_instructors_source_nor_the_gradebook(app, assignment):
    # the job's course folder around the kernel's own, the temporary folder, and where the sources live
    tops = ["../../..", "/tmp", app.config["OQU_SETTINGS"].assignments_dir, str(Path(__file__).parents[2] / "notebooks")]

    result, printed = _grade(app, assignment, SEARCH.format(tops=tops))

    assert result.status == "graded" and result.total == 5.0
    assert "nothing found" in printed, printed


def test_the_kernel_sees_only_a_copy_of_the_submission_folder_and_data_files(app, assignment):
    (assignment.folder / "prices.csv").write_text("city,price\nAstana,100\n")
    probe = ("import os\nprint('files:', sorted(os.listdir('.')))\n"
             "print('job:', sorted(os.listdir('../../..')) if os.path.isdir('../../..') else None)\n"
             "print('uid:', os.getuid())\n")

    result, printed = _grade(app, assignment, probe)

    assert result.status == "graded"
    assert "files: ['prices.csv']" in printed, printed  # the data file; no notebook, no gradebook
    assert "gradebook.db" not in printed and "job.json" not in printed
    assert "uid: 0" not in printed
