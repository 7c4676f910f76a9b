"""The grading child process: run as ``python _runner.py [--as UID:GID] JOB_DIR`` inside the sandbox.

It imports nbgrader only — never the LMS, its settings or its database — and works on the job
folder alone: ``JOB_DIR/job.json`` says what to do, ``JOB_DIR/course`` is a throwaway course
directory (with a throwaway copy of the gradebook), and ``JOB_DIR/result.json`` receives nbgrader's
``{success, error, log}``. The parent reads scores only after this process has exited.

Steps are ``generate`` (the student version, from the instructor's source, in a job of its own) and
``autograde``; what a learner is told is built by the LMS from the instructor's text and the scores
(lms.grading.feedback), never exported from here.
"""
import hashlib
import hmac
import json
import os
import secrets
import sys
from pathlib import Path

KERNEL_NAME = "oqu-sandboxed"
CLOSING = "oqu-closing-check:"
TIMED_OUT: list = []  # [notebook, grade id] of each cell stopped at the cell time limit, for result.json

def _closing_execute():
    from nbformat.v4 import new_code_cell
    from nbgrader.preprocessors import Execute

    class ClosingExecute(Execute):
        """nbgrader's Execute, with a closing cell run after the notebook's last one (its text is new to
        the kernel each job): the kernel's watch then makes its last check and says so (_kernel.py)."""

        def preprocess_cell(self, cell, resources, index):
            cell, resources = super().preprocess_cell(cell, resources, index)
            if index == len(self.nb.cells) - 1:
                secret = json.loads(Path(os.environ["OQU_JOB_DIR"], "kernel-secret.json").read_text())
                self.nb.cells.append(new_code_cell(repr(secret["closing"])))
                try:  # nbclient writes the cell back into the notebook at its index
                    self.execute_cell(self.nb.cells[-1], index + 1, store_history=False)
                finally:
                    self.nb.cells.pop()
            return cell, resources

        async def _async_handle_timeout(self, timeout, cell=None):
            # nbgrader interrupts the kernel and goes on with the next cell; the kernel's spec asks for
            # the interrupt as a message, which crosses the kernel's sandbox (a signal to bwrap does not)
            grade_id = ((cell or {}).get("metadata", {}).get("nbgrader", {}) or {}).get("grade_id")
            TIMED_OUT.append([self.resources.get("unique_key", ""), grade_id])
            return await super()._async_handle_timeout(timeout, cell)

    return ClosingExecute


def _kernel_spec(job_path: Path) -> None:
    """The only kernel the job may start, whatever the notebook names: ``_runner.py --kernel``."""
    folder = job_path / "data" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-I", __file__, "--kernel", "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)", "language": "python",
        "interrupt_mode": "message"}))


def main(job_dir: str) -> int:
    job_path = Path(job_dir)
    job = json.loads((job_path / "job.json").read_text())
    os.environ["OQU_JOB_DIR"] = str(job_path)
    _kernel_spec(job_path)
    (job_path / "kernel-secret.json").write_text(json.dumps(
        {"key": secrets.token_hex(32), "closing": CLOSING + secrets.token_hex(16)}))
    # jsonschema (under nbformat) imports rfc3987-syntax when it is installed, which builds an Earley
    # grammar at import: 1.5 s idle, 7 s on a busy machine, for an "iri" format check notebooks never
    # use. Blocked here, jsonschema skips that one check (it guards the import).
    sys.modules.setdefault("rfc3987_syntax", None)
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    course = job_path / "course"
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = job.get("course_id", "course")
    config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    config.Execute.timeout = int(job.get("cell_timeout", 60))
    config.Execute.allow_errors = True
    config.Execute.kernel_name = KERNEL_NAME
    config.KernelManager.transport = "ipc"  # the kernel's sandbox has a network of its own
    # sockets /tmp/ipc-…/kernel-PORT: a short path (a Unix socket's is at most 107 bytes), in the
    # sandbox's own /tmp, bound into the kernel's sandbox with a copy of the connection file
    import tempfile

    config.KernelManager.ip = os.path.join(tempfile.mkdtemp(prefix="ipc-", dir="/tmp"), "kernel")
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    closing = _closing_execute()
    config.Autograde.autograde_preprocessors = [
        closing if step is Execute else step
        for step in Autograde.class_traits()["autograde_preprocessors"].default()]
    config.CourseDirectory.student_id = job.get("student", "")
    api = NbGraderAPI(config=config)
    result = {"success": True, "error": "", "log": ""}
    for step in job["steps"]:  # each step only runs when the one before succeeded
        if step == "generate":
            result = api.generate_assignment(job["assignment"], force=True, create=True)
        elif step == "autograde":
            result = api.autograde(job["assignment"], job["student"], force=True, create=True)
        else:
            result = {"success": False, "error": f"unknown step {step!r}", "log": ""}
        result["step"] = step
        if not result.get("success"):
            break
    result["timed_out"] = TIMED_OUT
    (job_path / "result.json").write_text(json.dumps(result, default=str))
    import shutil

    shutil.rmtree(os.path.dirname(config.KernelManager.ip), ignore_errors=True)
    return 0 if result.get("success") else 1


