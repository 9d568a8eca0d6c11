"""Live translation in kv rules: ``text: tr._("Changer de mot de passe")``.

``tr`` is a Kivy :class:`~kivy.event.Observable`: kv binds every rule that reads ``tr._`` to it,
and switching the language (:class:`authenticator_app.i18n.Translator.set_language`) re-evaluates
those rules. Rules of widgets that are gone are dropped when they fail to update.
"""

from __future__ import annotations

from typing import Any

from kivy.event import Observable

from authenticator_app.i18n import Translator

__all__ = ["KvTranslator", "tr"]


class KvTranslator(Observable):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self._translator = Translator()
        self._unsubscribe = self._translator.subscribe(self._changed)
        self._rules: dict[int, tuple[Any, tuple[Any, ...]]] = {}
        self._next_uid = 1

    @property
    def translator(self) -> Translator:
        return self._translator

    def use(self, translator: Translator) -> None:
        """Follow ``translator`` (the app's) from now on, and re-evaluate every rule."""
        self._unsubscribe()
        self._translator = translator
        self._unsubscribe = translator.subscribe(self._changed)
        self._changed(translator.language)

    def _(self, text: str) -> str:
        return self._translator.gettext(text)

    def fbind(self, name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        if name != "_":
            return super().fbind(name, func, *args, **kwargs)
        uid = self._next_uid
        self._next_uid += 1
        self._rules[uid] = (func, args)
        return uid

    def funbind(self, name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        if name != "_":
            return super().funbind(name, func, *args, **kwargs)
        for uid, rule in self._rules.copy().items():
            if rule == (func, args):
                del self._rules[uid]
        return None

    def unbind_uid(self, name: str, uid: int) -> Any:
        if name != "_":
            return super().unbind_uid(name, uid)
        self._rules.pop(uid, None)
        return None

    def _changed(self, _language: str) -> None:
        # ``dict.copy`` takes the snapshot without allocating per item. ``list(d.items())`` makes a
        # tuple per rule, and an allocation may run the garbage collector, whose weakref callbacks
        # (kv's destructor of a dead widget's rules) call ``unbind_uid`` in mid-iteration.
        for uid, (func, args) in self._rules.copy().items():
            try:
                func(*args, None, None)
            except ReferenceError:  # the widget of that rule is gone
                self._rules.pop(uid, None)


tr = KvTranslator()
