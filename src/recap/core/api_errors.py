"""The error responses the API documents: what each status means and the shape of its body.

Every route lists the errors it can answer with (`errors(401, 404)`), so the OpenAPI document
tells a client what to expect; a test checks the list against what the routes really return.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: Any = Field(
        description="What went wrong: a sentence; for 422, each field (or `__all__`) with its "
        "problems."
    )


#: What each error means, for the route lists below.
MEANING = {
    401: "The token is missing where one is needed, or is wrong, expired or revoked.",
    403: "You may see this city's data but not change it.",
    404: "No such thing, or one you may not see.",
    422: "The request or the change it asks for is not valid; `detail` says why.",
    429: "Too many requests of this kind; wait and try again.",
    503: "The platform is not set up for this yet (e.g. its publisher identifier is missing); "
    "`detail` says what.",
}


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error responses of a route, to merge into its `response=`."""
    unknown = set(codes) - set(MEANING)
    if unknown:
        raise ValueError(f"no meaning written for {sorted(unknown)}")
    return dict.fromkeys(codes, ErrorOut)
