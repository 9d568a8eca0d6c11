"""OpenID Connect applications in the admin console: list, add, remove (with confirmation).

Routes live on the admin blueprint (imported by the app factory next to it). Every change
goes through ``idp.oidc.clients``, as ``idp client add|list|remove`` and the admin API do,
audited with the admin as actor, the client as target and the reason.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.wrappers import Response

from idp.admin.access import admin_required
from idp.admin.forms import ActionForm, ClientForm
from idp.admin.views import bp
from idp.clock import now
from idp.extensions import db, limiter
from idp.models import OidcClient
from idp.oidc.clients import (
    ClientNotFound,
    InvalidClientMetadata,
    consent_counts,
    find_client,
    list_clients,
    register_client,
    remove_client,
)
from idp.web.client import client_info

__all__ = ["add_client", "clients", "delete_client"]

# InvalidClientMetadata.kind -> the page's words (the CLI prints the English detail).
_URI_ERRORS: dict[str, LazyString] = {
    "not_absolute": _l("« %(uri)s » n'est pas une adresse http(s) complète."),
    "https_required": _l(
        "« %(uri)s » doit utiliser https (http seulement sur 127.0.0.1 ou localhost)."
    ),
    "host": _l("« %(uri)s » : le nom d'hôte n'est pas accepté."),
    "fragment": _l("« %(uri)s » ne doit pas contenir de fragment (#)."),
    "credentials": _l("« %(uri)s » ne doit pas contenir d'identifiant ni de mot de passe."),
    "too_long": _l("Une adresse dépasse 2000 caractères."),
    "no_uri": _l("Indiquez au moins une adresse de retour."),
}
MAX_URIS = 20


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _client_or_404(client_id: str) -> OidcClient:
    client = find_client(g.realm, client_id[:64])
    if client is None:
        abort(404)
    return client


@bp.get("/clients")
@admin_required
def clients(slug: str) -> str:
    return render_template(
        "admin/clients.html",
        clients=list_clients(g.realm),
        consents=consent_counts(g.realm),
        issuer=f"{current_app.config['BASE_URL']}/realms/{g.realm.slug}",
    )


@bp.route("/clients/new", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@admin_required
def add_client(slug: str) -> Response | str:
    form = ClientForm()
    if form.validate_on_submit():
        uris, logout = _lines(form.redirect_uris.data), _lines(form.post_logout_redirect_uris.data)
        if len(uris) > MAX_URIS or len(logout) > MAX_URIS:
            form.redirect_uris.errors = [_("Vingt adresses au plus.")]
        else:
            try:
                done = register_client(
                    g.realm,
                    form.name.data or "",
                    redirect_uris=uris,
                    post_logout_redirect_uris=logout,
                    public=bool(form.public.data),
                    now=now(),
                    actor=g.admin.username,
                    reason=form.reason.data or "",
                    client_info=client_info(),
                )
            except InvalidClientMetadata as exc:
                field = form.redirect_uris
                if exc.uri and exc.uri in logout and exc.uri not in uris:
                    field = form.post_logout_redirect_uris
                if exc.kind == "name":
                    field = form.name
                message = _URI_ERRORS.get(exc.kind, _l("Cette valeur n'est pas acceptée."))
                field.errors = [str(message) % {"uri": exc.uri}]
            else:
                db.session.commit()
                # The secret is shown on this page once; only its SHA-256 is kept.
                return render_template(
                    "admin/client_added.html",
                    client=done.client,
                    secret=done.secret,
                    issuer=f"{current_app.config['BASE_URL']}/realms/{g.realm.slug}",
                )
    return render_template("admin/client_new.html", form=form)


@bp.route("/clients/<client_id>/remove", methods=["GET", "POST"])
@admin_required
def delete_client(slug: str, client_id: str) -> Response | str:
    client = _client_or_404(client_id)
    form = ActionForm()
    if form.validate_on_submit():
        name = client.name
        try:
            remove_client(
                g.realm,
                client.client_id,
                now=now(),
                actor=g.admin.username,
                reason=form.reason.data or "",
                client_info=client_info(),
            )
        except ClientNotFound:  # removed meanwhile (another admin, the CLI)
            abort(404)
        db.session.commit()
        flash(_("L'application « %(name)s » a été supprimée.", name=name), "info")
        return redirect(url_for("admin.clients"))
    return render_template(
        "admin/client_remove.html",
        client=client,
        form=form,
        consents=consent_counts(g.realm).get(client.id, 0),
    )
