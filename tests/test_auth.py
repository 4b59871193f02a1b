"""Authentication of the DFC endpoint: static tokens and OIDC JWTs, checked over real HTTP.

The OIDC tests run a stand-in issuer on loopback (tests/standin/oidc.py) serving discovery and a
JWKS for keys generated here; statebridge fetches them with httpx exactly as it would from a real
issuer. Time for the key cache is a fake clock handed to the authenticator, so rotation, rate
limits and expiry are checked without sleeping; token lifetimes (`exp`, `nbf`) use the real
clock, as PyJWT does, with margins far wider than the test takes.
"""

from __future__ import annotations

import asyncio
import socket
import time
import typing as t

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from statebridge.errors import AuthUnavailable, ConfigurationError, StatebridgeError, Unauthorized
from statebridge.web import auth
from statebridge.web.auth import Authenticator, Principal
from tests.standin.oidc import SigningKey, StandinIssuer, forge

TOKEN_A = "sb-test-token-aaaaaaaaaaaaaaaa"
TOKEN_B = "sb-test-token-bbbbbbbbbbbbbbbb"
AUDIENCE = "statebridge-dfc"
PLAIN = 'Bearer realm="statebridge"'


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    return {
        "k1": SigningKey.rsa("k1"),
        "k2": SigningKey.rsa("k2"),
        "pss": SigningKey.rsa("pss", alg="PS256"),
        "ec": SigningKey.ec("ec"),
        "ed": SigningKey.ed25519("ed"),
    }


@pytest.fixture
def issuer(keys: dict[str, SigningKey]) -> t.Iterator[StandinIssuer]:
    with StandinIssuer([keys["k1"]]) as standin:
        yield standin


@pytest.fixture
def clock() -> Clock:
    return Clock()


def oidc(
    issuer: StandinIssuer, clock: Clock, *, discovery: bool = False, extra: dict[str, str] | None = None
) -> Authenticator:
    """An authenticator for the stand-in issuer; `extra` adds or overrides environment variables."""
    environ = {auth.ISSUER_VARIABLE: issuer.issuer, auth.AUDIENCE_VARIABLE: AUDIENCE, **(extra or {})}
    if not discovery:
        environ.setdefault(auth.JWKS_URL_VARIABLE, issuer.jwks_url)
    return Authenticator.from_env(environ, clock=clock)


def accept(authenticator: Authenticator, header: str | None) -> Principal | None:
    return asyncio.run(authenticator.authenticate(header))


def refuse(authenticator: Authenticator, header: str | None) -> Unauthorized:
    """The Unauthorized raised for `header`, after checking it shows nothing of the token."""
    with pytest.raises(Unauthorized) as caught:
        asyncio.run(authenticator.authenticate(header))
    exc = caught.value
    secret = (header or "").split()[-1] if (header or "").split() else None
    if secret and len(secret) > 6:
        for text in (str(exc), exc.reason, exc.challenge, repr(exc)):
            assert secret not in text
    assert exc.__cause__ is None  # no PyJWT message rides along in a logged traceback
    assert exc.__context__ is None or exc.__suppress_context__
    return exc


def bearer(token: str) -> str:
    return f"Bearer {token}"


# -- configuration -----------------------------------------------------------------------------


def test_without_configuration_nothing_is_required() -> None:
    authenticator = Authenticator.from_env({})
    assert not authenticator.required
    assert accept(authenticator, None) is None
    assert accept(authenticator, "Bearer whatever-was-sent") is None
    assert "open" in authenticator.describe()


def test_blank_token_variable_counts_as_unset() -> None:
    assert not Authenticator.from_env({auth.TOKENS_VARIABLE: "  "}).required


def test_token_variable_with_only_separators_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=auth.TOKENS_VARIABLE):
        Authenticator.from_env({auth.TOKENS_VARIABLE: " , ,"})


def test_token_with_inner_space_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigurationError, match=rf"{auth.TOKENS_VARIABLE}: entry 2") as caught:
        Authenticator.from_env({auth.TOKENS_VARIABLE: f"{TOKEN_A}, sb-secret half"})
    assert "sb-secret" not in str(caught.value)
    assert TOKEN_A not in str(caught.value)


