"""Errors as RFC 9457 ``application/problem+json`` that say what to fix."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA = "application/problem+json"
_WHY = {
    401: "missing, unknown or revoked API key",
    403: "the key's role may not do this",
    404: "no such resource in your tenant",
    409: "the change conflicts with the resource's state",
    413: "too large",
    422: "invalid request: see errors[]",
    429: "rate limit: see Retry-After",
}


def responses(*codes: int) -> dict:
    """OpenAPI ``responses`` for the problems a route can answer (the 422 replaces FastAPI's default shape)."""
    from api.schemas import ProblemPublic

    ref = {"schema": {"$ref": "#/components/schemas/ProblemPublic"}}
    return {c: {"model": ProblemPublic, "description": _WHY.get(c, "error"), "content": {MEDIA: ref}} for c in codes}


AUTH = (401, 403, 422, 429)  # every authenticated route


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str, errors: list | None = None, headers: dict | None = None):
        self.status, self.title, self.detail, self.errors, self.headers = status, title, detail, errors, headers


def problem_response(
    status: int, title: str, detail: str, instance: str, errors: list | None = None, headers: dict | None = None
) -> JSONResponse:
    body = {
        "type": f"https://cocreate.dev/problems/{status}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return problem_response(exc.status, exc.title, exc.detail, request.url.path, exc.errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"field": ".".join(str(x) for x in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        return problem_response(
            422,
            "Unprocessable Content",
            f"{first['field']}: {first['message']}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            request.url.path,
            errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route {request.method} {request.url.path}; see /docs for the API"
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}; see /docs"
        return problem_response(
            exc.status_code, _title(exc.status_code), detail, request.url.path, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        return problem_response(
            500,
            "Internal Server Error",
            f"unexpected {type(exc).__name__}; nothing you sent was lost — retry, and report it if it persists",
            request.url.path,
        )


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
