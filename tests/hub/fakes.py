"""A scripted stand-in for the hub client, for rules that need no real hub."""
from lms.hub.client import ServerState


class FakeHub:
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

    def server_api(self, *args, **kwargs):
        self.calls.append("contents")
