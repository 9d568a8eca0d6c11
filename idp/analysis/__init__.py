"""The recovery-policy analyzer: who can take an account over with what (issue 19, item 5).

``idp realm analyze SLUG`` and ``/realms/<slug>/analysis`` show ``analyze(preset)``.
"""

from idp.analysis.report import Analysis, analyze, as_dict

__all__ = ["Analysis", "analyze", "as_dict"]