def serve() -> int:
    """The warm runner (``_runner.py --serve``): import nbgrader once, then for each job line read on
    stdin fork a child that enters its own session, takes the job's limits, user and environment and
    runs :func:`main`. Answers ``{"pid"}`` when the child starts and ``{"pid", "returncode"}`` when it
    has exited. Started by lms.grading.sandbox with a scrubbed environment; it holds no secret."""
    import os

    sys.modules.setdefault("rfc3987_syntax", None)
    from nbgrader.apps import NbGraderAPI  # noqa: F401 — warm imports shared by every job

    # nbgrader asks the alembic command for the schema head each time it creates a gradebook (a new
    # interpreter per job); the answer is fixed for the installed nbgrader: ask once, here
    import nbgrader.api

    head = nbgrader.api.get_alembic_version()
    nbgrader.api.get_alembic_version = lambda: head

    def answer(message: dict) -> None:
        os.write(1, (json.dumps(message) + "\n").encode())

    import signal

    # a graceful stop of the worker (SIGINT to its process group) lets running jobs finish: the
    # runner ends when the worker closes its stdin
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answer({"ready": True, "pid": os.getpid()})
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(request)
            except BaseException:  # noqa: BLE001 — report anything on the job's stderr, never return
                import traceback

                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(code)
        answer({"pid": pid})
        _, status = os.waitpid(pid, 0)
        answer({"pid": pid, "returncode": os.waitstatus_to_exitcode(status)})
    return 0


