"""Shopify credentials as Shopify issues them now: client credentials, rotating refresh tokens, static.

Everything runs against the loopback stand-ins (tests/standin/shopify_oauth.py plugged into the
REST and GraphQL shops): the token endpoint enforces the app's credentials, expiry and rotation,
and the shops accept only the tokens it issued while they live. Time is a `FakeClock` that the
stand-in and the client share, moved forward by the test, never waited for.
"""

from __future__ import annotations

import logging
import threading
import typing as t

import pytest

from statebridge.clients import client_for
from statebridge.clients.oauth_tokens import StaticToken
from statebridge.clients.shopify_auth import (
    CLIENT_SECRET_ENV,
    REFRESH_TOKEN_ENV,
    ShopifyClientCredentials,
    ShopifyRefreshToken,
    shopify_token_source,
)
from statebridge.errors import ConfigurationError, FatalAPIError
from statebridge.platforms.shopify.client_graphql import ShopifyGraphQLClient
from statebridge.platforms.shopify.client_rest import ShopifyRestClient
from statebridge.pull import pull
from statebridge.settings import Settings
from statebridge.store import LATEST, Store

from .standin import shopify, shopify_graphql
from .standin.shopify_oauth import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeClock, OAuthIssuer

CREDENTIALS = Settings(shopify_client_id=CLIENT_ID, shopify_client_secret=CLIENT_SECRET)
PUBLIC_APP = Settings(
    shopify_client_id=CLIENT_ID, shopify_client_secret=CLIENT_SECRET, shopify_refresh_token=REFRESH_TOKEN
)


def _rest(issuer: OAuthIssuer, count: int = 300) -> shopify.StandinShopify:
    return shopify.StandinShopify(shopify.Shop(count=count, bucket_size=1000), oauth=issuer)


def _graphql(issuer: OAuthIssuer, count: int = 30) -> shopify_graphql.StandinShopifyGraphQL:
    return shopify_graphql.StandinShopifyGraphQL(
        shopify_graphql.Shop(count=count, big_every=1000), oauth=issuer
    )


def _orders(client: ShopifyRestClient) -> int:
    return sum(len(page.document["orders"]) for page in client.pages(None))


def _secrets(issuer: OAuthIssuer) -> set[str]:
    """Every credential the test's shop knows of: none may appear in a message or a log record."""
    return {CLIENT_SECRET, REFRESH_TOKEN, *issuer.access, *issuer.refresh, *issuer.retired}


# -- which source the settings ask for ---------------------------------------------------------------


def test_settings_pick_the_token_source() -> None:
    base = "https://pick.example.org"
    assert isinstance(shopify_token_source(base, settings=Settings(shopify_token="shpat_x")), StaticToken)
    picked = shopify_token_source(base, settings=CREDENTIALS)
    assert isinstance(picked, ShopifyClientCredentials)
    assert shopify_token_source(base, settings=CREDENTIALS) is picked, "one source per shop and app"
    assert isinstance(shopify_token_source(base, settings=PUBLIC_APP), ShopifyRefreshToken)
    both = Settings(shopify_token="shpat_x", shopify_client_id=CLIENT_ID, shopify_client_secret=CLIENT_SECRET)
    assert isinstance(shopify_token_source(base, settings=both), ShopifyClientCredentials)
    with pytest.raises(ConfigurationError, match=f"set {CLIENT_SECRET_ENV} in the environment") as caught:
        shopify_token_source(base, settings=Settings(shopify_client_id=CLIENT_ID, shopify_refresh_token="r"))
    assert CLIENT_ID not in str(caught.value)
    with pytest.raises(ConfigurationError, match="set STATEBRIDGE_SHOPIFY_TOKEN in the environment"):
        shopify_token_source(base, settings=Settings())
    read = Settings.from_env(
        {
            "STATEBRIDGE_SHOPIFY_CLIENT_ID": CLIENT_ID,
            "STATEBRIDGE_SHOPIFY_CLIENT_SECRET": CLIENT_SECRET,
            REFRESH_TOKEN_ENV: REFRESH_TOKEN,
        }
    )
    assert read == PUBLIC_APP
    assert CLIENT_SECRET not in repr(read)
    assert REFRESH_TOKEN not in repr(read)


# -- client credentials ------------------------------------------------------------------------------


def test_client_credentials_are_granted_once_and_reused_until_near_expiry() -> None:
    clock = FakeClock()
    issuer = OAuthIssuer(refresh_token=None, clock=clock)
    with _rest(issuer) as shop:
        source = ShopifyClientCredentials(
            shop.base_url, CLIENT_ID, CLIENT_SECRET, settings=CREDENTIALS, clock=clock
        )
        with ShopifyRestClient(shop.base_url, settings=CREDENTIALS, tokens=source) as client:
            assert _orders(client) == 300
            assert issuer.grants == {"client_credentials": 1}, "two pages, one grant"
            clock.advance(issuer.client_credentials_lifetime - 120)  # two minutes left: still used
            assert _orders(client) == 300
            assert issuer.grants["client_credentials"] == 1
            clock.advance(90)  # thirty seconds left: within the margin, renewed before it expires
            assert _orders(client) == 300
            assert issuer.grants["client_credentials"] == 2
            clock.advance(2 * issuer.client_credentials_lifetime)  # long expired: renewed, no 401
            assert _orders(client) == 300
    assert issuer.grants["client_credentials"] == 3
    assert shop.unauthorized == 0
    assert issuer.requests[0]["grant_type"] == "client_credentials"