def test_issuer_without_audience_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match=auth.AUDIENCE_VARIABLE):
        Authenticator.from_env({auth.ISSUER_VARIABLE: "https://id.example.org/realms/dfc"})


@pytest.mark.parametrize("stray", [auth.AUDIENCE_VARIABLE, auth.JWKS_URL_VARIABLE])
def test_oidc_settings_without_issuer_refuse_to_start(stray: str) -> None:
    """Otherwise the operator believes the endpoint protected while it is open."""
    with pytest.raises(ConfigurationError, match=auth.ISSUER_VARIABLE):
        Authenticator.from_env({stray: "https://id.example.org/x"})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        (auth.ISSUER_VARIABLE, "http://id.example.org/realms/dfc"),
        (auth.ISSUER_VARIABLE, "id.example.org"),
        (auth.JWKS_URL_VARIABLE, "http://id.example.org/certs"),
    ],
)
def test_key_urls_must_be_https_off_loopback(variable: str, value: str) -> None:
    environ = {
        auth.ISSUER_VARIABLE: "https://id.example.org/realms/dfc",
        auth.AUDIENCE_VARIABLE: AUDIENCE,
        variable: value,
    }
    with pytest.raises(ConfigurationError, match=variable) as caught:
        Authenticator.from_env(environ)
    assert value not in str(caught.value)


def test_describe_names_methods_not_secrets() -> None:
    environ = {
        auth.TOKENS_VARIABLE: f"{TOKEN_A},{TOKEN_B}",
        auth.ISSUER_VARIABLE: "https://id.example.org/realms/dfc",
        auth.AUDIENCE_VARIABLE: AUDIENCE,
    }
    text = Authenticator.from_env(environ).describe()
    assert "2 static token(s)" in text
    assert "https://id.example.org/realms/dfc" in text
    assert TOKEN_A not in text
    assert TOKEN_B not in text


# -- static tokens -----------------------------------------------------------------------------


@pytest.fixture
def static() -> Authenticator:
    return Authenticator.from_env({auth.TOKENS_VARIABLE: f" {TOKEN_A} ,, {TOKEN_B},"})


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {TOKEN_A}",
        f"bearer {TOKEN_A}",
        f"BEARER {TOKEN_B}",
        f"  Bearer    {TOKEN_A}   ",
        f"Bearer\t{TOKEN_B}",
    ],
)
def test_static_token_is_accepted(static: Authenticator, header: str) -> None:
    assert static.required
    assert accept(static, header) == Principal(subject="token", method="token")


@pytest.mark.parametrize(
    "token",
    [
        "sb-test-token-cccccccccccccccc",
        TOKEN_A[:-1],
        TOKEN_A + "a",
        TOKEN_A.upper(),
        "sb-test-token-ääääääääääääääää",
    ],
)
def test_other_tokens_are_refused(static: Authenticator, token: str) -> None:
    exc = refuse(static, bearer(token))
    assert exc.reason == auth.REJECTED
    assert exc.challenge == f'{PLAIN}, error="invalid_token", error_description="token rejected"'


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header_is_refused_with_a_plain_challenge(static: Authenticator, header: str | None) -> None:
    exc = refuse(static, header)
    assert exc.reason == "missing Authorization header"
    assert exc.challenge == PLAIN  # RFC 6750 §3.1: no error code when no credentials were sent


@pytest.mark.parametrize("header", ["Basic dXNlcjpzYi10ZXN0LXRva2Vu", f"Token {TOKEN_A}", TOKEN_A])
def test_other_schemes_are_refused(static: Authenticator, header: str) -> None:
    exc = refuse(static, header)
    assert exc.reason == "Authorization must be `Bearer <token>`"
    assert exc.challenge == PLAIN
    assert TOKEN_A not in str(exc)


@pytest.mark.parametrize("header", ["Bearer", "Bearer   ", f"Bearer {TOKEN_A} {TOKEN_B}"])
def test_malformed_bearer_is_an_invalid_request(static: Authenticator, header: str) -> None:
    exc = refuse(static, header)
    assert exc.reason == auth.NOT_BEARER
    assert 'error="invalid_request"' in exc.challenge
    assert TOKEN_A not in str(exc)
    assert TOKEN_A not in exc.challenge


