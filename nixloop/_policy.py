"""nixloop.EventLoopPolicy: an asyncio policy whose loops are nixloop loops."""
import asyncio
import warnings

with warnings.catch_warnings():
    warnings.simplefilter('ignore', DeprecationWarning)
    _Base = getattr(asyncio, 'DefaultEventLoopPolicy', None) or asyncio.events._BaseDefaultEventLoopPolicy


class EventLoopPolicy(_Base):
    """asyncio.set_event_loop_policy(nixloop.EventLoopPolicy()) makes new loops nixloop's."""

    def _loop_factory(self):
        from . import new_event_loop
        return new_event_loop()

    def new_event_loop(self):
        return self._loop_factory()


__all__ = ['EventLoopPolicy']
