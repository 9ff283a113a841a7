"""Build the client stack of a run from the config and the process environment.

The cloud is chosen by ``FABRIC_ACTION_CLOUD``: unset or ``public`` is Microsoft's public
cloud; ``emulator:<base_url>`` is a local fabric_emulator (Entra, Fabric and Graph on
``base_url``; LRO redirects on ``FABRIC_ACTION_CLOUD_REDIRECT_URL``, default the same
URL; its CA from ``FABRIC_ACTION_CA_BUNDLE``). The emulator is refused in the prod tier.
The client paces itself to ``api.calls_per_minute`` against every cloud, the emulator
included (0 turns the pacing off).

The identity is ``auth``'s: its client secret, else its certificate (checked before any
request, see ``_certificate``), else the CI's federated OIDC token.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from fabric_action._run_secrets import secrets_options_for
from fabric_action.auth import (
    PUBLIC_CLOUD,
    AuthSettings,
    CloudProfile,
    MsalTokenProvider,
    emulator_cloud,
    token_provider_from_settings,
)
from fabric_action.config import EffectiveConfig, resolve_config_secrets
from fabric_action.errors import ConfigError
from fabric_action.fabric import ClientOptions, FabricClient, LroOptions, PipelineOptions
from fabric_action.reliability import BreakerOptions, Clock, RateLimitOptions, SystemClock
from fabric_action.secrets import SecretManager, SecretMasker
from fabric_action.tiers import Tier

from ._certificate import load_certificate

__all__ = ["CLOUD_VARIABLE", "DeploySession", "cloud_from_environ", "open_session"]

CLOUD_VARIABLE = "FABRIC_ACTION_CLOUD"
REDIRECT_VARIABLE = "FABRIC_ACTION_CLOUD_REDIRECT_URL"
CA_BUNDLE_VARIABLE = "FABRIC_ACTION_CA_BUNDLE"
LRO_TIMEOUT_S = 900.0
"""Longest wait for one long-running operation (an Environment publish included)."""


def cloud_from_environ(environ: Mapping[str, str], tier: Tier) -> CloudProfile:
    """Return the cloud profile ``FABRIC_ACTION_CLOUD`` selects (see the module docstring).

    Raises:
        ConfigError: An unknown value, or the emulator in the prod tier.
    """
    value = environ.get(CLOUD_VARIABLE, "").strip()
    if value in ("", "public"):
        return PUBLIC_CLOUD
    if not value.startswith("emulator:"):
        raise ConfigError(f"{CLOUD_VARIABLE}={value!r}: use 'public' or 'emulator:<base_url>'")
    if tier is Tier.PROD:
        raise ConfigError(
            f"{CLOUD_VARIABLE}: the emulator cannot be the cloud of a prod environment"
        )
    base_url = value.removeprefix("emulator:")
    ca_bundle = environ.get(CA_BUNDLE_VARIABLE) or None
    try:
        return emulator_cloud(
            base_url,
            environ.get(REDIRECT_VARIABLE) or base_url,
            ca_bundle_path=ca_bundle,
            allow_http=base_url.startswith("http:"),
        )
    except ValueError as exc:
        raise ConfigError(f"{CLOUD_VARIABLE}: {exc}") from exc


@dataclass(kw_only=True)
class DeploySession:
    """The client stack of one run (close it when done).

    Attributes:
        config: The configuration, secrets resolved.
        client: The Fabric client.
        clock: The clock every wait and duration is measured on.
        cloud: The cloud profile in use.
    """

    config: EffectiveConfig
    client: FabricClient
    clock: Clock
    cloud: CloudProfile

    def close(self) -> None:
        """Close the client."""
        self.client.close()


def _pipeline_options(config: EffectiveConfig, cloud: CloudProfile) -> PipelineOptions:
    """Return the client stack's options: the tier's breaker, the flags, the call quota."""
    options = PipelineOptions()
    breaker = BreakerOptions.prod() if config.environment.tier is Tier.PROD else options.breaker
    if not config.flags.enable_circuit_breaker:
        breaker = dataclasses.replace(breaker, enabled=False)
    retry = (
        options.retry
        if config.flags.enable_retry
        else dataclasses.replace(options.retry, enabled=False)
    )
    calls_per_minute = config.api.calls_per_minute
    rate_limit = (
        RateLimitOptions(calls_per_minute=calls_per_minute)
        if calls_per_minute
        else RateLimitOptions(enabled=False)  # 0: no pacing, 429 + Retry-After only
    )
    transport = dataclasses.replace(options.transport, ca_bundle_path=cloud.ca_bundle_path)
    return dataclasses.replace(
        options, breaker=breaker, retry=retry, rate_limit=rate_limit, transport=transport
    )


def _token_provider(
    config: EffectiveConfig,
    environ: Mapping[str, str],
    *,
    cloud: CloudProfile,
    clock: Clock,
    mask: Callable[[str], None] | None,
) -> MsalTokenProvider:
    """Return the token provider of ``auth``: its secret, its certificate, else CI OIDC."""
    auth = config.auth
    if auth.certificate is not None:
        loaded = load_certificate(config, now_s=clock.now())
        print(f"fabric-action: {loaded.notice}", file=sys.stderr, flush=True)
        if loaded.warning:
            print(f"fabric-action: warning: {loaded.warning}", file=sys.stderr, flush=True)
        return MsalTokenProvider(
            loaded.credential, profile=cloud, clock=clock, environ=environ, mask=mask
        )
    settings = AuthSettings(
        tenant_id=auth.tenant_id,
        client_id=auth.client_id,
        client_secret=auth.client_secret.require().reveal() if auth.client_secret else "",
    )
    return token_provider_from_settings(settings, environ, profile=cloud, clock=clock, mask=mask)


def open_session(
    config: EffectiveConfig,
    environ: Mapping[str, str],
    *,
    masker: SecretMasker,
    mask: Callable[[str], None] | None,
    dotenv_path: Path | None,
    clock: Clock | None = None,
) -> DeploySession:
    """Resolve the config's secrets, authenticate, and build the Fabric client.

    Raises:
        ConfigError: Secrets or the cloud selection are wrong.
        AuthError: No credential could be built (for ``auth.certificate``: the secret's
            PEM is encrypted, incomplete or mismatched, or the certificate is expired).
    """
    clock = clock or SystemClock()
    cloud = cloud_from_environ(environ, config.environment.tier)
    options = secrets_options_for(config, dotenv_path=dotenv_path, offline=False)
    with SecretManager(options, masker=masker) as manager:
        config = resolve_config_secrets(config, manager)
    tokens = _token_provider(config, environ, cloud=cloud, clock=clock, mask=mask)
    client = FabricClient.for_cloud(
        cloud,
        tokens,
        pipeline_options=_pipeline_options(config, cloud),
        options=ClientOptions(lro=LroOptions(timeout_s=LRO_TIMEOUT_S)),
        clock=clock,
    )
    return DeploySession(config=config, client=client, clock=clock, cloud=cloud)
