"""The trace inspector (issue 19): what the IdP did with each push challenge and recovery flow.

Recording is installed only when tracing is on (test mode, or ``IDP_TRACE=1``): it wraps the
push broker and adds request hooks to the device API and the recovery pages
(:mod:`idp.trace.install`), so a production start pays nothing on the push hot path, not even a
boolean check. Events go to the ``trace_event`` table (:mod:`idp.trace.store`), shared by every
worker and instance; :mod:`idp.trace.timeline` merges them with the challenge row, the flow row
and the audit trail into the timeline that ``idp trace`` and ``/_dev/trace/<id>`` show.
"""

__all__: list[str] = []