def _child(request: dict) -> int:
    import os
    import resource

    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    job_dir = request["job_dir"]
    os.setsid()
    stderr = os.open(os.path.join(job_dir, "stderr.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(stderr, 2)
    os.closerange(3, 65536)
    for name, (soft, hard) in request["limits"].items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    if request.get("uid") is not None:
        os.setgroups([])
        os.setgid(request["gid"])
        os.setuid(request["uid"])
    os.chdir(job_dir)
    os.environ.clear()
    os.environ.update(request["env"])
    return main(job_dir)


def kernel(connection_file: str) -> int:
    """``_runner.py --kernel CONNECTION_FILE``: what nbgrader starts as the learner's kernel. The kernel
    runs in a narrower sandbox of its own (when the job is sandboxed): its folder is a *copy* of the
    notebook's folder without notebooks (the submission's own files and the assignment's data), its
    /tmp is a folder of the job's, it has no /proc and no network, and it reaches nbgrader only through
    the ipc sockets next to the connection file. The gradebook, the job's files and nbgrader's process
    are out of its sight. Its watch (_kernel.py) reports on a pipe read here; what it said, checked
    against the job's key, goes to ``JOB_DIR/tamper/`` for the worker."""
    import shutil
    import signal
    import subprocess
    import tempfile

    job_path = Path(os.environ["OQU_JOB_DIR"])
    job = json.loads((job_path / "job.json").read_text())
    secret = json.loads((job_path / "kernel-secret.json").read_text())
    here = Path.cwd()
    work = Path(tempfile.mkdtemp(prefix="kernel-", dir=job_path))
    files, tmp = work / "files", work / "tmp"
    shutil.copytree(here, files, ignore=shutil.ignore_patterns("*.ipynb", ".*"))
    tmp.mkdir()
    runtime = Path(json.loads(Path(connection_file).read_text())["ip"]).parent  # the ipc sockets' folder
    connection_file = shutil.copy(connection_file, runtime / f"{work.name}.json")
    env = {**os.environ, "HOME": str(here), "IPYTHONDIR": "/tmp/ipython", "MPLCONFIGDIR": "/tmp/mpl",
           "JUPYTER_DATA_DIR": "/tmp/jupyter", "JUPYTER_CONFIG_DIR": "/tmp/jupyter"}
    del env["OQU_JOB_DIR"]
    env.pop("JPY_PARENT_PID", None)  # its parent is the sandbox's init (pid 1); it dies with this process
    key_read, key_write = os.pipe()
    report_read, report_write = os.pipe()
    os.write(key_write, json.dumps(secret).encode())
    os.close(key_write)
    command = [sys.executable, "-I", str(Path(__file__).with_name("_kernel.py")), str(key_read), str(report_write),
               "-f", str(connection_file)]
    if job.get("sandbox") == "bwrap":
        parents = sorted({str(p) for path in (here, runtime) for p in path.parents if p != Path("/")})
        command = [*job["kernel_sandbox"], "--bind", str(tmp), "/tmp",
                   *[a for p in parents for a in ("--perms", "0755", "--dir", p)],
                   "--bind", str(files), str(here), "--bind", str(runtime), str(runtime),
                   "--chdir", str(here), "--", *command]
    child = subprocess.Popen(command, env=env, pass_fds=(key_read, report_write))
    os.close(key_read)
    os.close(report_write)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda signum, frame: child.send_signal(signum))
    verdict = _read_reports(report_read, bytes.fromhex(secret["key"]))
    returncode = child.wait()
    (job_path / "tamper").mkdir(exist_ok=True)
    (job_path / "tamper" / f"{work.name}.json").write_text(json.dumps(verdict))
    return returncode


def _read_reports(fd: int, key: bytes) -> dict:
    """The watch's lines, ``SEQ PAYLOAD MAC``, until the kernel ends. A line that does not carry the
    key's MAC, or comes out of order, was written by learner code: that itself is tampering."""
    verdict = {"problems": [], "closed": False, "checks": 0, "forged": False}
    expected = 0
    with os.fdopen(fd, "rb") as reports:
        for raw in reports:
            try:
                signed, mac = raw.decode().rstrip("\n").rsplit(" ", 1)
                seq, payload = signed.split(" ", 1)
                good = hmac.compare_digest(mac, hmac.new(key, signed.encode(), hashlib.sha256).hexdigest())
                report = json.loads(payload)
            except ValueError:
                good = False
            if not good or int(seq) != expected:
                verdict["forged"] = True
                continue
            expected += 1
            verdict["problems"] += [p for p in report.get("problems", []) if p not in verdict["problems"]]
            verdict["checks"] = report.get("checks", verdict["checks"])
            verdict["closed"] = verdict["closed"] or bool(report.get("closed"))
    return verdict


def probe(folder: str) -> int:
    """``_runner.py --probe FOLDER``, in the sandbox: print ``ok`` when it holds — not root, no network
    (the host's loopback out of reach), and a kernel's inner sandbox starts."""
    import socket
    import subprocess

    if os.getuid() == 0:
        print("the sandbox runs as root")
        return 1
    for port in (5432, 6379, 80):
        with socket.socket() as connection:
            connection.settimeout(1)
            if connection.connect_ex(("127.0.0.1", port)) == 0:
                print(f"the sandbox reaches 127.0.0.1:{port}")
                return 1
    inner = json.loads(Path(folder, "kernel_sandbox.json").read_text())
    done = subprocess.run([*inner, "--", sys.executable, "-I", "-c", "print('ok')"], capture_output=True, text=True)
    if done.stdout.strip() != "ok":
        print("the kernel's sandbox does not start: " + done.stderr.strip()[-300:])
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--as"]:  # bubblewrap ran as root: become the grading user before anything else
        uid, gid = (int(v) for v in arguments[1].split(":"))
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        arguments = arguments[2:]
    if arguments == ["--serve"]:
        sys.exit(serve())
    if arguments[:1] == ["--kernel"]:
        sys.exit(kernel(arguments[1]))
    if arguments[:1] == ["--probe"]:
        sys.exit(probe(arguments[1]))
    sys.exit(main(arguments[0]))
