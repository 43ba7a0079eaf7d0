"""The envelope of a Dash callback request, checked before Dash reads it.

Dash raises (HTTP 500) on a body that is not an object, an unknown or
clientside ``output``, mismatched ``outputs``, or inputs that are not lists
of {id, property, value}; :func:`guard_callback_requests` answers 400
instead.  The values inside a well-formed envelope are the callbacks'
business (:mod:`app.core.state` parses them).
"""

from __future__ import annotations

import flask

from .server import json_body

__all__ = ["guard_callback_requests"]


def _is_dep(item) -> bool:
    """One input/state/output entry: {"id": str|dict, "property": str, ...}."""
    return (isinstance(item, dict) and isinstance(item.get("id"), (str, dict))
            and isinstance(item.get("property"), str))


def _dep_list(items, expected: int | None) -> bool:
    if not isinstance(items, list) or (expected is not None and len(items) != expected):
        return False
    return all(_is_dep(i) or (isinstance(i, list) and all(_is_dep(j) for j in i))
               for i in items)


def _names(dep: dict, name: str) -> bool:
    """A plain (string-id) output dep names ``id.property`` of the key.  An
    ``@hash`` suffix marks an ``allow_duplicate`` output; Dash compares
    without it on both sides, and so does this."""
    return (isinstance(dep["id"], str)
            and f"{dep['id']}.{dep['property'].partition('@')[0]}" == name.partition("@")[0])


def _outputs_ok(key: str, outputs) -> bool:
    """``outputs`` matches the callback's key: the very output(s) it names
    (Dash raises, answering 500, on any other), or for a pattern-matching id
    a dep or a wildcard's list of deps (Dash checks those itself)."""
    if not key.startswith(".."):
        if key.startswith("{"):                      # pattern-matching id: a list is fine
            return _is_dep(outputs) or _dep_list(outputs, None)
        return _is_dep(outputs) and _names(outputs, key)
    names = key[2:-2].split("...")
    if not _dep_list(outputs, len(names)):
        return False
    return all(name.startswith("{") or (_is_dep(dep) and _names(dep, name))
               for dep, name in zip(outputs, names))


def guard_callback_requests(dash_app) -> None:
    """Answer 400 to callback requests whose envelope Dash cannot read.

    Dash itself raises (HTTP 500) on a body that is not an object, an unknown
    ``output``, a clientside callback's ``output``, or inputs that are not a list of {id, property, value}.  The
    *values* inside a well-formed envelope are the callbacks' business: they
    are parsed and validated by :mod:`app.core.state`.
    """
    server = dash_app.server
    route = dash_app.config.routes_pathname_prefix + "_dash-update-component"

    @server.before_request
    def _check_callback_envelope():
        if flask.request.method != "POST" or flask.request.path != route:
            return None
        body = json_body()
        cb = dash_app.callback_map.get(body.get("output")) \
            if isinstance(body, dict) and isinstance(body.get("output"), str) else None
        ok = (cb is not None
              and cb.get("callback") is not None       # clientside ones run in the browser
              and _dep_list(body.get("inputs"), len(cb.get("inputs", [])))
              and _dep_list(body.get("state", []), len(cb.get("state", [])))
              and isinstance(body.get("changedPropIds", []), list)
              and all(isinstance(p, str) for p in body.get("changedPropIds", []))
              and _outputs_ok(body["output"], body.get("outputs")))
        if not ok:
            return flask.jsonify(error="malformed callback request"), 400
        return None
