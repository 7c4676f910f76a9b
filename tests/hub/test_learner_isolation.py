"""A learner with Python and a terminal in their own JupyterLab (the ``local`` back end, real hub, real
servers): they work in their own home as a Unix user of their own, and reach nothing else of the
machine — not another learner's home, not the LMS's instance folder (its secret key forges admin
sessions), not the LMS database, not the hub's state, not the instructors' sources (solutions) in
``notebooks/`` and ``courses/``."""
from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import select

from lms.extensions import db
from lms.hub.models import HubAccount

from .. import factories
from .conftest import LearnerApi, LearnerSession, enrol

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, os
def attempt(path):
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        return "read"
    except OSError as error:
        return type(error).__name__
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
                  "project": sorted(os.listdir(%(root)r)) if os.path.isdir(%(root)r) else [],
                  "read": {path: attempt(path) for path in %(paths)r}}))
"""


def _started(live_server, hub, hub_secrets, course, person) -> LearnerSession:
    assert LearnerApi(live_server, person).launch(course.slug)["status"] == "ready"
    username = db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == person.id))
    return LearnerSession(hub, username)


def _secrets_of_the_machine(app, hub, other: str) -> list[str]:
    """Files a learner must not read: the other learner's work, the LMS's and the hub's state, sources."""
    instance = Path(app.instance_path)
    (instance / "secret_key").write_text("the LMS's session key")  # as `make run` generates it
    paths = [str(hub.state_dir / "home" / other / "my-answers.py"), f"/home/{other}/my-answers.py",
             str(instance / "secret_key"), str(hub.state_dir / "jupyterhub_cookie_secret"),
             str(hub.state_dir / "jupyterhub.sqlite"),
             *(str(path) for path in sorted(ROOT.glob("notebooks/*/*/*.ipynb"))[:2]),
             *(str(path) for path in sorted(ROOT.glob("courses/*/course.yaml"))[:2]),
             str(ROOT / "jupyterhub_config.py")]
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    if database.startswith("sqlite:///"):
        paths.append(database.removeprefix("sqlite:///"))
    assert all(Path(path).exists() for path in paths if not path.startswith("/home/")), paths
    return paths


def test_a_learners_kernel_and_terminal_reach_only_their_own_home(hub, app, live_server, hub_secrets, course,
                                                                    no_leftover_servers):
    aigerim, bolat = factories.user("learner"), factories.user("learner")
    enrol(aigerim, course)
    enrol(bolat, course)
    mine = _started(live_server, hub, hub_secrets, course, aigerim)
    theirs = _started(live_server, hub, hub_secrets, course, bolat)
    try:
        theirs.save_text("my-answers.py", "answer = 42  # Bolat's own work\n")
        mine.save_text("notes.txt", "my notes\n")
        paths = _secrets_of_the_machine(app, hub, theirs.root.split("/user/")[1].split("/")[0])
        own = "notes.txt"  # in the folder JupyterLab shows: the learner's home

        seen = json.loads(mine.run_python(PROBE % {"root": str(ROOT), "paths": [own, *paths]}))
        assert seen["read"].pop(own) == "read"  # the learner's own work is theirs to read
        assert not [path for path, result in seen["read"].items() if result == "read"], seen["read"]
        # of the project, only the Python environment and the LMS's code (no instance/, notebooks/, courses/)
        assert set(seen["project"]) <= {".venv", "lms"}
        assert seen["uid"] != 0 and seen["gid"] != 0 and 0 not in seen["groups"], seen
        assert seen["uid"] != os.getuid()
        other = json.loads(theirs.run_python(PROBE % {"root": str(ROOT), "paths": []}))
        assert other["uid"] not in (0, seen["uid"])  # each learner a Unix user of their own

        listing = " ".join(f'"{path}"' for path in paths)
        shown = mine.run_in_terminal(f'id -u; for f in {listing}; do cat "$f" >/dev/null 2>&1 && echo "RE""AD $f"; '
                                     f'done; ls -a /home "{hub.state_dir}" 2>&1 | sed "s/^/L""S: /"')
        lines = shown.replace("\r", "").splitlines()
        assert "READ " not in shown, shown
        assert str(seen["uid"]) in lines, lines  # `id -u`: the same user as the kernel
        listed = [line for line in lines if line.startswith("LS: ")]
        assert listed and not [line for line in listed if "jupyterhub_cookie_secret" in line], listed
    finally:
        for person in (aigerim, bolat):
            LearnerApi(live_server, person).delete(f"{live_server}/api/v1/courses/{course.slug}/notebook", timeout=30)
