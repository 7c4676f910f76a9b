"""An instructor's authoring server, as Oqu starts it (the named server ``authoring``, lms/hub/lab.py).

The learner's configuration (learner_jupyter/jupyter_server_config.py: the LMS's language, no news, a
menu entry back to Oqu), then what authoring needs: nbgrader's *Create Assignment* cell toolbar and
*Validate* button (``labconfig/page_config.json`` keeps formgrader, the exchange's lists and nbgrader's
menu off: Oqu publishes, not an exchange), without the learner's submit button. Its files live under
``~/authoring`` so that they never mix with the student versions Oqu releases into the person's
default server (the same home): the LMS seeds and imports ``<course>/<assignment>/`` there.
"""
from pathlib import Path

c = get_config()  # noqa: F821 — provided by the Jupyter server when it loads this file

LEARNER = Path(__file__).resolve().parent.parent / "learner_jupyter" / "jupyter_server_config.py"
exec(compile(LEARNER.read_text(encoding="utf-8"), str(LEARNER), "exec"),  # noqa: S102 — our own file
     {"get_config": get_config, "__file__": str(LEARNER), "__name__": "oqu_learner_config"})  # noqa: F821

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.validate_assignment": True,  # the notebook's Validate button
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "oqu_lab": False,  # the learner's submit button has nothing to do here
}
c.LabApp.extra_labextensions_path = []
ROOT = Path.home() / "authoring"
ROOT.mkdir(mode=0o700, exist_ok=True)
c.ServerApp.root_dir = str(ROOT)


# Links are neither listed nor served: a file or folder here that is a symbolic link (to the home folder,
# to /etc, to this folder itself) never reaches the LMS when it imports a folder, nor the file browser.
import errno  # noqa: E402
import os  # noqa: E402

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager  # noqa: E402
from tornado import web  # noqa: E402


class WithoutLinks(AsyncLargeFileManager):
    def _through_link(self, path: str) -> bool:
        current = self.root_dir
        for part in [p for p in path.strip("/").split("/") if p]:
            current = os.path.join(current, part)
            if os.path.islink(current):
                return True
        return False

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        if self._through_link(path):
            if not content:  # an entry of a folder's listing: left out, as the listing leaves out unreadable files
                raise PermissionError(errno.EACCES, "a symbolic link", path)
            raise web.HTTPError(404, "Symbolic links are not served in the authoring notebook")
        return await super().get(path, content=content, type=type, format=format, **kwargs)


c.ServerApp.contents_manager_class = WithoutLinks
