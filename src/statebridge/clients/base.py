"""The shared machinery of the platform API clients.

`ApiClient.request` sends one request with a time-out and keeps trying through 429s, 5xx answers
and transport faults, within the `RetryPolicy`:

- a 429 waits the `Retry-After` the platform sent (or a backoff when it sent none), and no request
  leaves the client before that time is up;
- rate-limit signals on successful answers (`observe`, per platform) push the next request back
  *before* the platform has to refuse one;
- every request first waits its turn with the client's `Pacer` (clients/pacing.py, docs/pacing.md),
  under the key of the budget it is counted against (`pace_key`): with a `RedisPacer`, waits and
  the platform's budget are shared by every process that reaches the same shop;
- any other 4xx is a `FatalAPIError` at once; a budget spent is a `RequestFailedError`;
- what cannot heal fails at once: a base URL without http(s):// or a host (`UsageError`, before
  any request), a host name that does not resolve (`RequestFailedError` naming the host); a refused
  connection is tried `RetryPolicy.connect_attempts` times, within about two seconds.

**Retries are method-aware.** After a 5xx or a fault once the request may have reached the server
(a dropped connection, a read time-out), the server may have acted on it, so the request is sent
again only when repeating it is harmless: an idempotent method (GET, HEAD, OPTIONS, PUT, DELETE,
RFC 9110 §9.2.2), or a POST or PATCH that carries an `Idempotency-Key` header (the server answers a
repeat with the first outcome), or one its caller declares `repeatable=True` because it changes
nothing (a GraphQL query, an OAuth client-credentials grant). Any other POST or PATCH is never
sent twice after such a failure: it fails at once with a `RequestFailedError` saying it was not
retried, and its caller decides. A 429 and a connection that could not be opened are retried
whatever the method: the server did not process the request.

Messages name the request by method and URL with secret query parameters masked; credentials are
sent in headers and never logged. `mask_secrets` masks a credential the platform echoed in an answer
that ends up in a message, and `json_document` reads a JSON answer or says what came instead.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import logging
import random
import socket
import ssl
import time
import typing as t
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson

from ..errors import APIError, FatalAPIError, RequestFailedError, UsageError
from ..settings import Settings, or_environment
from .pacing import Pacer, pacer_for
from .policy import RetryPolicy, retry_after_seconds

__all__ = [
    "IDEMPOTENCY_KEY",
    "IDEMPOTENT_METHODS",
    "ApiClient",
    "Page",
    "check_base_url",
    "describe_request",
    "is_repeatable",
    "json_document",
    "mask_secrets",
    "reason",
    "refuse_redirect",
]

log = logging.getLogger("statebridge.clients")

_SECRET_PARAMS = frozenset({"token", "access_token", "api_key", "client_secret", "password", "key"})
_RETRIABLE_ERRORS = (httpx.TransportError,)
#: Faults that leave the request unsent (no connection was made), so any method may be retried.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Methods whose repetition has the effect of one request (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
IDEMPOTENCY_KEY = "Idempotency-Key"


def is_repeatable(request: httpx.Request, declared: bool | None = None) -> bool:
    """Whether `request` may be sent again after the server may have acted on it: `declared` when
    the caller says, else an idempotent method, or any method with an `Idempotency-Key`."""
    if declared is not None:
        return declared
    return request.method in IDEMPOTENT_METHODS or IDEMPOTENCY_KEY in request.headers


def describe_request(method: str, url: httpx.URL | str) -> str:
    """`GET https://shop/admin/api/…?status=any&token=***`: a request as messages show it."""
    parts = urlsplit(str(url))
    query = urlencode(
        [
            (k, "***" if k.lower() in _SECRET_PARAMS else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="[]:,*",
    )
    return f"{method} {urlunsplit((parts.scheme, parts.netloc, parts.path, query, ''))}"


def check_base_url(base_url: str) -> str:
    """`base_url` if it is an http(s) URL with a host; a `UsageError` saying what to give otherwise."""
    parts = urlsplit(base_url.strip())
    if parts.scheme in ("http", "https") and parts.hostname:
        return base_url
    example = f"https://{base_url.split('://')[-1].strip('/') or 'shop.example.org'}"
    msg = f"base URL {base_url!r} needs http:// or https:// and a host name, e.g. {example}"
    raise UsageError(msg)


#: Name-resolution answers that retrying does not change: the name does not exist (a typo).
_UNKNOWN_HOST = frozenset(
    code for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None)) if code
)


def _unknown_host(exc: BaseException) -> bool:
    """Whether `exc` comes from a host name that does not exist (as opposed to a DNS hiccup)."""
    cause: BaseException | None = exc
    for _ in range(5):
        if cause is None:
            return False
        if isinstance(cause, socket.gaierror):
            return cause.errno in _UNKNOWN_HOST
        cause = cause.__cause__ or cause.__context__
    return False


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of orders as the platform sent it: a document its adapter reads."""

    document: t.Any
    position: str


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context (the certificate bundle loaded once) for every client of the process: building
    one takes about 65 ms, as long as a whole pull of a quiet shop, and a worker builds clients for
    every pull and drain. An `SSLContext` may be shared between threads and connections."""
    return httpx.create_ssl_context()


class ApiClient(abc.ABC):
    """A platform client over one `httpx.Client`, paced by the platform's own signals."""

    #: The adapter that reads this client's pages.
    platform: t.ClassVar[str]
    #: The budget the platform counts this client's requests against, when not the platform's
    #: name (Shopify counts REST requests and GraphQL points in separate buckets).
    pace_scope: t.ClassVar[str | None] = None

    def __init__(
        self,
        base_url: str,
        *,
        http: httpx.Client | None = None,
        policy: RetryPolicy | None = None,
        sleep: t.Callable[[float], None] = time.sleep,
        clock: t.Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        settings: Settings | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url).rstrip("/")
        #: Credentials and API versions come from here (default: the environment as of now).
        self.settings = or_environment(settings)
        self.policy = policy or RetryPolicy()
        self.http = http or httpx.Client(
            timeout=self.policy.timeout, follow_redirects=False, verify=tls_context()
        )
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        #: Where requests wait their turn: shared by every process when the settings name a Redis
        #: (clients/pacing.py), else this process's own.
        self.pacer = pacer if pacer is not None else pacer_for(self.settings, clock=clock, sleep=sleep)
        self.requests_sent = 0

    def close(self) -> None:
        self.http.close()

    def renew_credentials(self, ahead: float = 0.0) -> bool:
        """Renew the client's credentials if they expire within `ahead` seconds (once between every
        process sharing the store); False when it has none that expire."""
        return False

    def __enter__(self) -> t.Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- hooks -------------------------------------------------------------------------------------

    def headers(self) -> dict[str, str]:
        """Headers every request carries (credentials, content type)."""
        return {}

    def observe(self, response: httpx.Response) -> None:  # noqa: B027 - a hook, empty by default
        """Read the platform's rate-limit signals from a successful answer; by default nothing."""

    def problem(self, response: httpx.Response) -> str | None:
        """A platform-level failure inside a 200 answer (GraphQL `THROTTLED`), as text to retry on."""
        return None

    @abc.abstractmethod
    def pages(self, since: t.Any | None) -> t.Iterator[Page]:
        """Every page of orders updated at or after `since` (all orders when None), oldest first."""

    # -- pacing ------------------------------------------------------------------------------------

    @property
    def pace_key(self) -> str:
        """The pacer's key for this client's budget: `{platform}:{base_url}` (a shop's)."""
        return f"{self.pace_scope or self.platform}:{self.base_url}"

    def request_cost(self) -> float:
        """What the next request takes from the budget, in the platform's units (a request)."""
        return 1.0

    def hold_off(self, seconds: float) -> None:
        """Send no request for `seconds` from now (never shortens a wait already set); with a
        shared pacer, no process sends one on this budget."""
        self.pacer.hold_off(self.pace_key, seconds)

    def _wait_turn(self) -> None:
        self.pacer.before_request(self.pace_key, self.request_cost())

    # -- sending -----------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: t.Mapping[str, t.Any] | None = None,
        json: t.Any = None,
        data: t.Mapping[str, t.Any] | None = None,
        content: bytes | None = None,
        headers: t.Mapping[str, str] | None = None,
        repeatable: bool | None = None,
    ) -> httpx.Response:
        """Send one request through the retry policy; the successful response.

        `repeatable` says whether the request may be sent again after a 5xx or a fault once it may
        have reached the server; by default (None) only idempotent methods and requests with an
        `Idempotency-Key` header are (see the module docstring). A request that is not fails at
        once with a `RequestFailedError` that says it was not retried.
        """
        request = self.http.build_request(
            method,
            self.url(path),
            params=params,
            json=json,
            data=data,
            content=content,
            headers={**self.headers(), **(headers or {})},
        )
        name = describe_request(method, request.url)
        may_repeat = is_repeatable(request, repeatable)
        last = "no attempt made"
        asked: float | None = None  # the last Retry-After the platform sent
        refused = 0
        for attempt in range(1, self.policy.max_attempts + 1):
            self._wait_turn()
            self.requests_sent += 1
            try:
                response = self.http.send(request)
            except _RETRIABLE_ERRORS as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if _unknown_host(exc):
                    msg = f"host {request.url.host!r} not found ({exc}): check the base URL {self.base_url}"
                    raise RequestFailedError(msg, request=name) from None
                if isinstance(exc, httpx.ConnectError):
                    refused += 1
                    if refused >= self.policy.connect_attempts:
                        msg = f"cannot connect to {self.base_url} after {refused} attempts; last: {last}"
                        raise RequestFailedError(msg, request=name) from None
                    pause = self.policy.connect_backoff(refused, self._rng)
                    self._retry_later(name, refused, last, pause, self.policy.connect_attempts)
                    continue
                if not may_repeat and not isinstance(exc, _NOT_SENT_ERRORS):
                    raise RequestFailedError(_not_retried(method, last), request=name) from None
                self._retry_later(name, attempt, last, self.policy.backoff(attempt, self._rng))
                continue
            if response.status_code == 429:
                wait = asked = retry_after_seconds(response)
                last = f"429 Too Many Requests (Retry-After: {response.headers.get('Retry-After', 'none')})"
                self._retry_later(
                    name, attempt, last, wait if wait is not None else self.policy.backoff(attempt, self._rng)
                )
                continue
            if response.status_code >= 500:
                last = f"{response.status_code} {response.reason_phrase}"
                if not may_repeat:
                    msg = _not_retried(method, last)
                    raise RequestFailedError(msg, request=name, status=response.status_code)
                wait = asked = retry_after_seconds(response)
                self._retry_later(
                    name, attempt, last, wait if wait is not None else self.policy.backoff(attempt, self._rng)
                )
                continue
            if response.status_code >= 400:
                msg = f"{response.status_code} {response.reason_phrase}: {_excerpt(response)}"
                fatal = FatalAPIError(msg, request=name, status=response.status_code)
                fatal.body = response.content
                raise fatal
            trouble = self.problem(response)
            if trouble is not None:
                last = trouble
                self._retry_later(name, attempt, last, self.policy.backoff(attempt, self._rng))
                continue
            self.observe(response)
            return response
        msg = f"gave up after {self.policy.max_attempts} attempts; last: {last}"
        failed = RequestFailedError(msg, request=name)
        failed.retry_after = asked
        raise failed

    def _retry_later(self, name: str, attempt: int, what: str, wait: float, of: int | None = None) -> None:
        self.hold_off(wait)
        attempts = of or self.policy.max_attempts
        if attempt < attempts:
            log.info("%s: %s; attempt %d of %d in %.2fs", name, what, attempt + 1, attempts, wait)