def test_absurdly_long_token_is_refused(static: Authenticator) -> None:
    exc = refuse(static, bearer("x" * (auth.MAX_TOKEN_LENGTH + 1)))
    assert exc.reason == "token too long"


def test_errors_are_statebridge_errors() -> None:
    assert issubclass(Unauthorized, StatebridgeError)
    assert issubclass(AuthUnavailable, StatebridgeError)


# -- OIDC: verification ------------------------------------------------------------------------


def test_valid_jwt_is_accepted(issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]) -> None:
    authenticator = oidc(issuer, clock)
    assert authenticator.required
    token = keys["k1"].sign(issuer.claims(AUDIENCE))
    assert accept(authenticator, bearer(token)) == Principal(subject="buyer-7f3a", method="oidc")
    assert accept(authenticator, bearer(token)) is not None
    assert issuer.count("/jwks") == 1  # cached
    assert issuer.count("openid-configuration") == 0  # the JWKS URL was given


def test_audience_list_containing_ours_is_accepted(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    token = keys["k1"].sign(issuer.claims(["another-app", AUDIENCE]))
    assert accept(oidc(issuer, clock), bearer(token)) is not None


def test_discovery_finds_the_keys_when_no_jwks_url_is_set(keys: dict[str, SigningKey], clock: Clock) -> None:
    with StandinIssuer([keys["k1"]], path="/realms/dfc") as issuer:
        authenticator = oidc(issuer, clock, discovery=True)
        token = keys["k1"].sign(issuer.claims(AUDIENCE))
        assert accept(authenticator, bearer(token)) is not None
        assert accept(authenticator, bearer(token)) is not None
        assert issuer.count("/realms/dfc/.well-known/openid-configuration") == 1
        assert issuer.count("/realms/dfc/jwks") == 1


def test_discovery_naming_another_issuer_is_not_trusted(keys: dict[str, SigningKey], clock: Clock) -> None:
    with StandinIssuer([keys["k1"]]) as issuer:
        issuer.issuer_override = "https://evil.example.net"
        token = keys["k1"].sign(issuer.claims(AUDIENCE))
        with pytest.raises(AuthUnavailable) as caught:
            accept(oidc(issuer, clock, discovery=True), bearer(token))
        assert "another issuer" in str(caught.value)
        assert issuer.count("/jwks") == 0


class _Seconds(t.NamedTuple):
    """A claim's time as seconds from the moment the test runs."""

    offset: int


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": _Seconds(-120)}, "token expired"),
        ({"nbf": _Seconds(120)}, "token not yet valid"),
        ({"iat": _Seconds(120)}, "token not yet valid"),
        ({"aud": "another-app"}, "token audience is not statebridge's"),
        ({"aud": ["another-app", "third-app"]}, "token audience is not statebridge's"),
        ({"iss": "https://evil.example.net"}, "token issuer is not the configured one"),
        ({"exp": None}, "token lacks the exp claim"),
        ({"sub": None}, "token lacks the sub claim"),
        ({"sub": ""}, "token lacks the sub claim"),
        ({"aud": None}, "token lacks the aud claim"),
        ({"iss": None}, "token lacks the iss claim"),
    ],
)
def test_invalid_claims_are_refused_with_their_reason(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey], changes: dict[str, t.Any], reason: str
) -> None:
    now = int(time.time())  # when the test runs, not when it was collected (a slow suite ran 37 minutes)
    changes = {k: now + v.offset if isinstance(v, _Seconds) else v for k, v in changes.items()}
    token = keys["k1"].sign(issuer.claims(AUDIENCE, **changes))
    exc = refuse(oidc(issuer, clock), bearer(token))
    assert exc.reason == reason
    assert exc.challenge == f'{PLAIN}, error="invalid_token", error_description="{reason}"'


