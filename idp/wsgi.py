"""WSGI entry point for gunicorn (``idp serve`` execs gunicorn with ``idp.wsgi:app``)."""

from idp import create_app
from idp.service_log import configure_service_log
from idp.users.password_jobs import start_runner

configure_service_log()
app = create_app()
# Background propagation of new passwords (seed 001's "Veuillez patienter"); jobs are in the
# database, so every worker may run this loop: each job is claimed exactly once.
start_runner(app, app.extensions["idp.clock"].now)
