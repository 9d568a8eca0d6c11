"""The push tests share the device API's fixtures (a signed-in browser, an enrolled device)."""

from tests.idp.device_api.conftest import browser, device, make_uri  # noqa: F401 - fixtures
