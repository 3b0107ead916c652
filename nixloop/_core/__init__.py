"""nixloop's compiled core: one extension module, ``nixloop._core._loop``.

It is built from ``_loop.pyx``, which includes every other ``.pyx`` of this folder, layer by
layer: ``includes/`` (libuv and system-call declarations), ``handles/`` (one class per libuv
handle kind; the only code that owns fds and ``uv_*_t`` structs), ``transports/`` (the asyncio
transports on those handles), then the loop core (``_loop.pyx``: scheduling; ``cbhandle.pyx``,
``timerheap.pyx``), name resolution (``dns.pyx``) and the compiled base of ``nixloop.net.Socket``
(``netsocket.pyx``). See ARCHITECTURE.md at the repository root.
"""
