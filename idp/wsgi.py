"""WSGI entry point for gunicorn (``idp serve`` execs gunicorn with ``idp.wsgi:app``)."""

from idp import create_app

app = create_app()
