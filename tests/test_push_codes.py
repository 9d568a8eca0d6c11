"""Each push wire error code is spelled once (``shared.push_codes``); the IdP and the app each
map exactly that set on their own side."""

from __future__ import annotations

from authenticator_app.core import idp_errors
from authenticator_app.core.catalog import MESSAGES
from idp.push.errors import PushError
from shared import push_codes
from shared.errors import ERROR_CODES
from shared.push_codes import PUSH_ERROR_CODES


def _subclasses(cls: type) -> list[type]:
    found, todo = [], [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_each_constant_is_its_own_name() -> None:
    constants = {
        name: value
        for name, value in vars(push_codes).items()
        if name.isupper() and name != "PUSH_ERROR_CODES"
    }
    assert all(value == name.lower() for name, value in constants.items())
    assert set(constants.values()) == PUSH_ERROR_CODES
    assert set(push_codes.__all__) == set(constants) | {"PUSH_ERROR_CODES"}


def test_the_idp_maps_exactly_the_shared_codes() -> None:
    classes = [cls for cls in _subclasses(PushError) if cls.__module__ == "idp.push.errors"]
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes)), "two IdP classes share a code"
    assert set(codes) == PUSH_ERROR_CODES


def test_the_app_maps_exactly_the_shared_codes() -> None:
    assert set(idp_errors.IDP_ERRORS) == PUSH_ERROR_CODES
    for code, cls in idp_errors.IDP_ERRORS.items():
        assert cls.code == code
        assert isinstance(idp_errors.idp_error(code, "x", status=400), cls)


def test_the_app_has_a_sentence_for_each_code() -> None:
    assert MESSAGES.keys() >= PUSH_ERROR_CODES


def test_push_codes_and_protocol_codes_do_not_overlap() -> None:
    assert not PUSH_ERROR_CODES & set(ERROR_CODES)
