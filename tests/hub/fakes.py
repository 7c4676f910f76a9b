"""A scripted stand-in for the hub client, for rules that need no real hub."""
from lms.hub.client import ServerState


class LearnerServerFake:
    """Gives a fake with ``server_api(username, method, path, …)`` the hub client's ``learner_server``."""

    def learner_server(self, username):
        return _BoundServer(self, username)


class _BoundServer:
    def __init__(self, fake, username):
        self.fake, self.username = fake, username

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def api(self, method, path, **kwargs):
        return self.fake.server_api(self.username, method, path, **kwargs)


class FakeHub(LearnerServerFake):
    """The hub client's interface, answering from a script: for rules that need no real hub."""

    def __init__(self, state: ServerState, events=()):
        self.state = state
        self.events = list(events)
        self.calls = []
        self.api_url = "fake"

    def server_state(self, username):
        self.calls.append("state")
        return self.state

    def ensure_user(self, username):
        self.calls.append("ensure_user")

    def start_server(self, username, options):
        self.calls.append(("start", options))
        self.state = ServerState(exists=True, running=True, pending="spawn")
        return "pending", ""

    def stop_server(self, username):
        self.calls.append("stop")
        self.state = ServerState(exists=True)
        return True

    def spawn_events(self, username, wait):
        return self.events

    def revoke_access(self, username):
        self.calls.append("revoke")
        return 0

    def server_api(self, *args, **kwargs):
        self.calls.append("contents")
