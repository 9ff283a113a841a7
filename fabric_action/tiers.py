"""The tier of an environment: one definition for config (rules) and secrets (sources).

Config decides an environment's tier and the rules that follow from it; the
SecretManager decides where a secret may come from by the same tier. Both import it
from here, so neither package has to import the other.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import ConfigError


class Tier(StrEnum):
    """The rules an environment runs under, and where its secrets may come from."""

    LOCAL = "local"
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


def parse_tier(tier: object) -> Tier:
    """Return the tier named by ``tier`` (a str or an enum of str values, case-insensitive).

    Raises:
        ConfigError: The name is not local, dev, test or prod.
    """
    name = str(getattr(tier, "value", tier))
    try:
        return Tier(name.lower())
    except ValueError:
        raise ConfigError(
            f"unknown tier {name!r}: use one of {', '.join(t.value for t in Tier)}"
        ) from None
