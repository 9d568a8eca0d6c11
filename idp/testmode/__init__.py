"""Routes that exist only when IDP_TEST_MODE=1 on a loopback server."""
