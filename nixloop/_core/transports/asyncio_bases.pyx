# The compiled transports are subclasses of asyncio's transport classes for isinstance() and
# issubclass(), as asyncio's own transports are (CPython's test_asyncio checks
# `isinstance(transport, asyncio.Transport)`, and so do libraries).
#
# They cannot simply inherit: a cdef class cannot have a Python class as a base, and a Python
# class cannot have both a cdef class and asyncio.BaseTransport as bases (BaseTransport's
# `__slots__ = ('_extra',)` gives it an instance layout of its own: "multiple bases have instance
# lay-out conflict"). So once the types are ready, asyncio's classes are appended to each
# concrete transport's method resolution order (tp_mro), before `object`:
#   * isinstance()/issubclass() walk tp_mro, so they answer True;
#   * attribute lookup walks it too, and finds nixloop's methods first (they come first); only
#     what nixloop does not define comes from asyncio's classes (writelines(), can_write_eof()
#     on the datagram transports...), as it would for a subclass;
#   * the instance layout, allocation, deallocation and GC come from tp_base and the C slots,
#     which do not change. The one attribute of asyncio's classes that touches the instance
#     layout, the `_extra` slot, is shadowed by TransportBase's own `_extra` (read-only, declared
#     in base.pxd), which comes first: asyncio's slot descriptor is never reached.
# No per-message cost: method lookups go through the type cache as before.
# Included into _loop.pyx after every transport class.

cdef extern from "Python.h":
    ctypedef struct _TypeWithMro "PyTypeObject":
        PyObject* tp_mro
    void _type_modified "PyType_Modified"(_TypeWithMro* tp)


cdef _append_asyncio_bases(type cls, tuple asyncio_classes):
    cdef _TypeWithMro* tp = <_TypeWithMro*><PyObject*>cls
    old = <tuple>tp.tp_mro
    if asyncio_classes[0] in old:
        return
    assert old[-1] is object and '_extra' in TransportBase.__dict__
    # asyncio's classes in the order Python gives a subclass of them all (C3)
    bases = type('_AsyncioBases', asyncio_classes, {'__slots__': ()}).__mro__[1:]
    new = old[:-1] + bases
    Py_INCREF(new)
    tp.tp_mro = <PyObject*>new
    Py_DECREF(old)
    _type_modified(tp)      # drop what the attribute cache knew of the old order


# The stream transports are asyncio.Transport, as asyncio's socket transports. The datagram ones
# are asyncio.Transport too, as asyncio's (its _SelectorDatagramTransport is one on every
# version), and asyncio.DatagramTransport (asyncio's is from 3.12 on).
_append_asyncio_bases(StreamTransport, (asyncio.Transport,))
_append_asyncio_bases(SeqpacketTransport, (asyncio.Transport,))
_append_asyncio_bases(UnixDatagramTransport, (asyncio.Transport, asyncio.DatagramTransport))
_append_asyncio_bases(UDPTransport, (asyncio.Transport, asyncio.DatagramTransport))
