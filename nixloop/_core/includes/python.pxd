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
    void nl_gil_release()
    void nl_gil_acquire()
    int nl_gil_is_released()

cdef extern from "includes/compat.h":
    int nl_context_enter(object ctx) noexcept
    int nl_context_enter_io(object ctx) noexcept
    void nl_context_exit(object ctx) noexcept

cdef extern from "Python.h":
    # PyList_SetSlice(list, low, high, NULL) deletes the slice without making a slice object.
    int list_del_slice "PyList_SetSlice" (object lst, Py_ssize_t low, Py_ssize_t high,
                                          void* itemlist) except -1
