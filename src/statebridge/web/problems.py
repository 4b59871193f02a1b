"""RFC 9457 problem details: every error the DFC endpoint answers, never a traceback or a token."""

from __future__ import annotations

import typing as t

from starlette.responses import JSONResponse

__all__ = ["PROBLEM_JSON", "problem_response"]

PROBLEM_JSON = "application/problem+json"


def problem_response(
    status: int, title: str, detail: str, *, headers: t.Mapping[str, str] | None = None, **extra: t.Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))
