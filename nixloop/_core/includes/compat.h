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

#endif
