"""The device fixtures, for the fast lane's tests (tests/idp/web/test_fast_lane.py)."""

from tests.idp.device_api.conftest import device, make_uri  # noqa: F401 - fixtures
