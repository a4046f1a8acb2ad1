"""Response bodies of the REST API, declared so the OpenAPI document is complete.

The handlers build plain dicts (the wire shape of both surfaces: the integration guide's and the
widget SDK's, camelCase with a few historical snake_case keys). A ``Reply`` model names every key
a route may answer, with its type, so:

- the OpenAPI lists a schema for every JSON response, and ``web/src/shared/api.d.ts`` is
  generated from it (``npm run gen:api``) instead of being written by hand;
- a handler that returns a key its model does not declare fails loudly (``extra="forbid"``: a
  500 in the tests, never silently dropped);
- a key a handler leaves out stays out (``WireRoute`` answers with ``exclude_unset``), so the
  JSON on the wire is exactly what the handler built.

Field names are the wire names themselves (hence camelCase attributes): these classes describe
JSON, they are not used as Python objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict


class Reply(BaseModel):
    """A JSON response body; every key the route may return is declared."""

    model_config = ConfigDict(extra="forbid")


class WireRoute(APIRoute):
    """A route whose answer has exactly the keys the handler returned.

    Without ``exclude_unset`` an optional key the handler left out (``position`` of a chat not in
    the queue, the agent's workload hidden from a visitor) would appear as ``null``.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["response_model_exclude_unset"] = True
        super().__init__(path, endpoint, **kwargs)


class Success(Reply):
    success: bool


class SuccessMessage(Success):
    message: str
