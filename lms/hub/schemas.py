"""API schemas of notebooks. A notebook answer never carries the hub's token or any other secret:
only the state, the progress and the address the learner opens (which the hub protects itself)."""
from marshmallow import Schema, fields


class NotebookStatus(Schema):
    status = fields.String(required=True, metadata={
        "enum": ["pending", "ready", "failed", "stopped"],
        "description": "`pending` while the server starts, `ready` once `url` can be opened, `failed` when the "
                       "start failed or timed out (POST again to retry), `stopped` when no server runs"})
    progress = fields.Integer(required=True, metadata={"description": "0–100, following the hub's spawn progress"})
    url = fields.String(allow_none=True, metadata={"description": "JupyterLab at the course folder, when ready"})
    message = fields.String(metadata={"description": "What to tell the person, in the caller's language"})
    profile = fields.String(allow_none=True, metadata={"description": "The course's notebook profile, e.g. cpu"})
    course = fields.String(allow_none=True, metadata={"description": "Course slug"})


SCHEMAS = {"NotebookStatus": NotebookStatus}
