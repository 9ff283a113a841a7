"""Secret: prints as *** in every form, compares without leaking, refuses to travel."""

from __future__ import annotations

import copy
import json
import logging
import pickle
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fabric_action.secrets import MASK, Secret

PLAIN = "correct-horse-battery-staple"


def test_repr_str_and_formatting_show_only_the_mask() -> None:
    secret = Secret(PLAIN)

    rendered = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret!s}",
        "%s %r" % (secret, secret),  # noqa: UP031 - the old style must mask too
        "{}".format(secret),  # noqa: UP032 - str.format must mask too
        repr([secret]),
        repr({"key": secret}),
    ]

    assert rendered[:5] == [MASK] * 5
    assert all(PLAIN not in text for text in rendered)
    assert rendered[5] == "*** ***"


@pytest.mark.parametrize("spec", ["", ">10", "<5", "^9", "*^11", "s"])
def test_format_specs_apply_to_the_mask(spec: str) -> None:
    assert format(Secret(PLAIN), spec) == format(MASK, spec)


def test_format_spec_for_numbers_fails_without_revealing() -> None:
    with pytest.raises(ValueError) as caught:
        format(Secret("12345"), "d")

    assert "12345" not in str(caught.value)


def test_reveal_returns_the_value() -> None:
    assert Secret(PLAIN).reveal() == PLAIN


def test_equality_is_between_secrets_only() -> None:
    same, other = Secret(PLAIN), Secret("something-else")

    assert Secret(PLAIN) == same
    assert Secret(PLAIN) != other
    assert Secret(PLAIN) != PLAIN
    assert PLAIN != Secret(PLAIN)  # noqa: SIM300 - the reflected comparison is the point
    assert hash(Secret(PLAIN)) == hash(same)
    assert len({Secret(PLAIN), same, other}) == 2


def test_failed_assertion_message_does_not_leak() -> None:
    mine, theirs = Secret(PLAIN), Secret("different")

    with pytest.raises(AssertionError) as caught:
        assert mine == theirs

    assert PLAIN not in str(caught.value)
    assert "different" not in str(caught.value)


def test_pickling_is_refused_and_copies_are_the_same_object() -> None:
    secret = Secret(PLAIN)

    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(secret, protocol=protocol)
    assert copy.copy(secret) is secret
    assert copy.deepcopy({"k": secret})["k"] is secret


def test_no_instance_dict_and_json_refuses_it() -> None:
    secret = Secret(PLAIN)

    with pytest.raises(TypeError):
        vars(secret)
    with pytest.raises(TypeError) as caught:
        json.dumps({"password": secret})
    assert PLAIN not in str(caught.value)
    assert json.dumps({"password": secret}, default=str) == '{"password": "***"}'


def test_dataclass_holding_a_secret_prints_the_mask() -> None:
    @dataclass
    class Connection:
        user: str
        password: Secret

    assert repr(Connection("svc", Secret(PLAIN))).endswith("Connection(user='svc', password=***)")


def test_logging_shows_the_mask(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("password is %s / %r", Secret(PLAIN), Secret(PLAIN))

    assert caplog.messages == ["password is *** / ***"]


def test_truthiness_and_type_check() -> None:
    assert Secret("x")
    assert not Secret("")
    with pytest.raises(TypeError, match="holds a str"):
        Secret(b"bytes")  # type: ignore[arg-type]


@given(st.text(min_size=4).filter(lambda text: "*" not in text))
def test_no_rendering_contains_any_value(value: str) -> None:
    secret = Secret(value)

    for text in (repr(secret), str(secret), f"{secret}", f"{secret:>20}", repr([secret])):
        assert value not in text
