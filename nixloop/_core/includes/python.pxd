from cpython.object cimport PyObject, PyTypeObject
from .system cimport iovec
# CPython C-API declarations that Cython's bundled includes lack.
cdef extern from "Python.h":
    int PyContext_Enter(object ctx) except -1
    int PyContext_Exit(object ctx) except -1
    object PyContext_CopyCurrent()
    int PyErr_CheckSignals() except -1
    unsigned long PyThread_get_thread_ident()
    object PyObject_CallNoArgs(object func)
    object PyObject_CallOneArg(object func, object arg)

cdef extern from "includes/compat.h" nogil:
    void nl_gil_release(int* sleeping)
    void nl_gil_acquire()
    int nl_gil_is_released()
    unsigned int nl_count_handles(void* loop, unsigned int limit)
    bint nl_loop_is_bare(void* loop, unsigned int own)
    bint nl_gc_reachable_elsewhere(object o, Py_ssize_t own_refs)
    void nl_gc_track_ctx(PyObject* ctx)

cdef extern from "Python.h":
    void PyObject_GC_Track(object o)
    void PyObject_GC_UnTrack(object o)

cdef extern from "includes/compat.h":
    int nl_context_enter(object ctx) noexcept
    int nl_context_enter_io(object ctx) noexcept
    void nl_context_exit(object ctx) noexcept
    object nl_rx_bytes(PyObject** slot, const char* data, Py_ssize_t n)
    void nl_rx_bytes_clear(PyObject** slot)
    char* nl_rx_target(PyObject* b, size_t* len)
    object nl_rx_read(PyObject** slot, const char* base, Py_ssize_t n, int* reused)
    int nl_rx_iov(PyObject* b, iovec* iov, char* buf, size_t cap)
    object nl_rx_gather(PyObject** slot, const iovec* iov, int iovcnt, Py_ssize_t n)
    object nl_install_fastcall(PyTypeObject* type, const char* name, void* fn, const char* doc)
    object nl_vectorcall_with_self(object func, object self, PyObject** args, Py_ssize_t nargs,
                                   PyObject* kwnames)
    # The same as nl_rx_read, for a caller that checks for NULL itself.
    PyObject* nl_rx_read_ref "nl_rx_read" (PyObject** slot, const char* base, Py_ssize_t n,
                                           int* reused)
    int nl_call_one(PyObject* f, PyObject* arg) noexcept
    int nl_call_two(PyObject* f, PyObject* arg1, PyObject* arg2) noexcept
    object nl_take_raised()
    Py_ssize_t nl_deque_len(PyObject* d) noexcept
    bint nl_addr_eq(const void* a, const void* b, size_t n) noexcept
    int nl_addr_bucket(const void* a, size_t n) noexcept

cdef extern from "Python.h":
    # PyList_SetSlice(list, low, high, NULL) deletes the slice without making a slice object.
    int list_del_slice "PyList_SetSlice" (object lst, Py_ssize_t low, Py_ssize_t high,
                                          void* itemlist) except -1