def test_issuer_must_match_exactly(issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]) -> None:
    token = keys["k1"].sign(issuer.claims(AUDIENCE, iss=issuer.issuer + "/"))
    assert refuse(oidc(issuer, clock), bearer(token)).reason == auth.WRONG_ISSUER


def test_clock_skew_within_leeway_is_tolerated(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    now = int(time.time())
    token = keys["k1"].sign(issuer.claims(AUDIENCE, exp=now - 10, nbf=now + 10, iat=now + 10))
    assert accept(oidc(issuer, clock), bearer(token)) is not None


def test_tampered_payload_is_refused(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    header, _, signature = keys["k1"].sign(issuer.claims(AUDIENCE)).split(".")
    other = keys["k1"].sign(issuer.claims(AUDIENCE, sub="admin")).split(".")[1]
    exc = refuse(oidc(issuer, clock), bearer(f"{header}.{other}.{signature}"))
    assert exc.reason == "token signature does not verify"


def test_unpublished_key_using_a_published_kid_is_refused(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    impostor = SigningKey("k1", "RS256", keys["k2"].private)
    exc = refuse(oidc(issuer, clock), bearer(impostor.sign(issuer.claims(AUDIENCE))))
    assert exc.reason == auth.BAD_SIGNATURE


def test_alg_none_is_refused(issuer: StandinIssuer, clock: Clock) -> None:
    token = forge({"alg": "none", "typ": "JWT", "kid": "k1"}, issuer.claims(AUDIENCE))
    exc = refuse(oidc(issuer, clock), bearer(token))
    assert exc.reason == "token signing algorithm is not accepted"
    assert issuer.count("/jwks") == 0  # refused before any key is looked at


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_keyed_with_the_public_key_is_refused(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey], alg: str
) -> None:
    """The key-confusion forgery: anyone can HMAC with the issuer's *public* key."""
    token = forge(
        {"alg": alg, "typ": "JWT", "kid": "k1"}, issuer.claims(AUDIENCE), hmac_key=keys["k1"].public_pem()
    )
    exc = refuse(oidc(issuer, clock), bearer(token))
    assert exc.reason == auth.BAD_ALGORITHM


def test_hmac_signature_under_an_rsa_header_is_refused(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    token = forge({"alg": "RS256", "kid": "k1"}, issuer.claims(AUDIENCE), hmac_key=keys["k1"].public_pem())
    assert refuse(oidc(issuer, clock), bearer(token)).reason == auth.BAD_SIGNATURE


@pytest.mark.parametrize("name", ["pss", "ec", "ed"])
def test_other_accepted_algorithms(keys: dict[str, SigningKey], clock: Clock, name: str) -> None:
    with StandinIssuer([keys["k1"], keys[name]]) as issuer:
        token = keys[name].sign(issuer.claims(AUDIENCE))
        assert accept(oidc(issuer, clock), bearer(token)) == Principal("buyer-7f3a", "oidc")


def test_key_declaring_its_alg_verifies_only_that_alg(keys: dict[str, SigningKey], clock: Clock) -> None:
    """k1's JWK says RS256: a PS256 token under its kid is refused even though RSA could verify it."""
    pss_with_k1 = SigningKey("k1", "PS256", keys["k1"].private)
    with StandinIssuer([keys["k1"]]) as issuer:
        exc = refuse(oidc(issuer, clock), bearer(pss_with_k1.sign(issuer.claims(AUDIENCE))))
        assert exc.reason == auth.UNKNOWN_KEY
    undeclared = SigningKey("k1", "RS256", keys["k1"].private, declare_alg=False)
    with StandinIssuer([undeclared]) as issuer:
        assert accept(oidc(issuer, clock), bearer(pss_with_k1.sign(issuer.claims(AUDIENCE)))) is not None


def test_rsa_token_cannot_use_an_ec_key(keys: dict[str, SigningKey], clock: Clock) -> None:
    confused = SigningKey("ec", "RS256", keys["k1"].private)
    with StandinIssuer([keys["ec"]]) as issuer:
        exc = refuse(oidc(issuer, clock), bearer(confused.sign(issuer.claims(AUDIENCE))))
        assert exc.reason == auth.UNKNOWN_KEY


def test_token_without_kid_uses_the_only_fitting_key(keys: dict[str, SigningKey], clock: Clock) -> None:
    with StandinIssuer([keys["k1"], keys["ec"]]) as issuer:
        token = jwt.encode(issuer.claims(AUDIENCE), keys["k1"].private, algorithm="RS256")
        assert accept(oidc(issuer, clock), bearer(token)) is not None
    with StandinIssuer([keys["k1"], keys["k2"]]) as issuer:
        token = jwt.encode(issuer.claims(AUDIENCE), keys["k1"].private, algorithm="RS256")
        assert refuse(oidc(issuer, clock), bearer(token)).reason == auth.UNKNOWN_KEY


def test_short_rsa_key_is_refused(clock: Clock) -> None:
    weak = SigningKey.rsa("weak", bits=1024)
    with StandinIssuer([weak]) as issuer:
        with pytest.warns(InsecureKeyLengthWarning):  # PyJWT warns when signing with it, too
            token = weak.sign(issuer.claims(AUDIENCE))
        assert refuse(oidc(issuer, clock), bearer(token)).reason == "the issuer's signing key is too weak"


def test_garbage_is_rejected_without_fetching_keys(issuer: StandinIssuer, clock: Clock) -> None:
    for token in ["not-a-jwt-at-all", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30"]:
        assert refuse(oidc(issuer, clock), bearer(token)).reason == auth.REJECTED
    assert issuer.count("/jwks") == 0


# -- OIDC: keys over time ----------------------------------------------------------------------


def test_unknown_kid_refetches_once_after_rotation(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    authenticator = oidc(issuer, clock)
    assert accept(authenticator, bearer(keys["k1"].sign(issuer.claims(AUDIENCE)))) is not None
    issuer.published = [keys["k1"], keys["k2"]]  # the issuer rotates
    clock.now += auth.MIN_REFETCH
    assert accept(authenticator, bearer(keys["k2"].sign(issuer.claims(AUDIENCE)))) is not None
    assert issuer.count("/jwks") == 2
    assert accept(authenticator, bearer(keys["k2"].sign(issuer.claims(AUDIENCE)))) is not None
    assert issuer.count("/jwks") == 2


def test_unknown_kids_refetch_at_most_once_per_interval(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    authenticator = oidc(issuer, clock)
    assert accept(authenticator, bearer(keys["k1"].sign(issuer.claims(AUDIENCE)))) is not None
    issuer.published = [keys["k1"], keys["k2"]]
    clock.now += 5
    exc = refuse(authenticator, bearer(keys["k2"].sign(issuer.claims(AUDIENCE))))
    assert exc.reason == "unknown signing key"
    assert issuer.count("/jwks") == 1  # fetched 5 s ago: no refetch yet
    clock.now += auth.MIN_REFETCH
    made_up = [
        SigningKey(f"made-up-{n}", "RS256", keys["k2"].private).sign(issuer.claims(AUDIENCE))
        for n in range(20)
    ]
    for token in made_up:
        assert refuse(authenticator, bearer(token)).reason == auth.UNKNOWN_KEY
    assert issuer.count("/jwks") == 2  # one refetch for twenty unknown kids
    assert accept(authenticator, bearer(keys["k2"].sign(issuer.claims(AUDIENCE)))) is not None
    assert issuer.count("/jwks") == 2


def test_concurrent_first_requests_share_one_fetch(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey], caplog: pytest.LogCaptureFixture
) -> None:
    authenticator = oidc(issuer, clock)
    token = keys["k1"].sign(issuer.claims(AUDIENCE))

    async def many() -> list[Principal | None]:
        return await asyncio.gather(*(authenticator.authenticate(bearer(token)) for _ in range(25)))

    assert all(p is not None for p in asyncio.run(many()))
    assert issuer.count("/jwks") == 1
    assert not [r for r in caplog.records if r.levelname == "WARNING"]  # waiters saw fresh keys


def test_keys_are_refetched_after_the_ttl(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    authenticator = oidc(issuer, clock)
    token = keys["k1"].sign(issuer.claims(AUDIENCE))
    assert accept(authenticator, bearer(token)) is not None
    clock.now += auth.JWKS_TTL - 1
    assert accept(authenticator, bearer(token)) is not None
    assert issuer.count("/jwks") == 1
    clock.now += 2
    issuer.published = [keys["k2"]]  # k1 withdrawn: honoured once the cache expires
    assert refuse(authenticator, bearer(token)).reason == auth.UNKNOWN_KEY
    assert issuer.count("/jwks") == 2


def test_unreachable_jwks_is_unavailable_not_unauthorized(clock: Clock, keys: dict[str, SigningKey]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with StandinIssuer([keys["k1"]]) as issuer:
        authenticator = oidc(issuer, clock, extra={auth.JWKS_URL_VARIABLE: f"http://127.0.0.1:{port}/jwks"})
        token = keys["k1"].sign(issuer.claims(AUDIENCE))
    with pytest.raises(AuthUnavailable) as caught:
        accept(authenticator, bearer(token))
    exc = caught.value
    assert exc.reason == "cannot verify tokens now: the token issuer is unreachable"
    assert f"127.0.0.1:{port}/jwks" in str(exc)  # the log says which URL
    assert exc.retry_after == int(auth.MIN_REFETCH)
    assert token not in str(exc)


def test_failing_jwks_is_retried_only_after_the_interval(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    issuer.jwks_status = 503
    authenticator = oidc(issuer, clock)
    token = keys["k1"].sign(issuer.claims(AUDIENCE))
    with pytest.raises(AuthUnavailable, match="answered 503"):
        accept(authenticator, bearer(token))
    clock.now += 10
    with pytest.raises(AuthUnavailable) as caught:
        accept(authenticator, bearer(token))
    assert caught.value.retry_after == 20
    assert issuer.count("/jwks") == 1  # no fetch storm while the issuer is down
    issuer.jwks_status = 200
    clock.now += 20
    assert accept(authenticator, bearer(token)) is not None
    assert issuer.count("/jwks") == 2


def test_expired_keys_serve_for_a_grace_period_while_the_issuer_is_down(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    authenticator = oidc(issuer, clock)
    token = keys["k1"].sign(issuer.claims(AUDIENCE))
    assert accept(authenticator, bearer(token)) is not None
    issuer.jwks_status = 500
    clock.now += auth.JWKS_TTL + 1
    assert accept(authenticator, bearer(token)) is not None
    assert issuer.count("/jwks") == 2
    clock.now += auth.STALE_GRACE
    with pytest.raises(AuthUnavailable):
        accept(authenticator, bearer(token))


def test_rotation_while_the_issuer_is_down_is_unavailable(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    """An unknown kid with the issuer unreachable: the token may be fine, so 503 rather than 401."""
    authenticator = oidc(issuer, clock)
    assert accept(authenticator, bearer(keys["k1"].sign(issuer.claims(AUDIENCE)))) is not None
    issuer.jwks_status = 502
    clock.now += auth.MIN_REFETCH
    with pytest.raises(AuthUnavailable, match="answered 502"):
        accept(authenticator, bearer(keys["k2"].sign(issuer.claims(AUDIENCE))))


# -- both methods ------------------------------------------------------------------------------


def test_static_tokens_and_oidc_together(
    issuer: StandinIssuer, clock: Clock, keys: dict[str, SigningKey]
) -> None:
    authenticator = oidc(issuer, clock, extra={auth.TOKENS_VARIABLE: TOKEN_A})
    assert accept(authenticator, bearer(TOKEN_A)) == Principal("token", "token")
    assert issuer.count("/jwks") == 0  # a static match never touches the issuer
    token = keys["k1"].sign(issuer.claims(AUDIENCE))
    assert accept(authenticator, bearer(token)) == Principal("buyer-7f3a", "oidc")
    assert refuse(authenticator, bearer(TOKEN_B)).reason == auth.REJECTED
    expired = keys["k1"].sign(issuer.claims(AUDIENCE, exp=int(time.time()) - 300))
    assert refuse(authenticator, bearer(expired)).reason == auth.EXPIRED