def test_a_refresh_ahead_renews_only_within_its_window_and_once_between_threads() -> None:
    """What the workers' `refresh_credential` does ten minutes before a token expires."""
    clock = FakeClock()
    issuer = OAuthIssuer(refresh_token=None, clock=clock, delay=0.05)
    with _rest(issuer) as shop:
        source = ShopifyClientCredentials(
            shop.base_url, CLIENT_ID, CLIENT_SECRET, settings=CREDENTIALS, clock=clock
        )
        source.renew_ahead(900)
        assert issuer.grants == {"client_credentials": 1}  # none yet: granted
        clock.advance(issuer.client_credentials_lifetime - 1000)
        source.renew_ahead(900)
        assert issuer.grants == {"client_credentials": 1}  # 1000 s left: outside the window
        clock.advance(200)
        threads = [threading.Thread(target=source.renew_ahead, args=(900,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert issuer.grants == {"client_credentials": 2}  # 800 s left: renewed, once


def test_clients_built_from_the_same_settings_share_one_grant() -> None:
    issuer = OAuthIssuer(refresh_token=None)
    with _rest(issuer, count=10) as shop:
        for _ in range(3):
            with client_for("shopify", shop.base_url, settings=CREDENTIALS) as client:
                assert _orders(t.cast(ShopifyRestClient, client)) == 10
    assert issuer.grants == {"client_credentials": 1}


def test_twenty_threads_needing_a_token_at_once_cause_one_grant() -> None:
    issuer = OAuthIssuer(refresh_token=None, delay=0.05)
    with _rest(issuer, count=1) as shop:
        source = ShopifyClientCredentials(shop.base_url, CLIENT_ID, CLIENT_SECRET, settings=CREDENTIALS)
        barrier = threading.Barrier(20)
        tokens: list[str] = []

        def need() -> None:
            barrier.wait(timeout=30)
            tokens.append(source.token())

        threads = [threading.Thread(target=need) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert len(tokens) == 20
    assert len(set(tokens)) == 1
    assert issuer.grants == {"client_credentials": 1}
    assert issuer.accepts(tokens[0])


def test_wrong_client_credentials_are_a_configuration_error_naming_the_shop() -> None:
    issuer = OAuthIssuer(refresh_token=None)
    with _rest(issuer, count=1) as shop:
        wrong = "shpss_wrong_secret_never_shown"
        settings = Settings(shopify_client_id=CLIENT_ID, shopify_client_secret=wrong)
        client = ShopifyRestClient(shop.base_url, settings=settings, tokens=None)
        with client, pytest.raises(ConfigurationError) as caught:
            _orders(client)
    message = str(caught.value)
    assert shop.base_url in message
    assert "invalid_client" in message
    assert CLIENT_SECRET_ENV in message
    assert wrong not in message
    assert CLIENT_SECRET not in message


# -- rotating refresh tokens -------------------------------------------------------------------------


def test_many_threads_of_a_public_app_rotate_once(tmp_path: t.Any) -> None:
    issuer = OAuthIssuer(delay=0.05)
    with _graphql(issuer) as shop, Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        source = ShopifyRefreshToken(
            shop.base_url, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, settings=PUBLIC_APP, store=store
        )
        barrier = threading.Barrier(20)
        tokens: list[str] = []

        def need() -> None:
            barrier.wait(timeout=30)
            tokens.append(source.token())

        threads = [threading.Thread(target=need) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        stored = store.stored_token("shopify", shop.base_url, CLIENT_ID)
    assert len(set(tokens)) == 1
    assert len(tokens) == 20
    assert issuer.grants == {"refresh_token": 1}
    assert not issuer.refused
    assert stored is not None
    assert stored.access_token == tokens[0]
    assert stored.refresh_token in issuer.refresh, "the rotated refresh token is the one kept"


def _processes(url: str, base_url: str, clock: FakeClock) -> tuple[list[Store], list[ShopifyRefreshToken]]:
    """Two processes' worth of state: a store handle each, a source each, and no lock in common but
    the store's (each source gets its own thread lock, as another process would have)."""
    stores = [Store(url), Store(url)]
    sources = []
    for store in stores:
        source = ShopifyRefreshToken(
            base_url, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, settings=PUBLIC_APP, store=store, clock=clock
        )
        source._lock = threading.Lock()
        sources.append(source)
    return stores, sources


def test_two_processes_rotate_once_and_both_use_the_new_token(store_url: str) -> None:
    clock = FakeClock()
    issuer = OAuthIssuer(clock=clock, delay=0.1)
    with _graphql(issuer) as shop:
        stores, sources = _processes(store_url, shop.base_url, clock)
        try:
            barrier = threading.Barrier(2)
            got: dict[int, str] = {}
            errors: list[BaseException] = []

            def need(number: int) -> None:
                barrier.wait(timeout=30)
                try:
                    got[number] = sources[number].token()
                except BaseException as exc:  # reported by the assertion below
                    errors.append(exc)

            threads = [threading.Thread(target=need, args=(n,)) for n in (0, 1)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not errors, errors
            assert got[0] == got[1], "the second process used the token the first one stored"
            assert issuer.grants == {"refresh_token": 1}
            assert not issuer.refused
            # An hour on, the token expires: one of them rotates again, with the rotated refresh
            # token (the configured one is spent), and the other uses what it stored.
            clock.advance(issuer.offline_lifetime)
            second = sources[1].token()
            assert sources[0].token() == second != got[0]
            assert issuer.grants == {"refresh_token": 2}
            assert not issuer.refused
            # A restart (a new source on the same store) carries on with the stored token.
            more, restarted = _processes(store_url, shop.base_url, clock)
            stores += more
            assert restarted[0].token() == second
            with ShopifyGraphQLClient(shop.base_url, settings=PUBLIC_APP, tokens=restarted[1]) as client:
                assert sum(len(p.document["data"]["orders"]["nodes"]) for p in client.pages(None)) == 30
            assert issuer.grants == {"refresh_token": 2}
        finally:
            for store in stores:
                store.close()


def test_a_spent_refresh_token_is_a_clear_configuration_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    issuer = OAuthIssuer()
    with _graphql(issuer) as shop:
        first = ShopifyRefreshToken(
            shop.base_url, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, settings=PUBLIC_APP
        )
        first.token()
        # Another installation (or a restart without a store) spends the configured token again.
        again = ShopifyRefreshToken(
            shop.base_url, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, settings=PUBLIC_APP
        )
        client = ShopifyGraphQLClient(shop.base_url, settings=PUBLIC_APP, tokens=again)
        with client, pytest.raises(ConfigurationError) as caught:
            list(client.pages(None))
    message = str(caught.value)
    assert shop.base_url in message
    assert "invalid_grant" in message
    assert "re-install the app" in message
    assert REFRESH_TOKEN_ENV in message
    assert issuer.refused == {"invalid_grant": 1}
    assert issuer.grants == {"refresh_token": 1}, "a refused refresh is not sent again"
    leaked = [s for s in _secrets(issuer) if s in message or any(s in r.getMessage() for r in caplog.records)]
    assert not leaked


def test_a_401_renews_once_and_the_request_is_sent_again(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    issuer = OAuthIssuer()
    with _graphql(issuer) as shop:
        source = ShopifyRefreshToken(
            shop.base_url, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, settings=PUBLIC_APP
        )
        with ShopifyGraphQLClient(shop.base_url, settings=PUBLIC_APP, tokens=source) as client:
            assert len(list(client.pages(None))) >= 1
            assert issuer.grants == {"refresh_token": 1}
            issuer.expire_access_tokens()  # revoked before its time: the source cannot know
            assert sum(len(p.document["data"]["orders"]["nodes"]) for p in client.pages(None)) == 30
    assert shop.unauthorized == 1
    assert issuer.grants == {"refresh_token": 2}
    assert any("401 Unauthorized; sending it once more" in r.getMessage() for r in caplog.records)
    leaked = [s for s in _secrets(issuer) if any(s in r.getMessage() for r in caplog.records)]
    assert not leaked


def test_a_static_token_refused_stays_refused_without_a_second_try() -> None:
    issuer = OAuthIssuer(refresh_token=None)
    with _rest(issuer, count=1) as shop:
        static = "shpat_static_token_never_shown"
        client = ShopifyRestClient(shop.base_url, settings=Settings(shopify_token=static))
        with client, pytest.raises(FatalAPIError) as caught:
            _orders(client)
    assert caught.value.status == 401
    assert static not in str(caught.value)
    assert shop.unauthorized == 1
    assert not issuer.grants


def test_a_pull_keeps_the_rotated_refresh_token_in_its_store(tmp_path: t.Any) -> None:
    issuer = OAuthIssuer()
    with _rest(issuer, count=20) as shop, Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        report = pull("shopify", shop.base_url, store, settings=PUBLIC_APP)
        stored = store.stored_token("shopify", shop.base_url, CLIENT_ID)
    assert report.orders == 20
    assert LATEST >= 8
    assert stored is not None
    assert stored.refresh_token in issuer.refresh
    assert issuer.grants == {"refresh_token": 1}
