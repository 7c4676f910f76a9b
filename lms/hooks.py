"""Slots a page declares and other domains fill (Indico's ``template_hook``): the page that shows a
person, say, belongs to the organisations domain, while their training record is HR's. A domain
registers a function for a slot's name; the template calls ``template_hook(name, **context)`` and
gets whatever the registered functions return, in the order of their ``order`` (then of registration).
The host page never imports, nor includes, another domain's templates.

A page's data comes before its rendering: a domain registers a builder of its part with
:func:`provides`; the host view calls :func:`page_data` once (services queried there, in the request,
never from a context processor) and hands the result to the template, which passes it on to the slots.
"""
from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

_SLOTS: dict[str, list[tuple[int, Callable[..., str]]]] = {}
_DATA: dict[str, dict[str, Callable[..., object]]] = {}


def fills(slot: str, order: int = 0) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register the decorated function as a filler of ``slot``; it gets the template's keyword arguments.
    Fillers render by ``order`` (lower first), then in the order they were registered."""
    def register(function: Callable[..., str]) -> Callable[..., str]:
        fillers = _SLOTS.setdefault(slot, [])
        if all(known is not function for _, known in fillers):
            fillers.append((order, function))
            fillers.sort(key=lambda filler: filler[0])
        return function
    return register


def template_hook(slot: str, **context) -> Markup:
    """What the fillers of ``slot`` render, one after another (empty when none is registered)."""
    return Markup("").join(Markup(function(**context) or "") for _, function in _SLOTS.get(slot, ()))


def provides(page: str, name: str) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Register the decorated function as the builder of ``name`` in ``page``'s data; it gets the keyword
    arguments of :func:`page_data`."""
    def register(function: Callable[..., object]) -> Callable[..., object]:
        _DATA.setdefault(page, {})[name] = function
        return function
    return register


def page_data(page: str, **context) -> dict[str, object]:
    """Every registered part of ``page``'s data, by name, each built once."""
    return {name: build(**context) for name, build in _DATA.get(page, {}).items()}


def init_app(app) -> None:
    app.jinja_env.globals["template_hook"] = template_hook
