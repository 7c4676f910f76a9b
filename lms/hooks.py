"""Slots a page declares and other domains fill (Indico's ``template_hook``): the page that shows a
person, say, belongs to the organisations domain, while their training record is HR's. A domain
registers a function for a slot's name; the template calls ``template_hook(name, **context)`` and
gets whatever the registered functions return, in the order they were registered. The host page never
imports, nor includes, another domain's templates.
"""
from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

_SLOTS: dict[str, list[Callable[..., str]]] = {}


def fills(slot: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register the decorated function as a filler of ``slot``; it gets the template's keyword arguments."""
    def register(function: Callable[..., str]) -> Callable[..., str]:
        fillers = _SLOTS.setdefault(slot, [])
        if function not in fillers:
            fillers.append(function)
        return function
    return register


def template_hook(slot: str, **context) -> Markup:
    """What the fillers of ``slot`` render, one after another (empty when none is registered)."""
    return Markup("").join(Markup(function(**context) or "") for function in _SLOTS.get(slot, ()))


def init_app(app) -> None:
    app.jinja_env.globals["template_hook"] = template_hook
