/* Small C helpers shared by the Cython modules. */
#ifndef NIXLOOP_COMPAT_H
#define NIXLOOP_COMPAT_H
#include <Python.h>
#include "uv.h"

/* setup.py passes the minimum libuv version (vendor/build_libuv.py MIN_VERSION); this catches
 * headers older than the version pkg-config reported. */
#if defined(NL_LIBUV_MIN_HEX) && UV_VERSION_HEX < NL_LIBUV_MIN_HEX
#error "these uv.h headers are older than the libuv nixloop needs (MIN_VERSION in vendor/build_libuv.py)"
#endif

/* The loop holds the GIL while libuv runs its phases and gives it up only around the blocking
 * poll: the prepare callback (the last phase before the poll) saves the thread state here, and
 * the first callback after the poll takes the GIL back. A thread runs at most one loop at a
 * time, so one slot per thread is enough. */
static __thread PyThreadState *nl_released_tstate = NULL;

static inline void nl_gil_release(void) {
    if (nl_released_tstate == NULL) {
        nl_released_tstate = PyEval_SaveThread();
    }
}

static inline void nl_gil_acquire(void) {
    PyThreadState *t = nl_released_tstate;
    if (t != NULL) {
        nl_released_tstate = NULL;
        PyEval_RestoreThread(t);
    }
}

static inline int nl_gil_is_released(void) { return nl_released_tstate != NULL; }

/* contextvars: a handle's or transport's callbacks run in its context (asyncio's rule: a
 * transport's protocol callbacks run in the context current when it was made). Entering costs two
 * pointer swaps (PyContext_Enter/Exit), but a context cannot be entered twice: when it is the
 * thread's current one already (a callback that runs from inside another callback of the same
 * object, e.g. pause_writing() from a write() in data_received()), it is not entered again.
 * Returns 1 when entered (leave with nl_context_exit), 0 when not: ctx is None, current already,
 * or entered further up the stack (the callback then runs in the current context). */
static inline int nl_context_enter(PyObject *ctx) {
    if (ctx == Py_None || PyThreadState_Get()->context == ctx) {
        return 0;
    }
    if (PyContext_Enter(ctx) < 0) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* The same for a libuv callback of a handle: the loop calls it at the top of its stack, where the
 * handle's context is never current, so the check is left to PyContext_Enter (which refuses a
 * context that is entered: the callback then runs in the current one, as above). Saves the
 * PyThreadState_Get() call, ~20 instructions per read (callgrind). */
static inline int nl_context_enter_io(PyObject *ctx) {
    if (ctx == Py_None) {
        return 0;
    }
    if (PyContext_Enter(ctx) < 0) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

static inline void nl_context_exit(PyObject *ctx) {
    if (PyContext_Exit(ctx) < 0) {
        PyErr_Clear();
    }
}

#endif