def _not_retried(method: str, what: str) -> str:
    return f"{what}; not retried: the server may have acted on this {method} already"


def _excerpt(response: httpx.Response, limit: int = 300) -> str:
    text = response.text.strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- reading answers and wording failures -------------------------------------------------------------


def refuse_redirect(response: httpx.Response, name: str, advice: str) -> None:
    """A `FatalAPIError` for a redirect, naming where it points (secret parameters masked).

    Clients never follow redirects (the credentials would go along to wherever it points), so a
    redirect is a misconfigured base URL: `advice` says what to use instead.
    """
    if response.is_redirect:
        target = describe_request("", response.headers.get("Location", "")).strip()
        msg = f"{response.status_code} {response.reason_phrase} to {target}: {advice}"
        raise FatalAPIError(msg, request=name, status=response.status_code)


def json_document(response: httpx.Response, *, redirect_advice: str) -> t.Any:
    """The JSON body, or a `FatalAPIError` naming the request (a redirect, a login page, a proxy's HTML).

    A 2xx that is not JSON is final: retrying would fetch the same page of HTML again.
    """
    name = describe_request(response.request.method, response.request.url)
    refuse_redirect(response, name, redirect_advice)
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        kind = response.headers.get("Content-Type", "no Content-Type")
        msg = f"the answer is not JSON ({kind}): {_one_line(response.text)}"
        raise FatalAPIError(msg, request=name, status=response.status_code) from None


def reason(exc: APIError) -> str:
    """The message of `exc` without the request prefix `APIError` adds."""
    text = str(exc)
    prefix = f"{exc.request}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def mask_secrets(exc: APIError, secrets: t.Iterable[str | None], message: str | None = None) -> APIError:
    """`exc` again (same class, request and status), with `message` instead of its own when given,
    and every secret the server may have echoed in its answer masked (unset secrets are skipped)."""
    text = reason(exc) if message is None else message
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return type(exc)(text, request=exc.request, status=exc.status)


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
