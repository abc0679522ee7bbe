"""Response schemas of the REST API (``XPublic`` for one resource, ``XsPublic`` for a list): they are
the API's contract, shown in /openapi.json, from which a typed client is generated
(tests/test_typed_client.py). Field names are those the routes have always returned."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

# the services build ISO strings with isoformat(); keep exactly those strings on the wire ("+00:00", not "Z")
IsoDatetime = Annotated[
    dt.datetime,
    PlainSerializer(lambda t: t.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Public(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class FieldErrorPublic(Public):
    field: str
    message: str


class ProblemPublic(Public):
    """An RFC 9457 problem (``application/problem+json``): what went wrong and what to fix."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldErrorPublic] | None = Field(None, description="one entry per invalid field (422)")


class HealthPublic(Public):
    status: str = Field(description='"ok" when the database answers')
