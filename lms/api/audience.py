"""Audience views of API schemas (CTFd's ``UserSchema(view="self")``): one schema names, per audience,
the fields that audience may read, and the handler picks the view for the caller — so what each role
sees is stated once, beside the fields, not rebuilt by hand in each handler.

``Schema(view="totals").dump(obj)`` leaves out every field the ``totals`` view does not list;
``viewer`` is the person the response is for, for fields whose value depends on who reads them
(a masked IIN). Without ``view`` the schema dumps every field (its OpenAPI description lists them all).
"""
from __future__ import annotations

from marshmallow import Schema


class AudienceSchema(Schema):
    #: view name → the fields it may read (``None``: all of them)
    VIEWS: dict[str, tuple[str, ...] | None] = {}

    def __init__(self, *args, view: str | None = None, viewer=None, **kwargs):
        if view is not None:
            if view not in self.VIEWS:
                raise KeyError(f"{type(self).__name__} has no view {view!r}")
            if self.VIEWS[view] is not None:
                kwargs["only"] = self.VIEWS[view]
        self.view = view
        self.viewer = viewer
        super().__init__(*args, **kwargs)
