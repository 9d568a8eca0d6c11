"""Push-delivery fault injection (issue 19, test mode only).

A tester posts a fault to ``/_dev/faults`` (:mod:`idp.faults.views`) for one device or every
device of a user; :mod:`idp.faults.spec` validates it (stable error codes), :mod:`idp.faults.store`
keeps it in the ``push_fault`` table (so every worker and instance applies it) and
:mod:`idp.trace.install` applies it where delivery happens: the broker (hints), the ``pending``
and ``decisions`` endpoints, and the event stream. Each firing is a trace event.
"""

__all__: list[str] = []
