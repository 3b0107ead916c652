"""snake_case aliases for Node's camelCase names, made in one place.

The facades use Node's names exactly (``addListener``, ``setNoDelay``,
``isIPv4``); Python users get a snake_case twin of every public camelCase
method or property (``add_listener``, ``set_no_delay``, ``is_ipv4``).  Nothing
here is ever hand-written twice: classes get their aliases from
:func:`snake_aliases` (directly, or through the :class:`SnakeAliases` mixin),
module-level functions from :func:`alias_module`.

Design: an alias is the *same object* as the camelCase attribute (the same
function, property, classmethod or staticmethod object), not a forwarder, so
``Cls.add_listener is Cls.addListener`` and calling an alias costs nothing
extra.  Same-object aliases would miss overrides in subclasses, so the
aliasing is re-applied to every subclass: :class:`SnakeAliases` does it from
``__init_subclass__`` (``EventEmitter`` inherits it, hence every facade class
does), and for a class that does not inherit the mixin, decorate each class
with :func:`snake_aliases`.  For every class it is applied to, the rule is
"the name defined lowest in the hierarchy wins, in both spellings":

* a camelCase attribute defined in the class gets its snake_case alias in the
  same class (so a subclass overriding ``write``-like ``setNoDelay`` also
  rebinds ``set_no_delay``);
* a snake_case attribute defined in the class whose camelCase twin is only
  inherited (a Python user overriding ``set_no_delay``) becomes the camelCase
  name too, so the facade's own internal calls (``self.setNoDelay()``) reach
  the override.

A name already defined in the class itself is never overwritten; inherited
names are shadowed only as described above.  Plain data attributes
(``defaultMaxListeners = 10``) are not aliased: a copy would not follow
assignments to the original.  Cython ``cdef`` classes cannot take new
attributes; alias their Python subclasses instead.
"""

from __future__ import annotations

import re
import types
from typing import Any, Iterable, MutableMapping

__all__ = ["snake_name", "snake_aliases", "alias_module", "SnakeAliases"]

# "IPv4"/"IPv6" are one word in Node's names (isIPv4, IPv6Only); without this
# the generic rules would give "is_i_pv4".
_IPV = re.compile(r"IPv([46])")
_LOWER_UPPER = re.compile(r"([a-z0-9])([A-Z])")
_ACRONYM_WORD = re.compile(r"([A-Z]+)([A-Z][a-z])")

_ALIASABLE = (types.FunctionType, property, classmethod, staticmethod)


def snake_name(name: str) -> str:
    """Return the snake_case spelling of a camelCase ``name``.

    ``addListener`` -> ``add_listener``, ``isIPv4`` -> ``is_ipv4``,
    ``setTTL`` -> ``set_ttl``, ``toJSON`` -> ``to_json``,
    ``ipv6Only`` -> ``ipv6_only``.  A name without capitals is returned as is.
    """
    if name.islower() or not any(c.isupper() for c in name):
        return name
    s = _IPV.sub(r"Ipv\1", name)
    s = _ACRONYM_WORD.sub(r"\1_\2", s)
    s = _LOWER_UPPER.sub(r"\1_\2", s)
    return s.lower()


def _is_camel(name: str) -> bool:
    return (not name.startswith("_")) and name[:1].islower() and snake_name(name) != name


def snake_aliases(cls: type) -> type:
    """Class decorator: add snake_case aliases to ``cls`` (see module doc).

    Only the attributes defined in ``cls.__dict__`` are considered; inherited
    ones already carry their aliases from their own class.  Returns ``cls``.
    """
    own = cls.__dict__
    additions: dict[str, Any] = {}
    for name, value in list(own.items()):
        if not isinstance(value, _ALIASABLE):
            continue
        if _is_camel(name):
            alias = snake_name(name)
            if alias not in own and alias not in additions:
                additions[alias] = value
    # Reverse direction: an override written in snake_case of an inherited
    # camelCase name also becomes the camelCase name in this class.
    for klass in cls.__mro__[1:]:
        for name in list(vars(klass)):
            if not _is_camel(name) or name in own or name in additions:
                continue
            alias = snake_name(name)
            value = own.get(alias)
            if isinstance(value, _ALIASABLE):
                additions[name] = value
    for name, value in additions.items():
        setattr(cls, name, value)
    return cls


class SnakeAliases:
    """Mixin: every subclass gets :func:`snake_aliases` applied automatically.

    The mixin itself adds no attributes and no ``__slots__`` cost beyond an
    empty ``__slots__``.
    """

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        snake_aliases(cls)


def alias_module(namespace: MutableMapping[str, Any], names: Iterable[str] | None = None) -> list[str]:
    """Add snake_case aliases for module-level camelCase callables.

    ``namespace`` is a module's ``globals()``; ``names`` restricts the work to
    those names (default: every public camelCase callable in ``__all__`` if
    the module defines one, else in the namespace).  Aliases are the same
    objects; existing names are never overwritten.  New names are appended to
    ``__all__`` when the module has one.  Returns the aliases added.
    """
    if names is None:
        names = list(namespace.get("__all__", namespace.keys()))
    added = []
    for name in list(names):
        if not _is_camel(name) or name not in namespace:
            continue
        value = namespace[name]
        if not callable(value):
            continue
        alias = snake_name(name)
        if alias in namespace:
            continue
        namespace[alias] = value
        added.append(alias)
    all_list = namespace.get("__all__")
    if isinstance(all_list, list):
        all_list.extend(a for a in added if a not in all_list)
    return added
