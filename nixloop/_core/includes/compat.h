/* Small C helpers shared by the Cython modules. */
#ifndef NIXLOOP_COMPAT_H
#define NIXLOOP_COMPAT_H
#include <Python.h>
#include "uv.h"
#include <string.h>
#include <stdint.h>
#include <sys/uio.h>

/* setup.py passes the minimum libuv version (vendor/build_libuv.py MIN_VERSION); this catches
 * headers older than the version pkg-config reported. */
#if defined(NL_LIBUV_MIN_HEX) && UV_VERSION_HEX < NL_LIBUV_MIN_HEX
#error "these uv.h headers are older than the libuv nixloop needs (MIN_VERSION in vendor/build_libuv.py)"
#endif

/* The loop holds the GIL while libuv runs its phases and gives it up only around the blocking
 * poll: the prepare callback (the last phase before the poll) saves the thread state here, and
 * the first callback after the poll takes the GIL back. A thread runs at most one loop at a
 * time, so one slot per thread is enough. */
/* glibc: the initial-exec model reads the slots at a fixed offset from the thread pointer instead
 * of calling __tls_get_addr (the general-dynamic model of a dlopen'd module), ~8 instructions
 * each time, ~25 per echo request (callgrind). glibc keeps room for such small variables of
 * modules loaded later; elsewhere (musl) the default model stays. */
#if defined(__GLIBC__)
#define NL_TLS __thread __attribute__((tls_model("initial-exec")))
#else
#define NL_TLS __thread
#endif
static NL_TLS PyThreadState *nl_released_tstate = NULL;
/* The loop's "blocked in the poll" flag (LoopInternals.sleeping): 1 from right before the GIL is
 * given up until it is taken back. Only written and read with the GIL held, so other threads
 * that hold the GIL see it exactly. */
static NL_TLS int *nl_released_flag = NULL;

static inline void nl_gil_release(int *sleeping) {
    if (nl_released_tstate == NULL) {
        *sleeping = 1;
        nl_released_flag = sleeping;
        nl_released_tstate = PyEval_SaveThread();
    }
}

static inline void nl_gil_acquire(void) {
    PyThreadState *t = nl_released_tstate;
    if (t != NULL) {
        nl_released_tstate = NULL;
        PyEval_RestoreThread(t);
        *nl_released_flag = 0;
        nl_released_flag = NULL;
    }
}

static inline int nl_gil_is_released(void) { return nl_released_tstate != NULL; }

/* Handles waiting in a long ready list of a running loop are not tracked by the cyclic GC (the
 * list's owner, the running loop, is not garbage, so no cycle through them can be garbage while
 * they wait), nor is the context the loop copied for one (only the handle holds it). Batches of call_soon_threadsafe()
 * handles otherwise fill generation 0 with handles and contexts that every collection traverses
 * and promotes (threadsafe benchmark: 464 -> 329 ns of CPU per callback, see cbhandle.pyx).
 * When a handle leaves the list it is tracked again, with its context, if anything but the list
 * and the loop's local reference (`own_refs`) holds it or a weak reference to it exists: nothing
 * else can reach it later. When the loop stops, the handles still waiting are tracked again
 * (BaseLoop._track_waiting). */
static inline int nl_gc_reachable_elsewhere(PyObject *o, Py_ssize_t own_refs) {
    Py_ssize_t off = Py_TYPE(o)->tp_weaklistoffset;
    return Py_REFCNT(o) > own_refs || (off > 0 && *(PyObject **)((char *)o + off) != NULL);
}

/* A context must be tracked again before it is freed: CPython's context dealloc unlinks it from
 * the GC's list without checking. Contexts are tracked from their creation on, so an untracked
 * one is always one the loop untracked. */
static inline void nl_gc_track_ctx(PyObject *ctx) {
    if (ctx != NULL && PyContext_CheckExact(ctx) && !PyObject_GC_IsTracked(ctx))
        PyObject_GC_Track(ctx);
}

/* How many handles the loop has (initialised and not yet closed, libuv's own included), counting
 * no further than limit + 1. uv_loop_t's handle_queue is in the public part of uv.h. */
static inline unsigned int nl_count_handles(const uv_loop_t *loop, unsigned int limit) {
    /* A circular list whose links start with the `next` pointer (struct uv__queue, and the
     * void*[2] QUEUE of older libuv releases alike). */
    void *const *head = (void *const *)&loop->handle_queue;
    void *const *q = (void *const *)head[0];
    unsigned int n = 0;
    while (q != head && n <= limit) {
        n++;
        q = (void *const *)q[0];
    }
    return n;
}

/* True when the loop has no handle but the `own` ones it was created with (libuv's and the
 * scheduler's) and no request in flight: then a poll can only report the scheduler's own wake-up
 * fds, so the check phase may run the next round of ready callbacks without polling. */
static inline int nl_loop_is_bare(const uv_loop_t *loop, unsigned int own) {
    return loop->active_reqs.count == 0 && nl_count_handles(loop, own) == own;
}

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

/* A bytes object refilled in place must not keep the hash of its old content (ob_shash is
 * deprecated from 3.13 on but still the cache bytes_hash() reads). */
static inline void nl_bytes_forget_hash(PyObject *b) {
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
    ((PyBytesObject *)b)->ob_shash = -1;
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}

/* The bytes object handed to data_received (and the other read callbacks) for a read of n bytes.
 * The loop keeps the last one it made (between NL_RX_REUSE_MIN and NL_RX_REUSE_MAX bytes) in
 * *slot; when the next read has the same length and nothing but that slot holds the object any
 * more (the consumer parsed it and let go: no list, memoryview, Py_buffer or queued write holds a
 * reference), the object is refilled in place instead of freeing one and allocating another.
 * Nothing can observe the change: no other reference exists, bytes have no weak references and
 * are not tracked by the GC, and the cached hash is reset. Same-sized reads are the rule for
 * echo and request/response protocols. It saves malloc + free of the object, which at 1 KiB
 * (1,057 bytes: above glibc's tcache sizes) cost ~560 of the ~2,300 instructions of an echo
 * request on a saturated server (callgrind, perf/callgrind_echo.py --connections 10). Free-threaded
 * builds count references differently: there every read makes a new object. */
#define NL_RX_REUSE_MIN 2
#define NL_RX_REUSE_MAX 262144  /* the streams' largest read (STREAM_READ_SIZE) */
static inline PyObject *nl_rx_bytes(PyObject **slot, const char *data, Py_ssize_t n) {
    PyObject *b;
#ifndef Py_GIL_DISABLED
    b = *slot;
    if (b != NULL && Py_REFCNT(b) == 1 && PyBytes_GET_SIZE(b) == n) {
        memcpy(PyBytes_AS_STRING(b), data, (size_t)n);
        nl_bytes_forget_hash(b);
        Py_INCREF(b);
        return b;
    }
#endif
    b = PyBytes_FromStringAndSize(data, n);
    if (b == NULL) {
        return NULL;
    }
#ifndef Py_GIL_DISABLED
    if (n >= NL_RX_REUSE_MIN && n <= NL_RX_REUSE_MAX) {
        PyObject *old = *slot;
        Py_INCREF(b);
        *slot = b;
        Py_XDECREF(old);
    }
#endif
    return b;
}

/* Stream reads go one step further: once a stream's last read was served by the kept object
 * (same length twice in a row), its next read goes straight into that object's storage, its
 * length plus the byte of the terminating NUL, so that a read of the same length needs no copy
 * out of the loop's buffer (rloop reads into its bytes objects too). nl_rx_target gives that
 * storage, or NULL when something else holds the object; nl_rx_read then makes the result:
 * the same length is the object itself; any other length is copied into a new object (and the
 * NUL restored), and a full buffer (a longer message) sends the stream back to the loop's
 * buffer, so a change of pattern costs at most one more read. *reused says whether the result
 * is the kept object, of the same length. */
static inline char *nl_rx_target(PyObject *b, size_t *len) {
#ifndef Py_GIL_DISABLED
    if (b != NULL && Py_REFCNT(b) == 1) {
        *len = (size_t)PyBytes_GET_SIZE(b) + 1;
        return PyBytes_AS_STRING(b);
    }
#endif
    return NULL;
}

static inline PyObject *nl_rx_read(PyObject **slot, const char *base, Py_ssize_t n, int *reused) {
    PyObject *b = *slot, *nb;
    Py_ssize_t size;
    if (b == NULL || base != PyBytes_AS_STRING(b)) {
        *reused = b != NULL && Py_REFCNT(b) == 1 && PyBytes_GET_SIZE(b) == n;
        return nl_rx_bytes(slot, base, n);
    }
    size = PyBytes_GET_SIZE(b);
    if (n == size) {
        nl_bytes_forget_hash(b);
        *reused = 1;
        Py_INCREF(b);
        return b;
    }
    *reused = 0;
    nb = PyBytes_FromStringAndSize(base, n);
    PyBytes_AS_STRING(b)[size] = '\0';
    if (nb != NULL && n >= NL_RX_REUSE_MIN && n <= NL_RX_REUSE_MAX) {
        Py_INCREF(nb);
        *slot = nb;
        Py_DECREF(b);
    }
    return nb;
}

/* Message reads (recvmsg on SEQPACKET and datagram sockets) cannot take part of a message now
 * and the rest later, as stream reads do: what does not fit is cut off. So they scatter instead:
 * nl_rx_iov points the first iovec at the kept object's storage (its exact length) and the second
 * at the read buffer, for the rest of the capacity `cap`; a message of the kept length lands in
 * the object itself, no copy; any other is put together from the two parts by nl_rx_gather (one
 * copy, as before). Returns how many iovecs it filled: 2, or 1 (the buffer alone) when something
 * else holds the kept object or it is longer than `cap`. */
static inline int nl_rx_iov(PyObject *b, struct iovec *iov, char *buf, size_t cap) {
#ifndef Py_GIL_DISABLED
    size_t size;
    if (b != NULL && Py_REFCNT(b) == 1 && (size = (size_t)PyBytes_GET_SIZE(b)) <= cap) {
        iov[0].iov_base = PyBytes_AS_STRING(b);
        iov[0].iov_len = size;
        iov[1].iov_base = buf;
        iov[1].iov_len = cap - size;
        return 2;
    }
#endif
    iov[0].iov_base = buf;
    iov[0].iov_len = cap;
    return 1;
}

/* The bytes object for a message of n bytes read into the iovecs nl_rx_iov filled (n <= the
 * capacity). The kept object's storage may have been overwritten even when a new object is
 * returned: nothing else can see it (refcount 1), and it is refilled whole before it is handed
 * out again. */
static inline PyObject *nl_rx_gather(PyObject **slot, const struct iovec *iov, int iovcnt,
                                     Py_ssize_t n) {
    PyObject *b, *nb;
    size_t size, first;
    if (iovcnt == 1) {
        return nl_rx_bytes(slot, (const char *)iov[0].iov_base, n);
    }
    b = *slot;
    size = iov[0].iov_len;
    if ((size_t)n == size) {
        nl_bytes_forget_hash(b);
        Py_INCREF(b);
        return b;
    }
    nb = PyBytes_FromStringAndSize(NULL, n);
    if (nb == NULL) {
        return NULL;
    }
    first = (size_t)n < size ? (size_t)n : size;
    memcpy(PyBytes_AS_STRING(nb), iov[0].iov_base, first);
    if ((size_t)n > first) {
        memcpy(PyBytes_AS_STRING(nb) + first, iov[1].iov_base, (size_t)n - first);
    }
    if (n >= NL_RX_REUSE_MIN && n <= NL_RX_REUSE_MAX) {
        Py_INCREF(nb);
        *slot = nb;
        Py_DECREF(b);
    }
    return nb;
}

/* Replaces the def method `name` that Cython made on `type` with `fn`, a C function called as
 * METH_FASTCALL | METH_KEYWORDS (see fastcall.pyx for why and which). `doc` starts with the text
 * signature. Returns the replaced method (a new reference), through which `fn` hands on every
 * call it does not take itself, or NULL with an exception set. The PyMethodDef must outlive the
 * type: it is allocated once and never freed. */
static inline PyObject *nl_install_fastcall(PyTypeObject *type, const char *name, void *fn,
                                            const char *doc) {
    PyObject *old, *descr;
    PyMethodDef *def;
    old = PyDict_GetItemString(type->tp_dict, name);
    if (old == NULL) {
        PyErr_Format(PyExc_RuntimeError, "%s has no method %s", type->tp_name, name);
        return NULL;
    }
    def = (PyMethodDef *)PyMem_RawCalloc(1, sizeof(PyMethodDef));
    if (def == NULL) {
        return PyErr_NoMemory();
    }
    def->ml_name = name;
    def->ml_meth = (PyCFunction)(void (*)(void))fn;
    def->ml_flags = METH_FASTCALL | METH_KEYWORDS;
    def->ml_doc = doc;
    descr = PyDescr_NewMethod(type, def);
    if (descr == NULL) {
        PyMem_RawFree(def);
        return NULL;
    }
    Py_INCREF(old);
    if (PyDict_SetItemString(type->tp_dict, name, descr) < 0) {
        Py_DECREF(old);
        Py_DECREF(descr);
        return NULL;
    }
    Py_DECREF(descr);
    PyType_Modified(type);
    return old;
}

/* func(self, *args, **kwnames) for a METH_FASTCALL | METH_KEYWORDS method that hands a call on. */
static inline PyObject *nl_vectorcall_with_self(PyObject *func, PyObject *self,
                                                PyObject *const *args, Py_ssize_t nargs,
                                                PyObject *kwnames) {
    Py_ssize_t n = nargs + (kwnames != NULL ? PyTuple_GET_SIZE(kwnames) : 0), i;
    PyObject *small[8];
    PyObject **stack = small;
    PyObject *res;
    if (n + 1 > 8) {
        stack = (PyObject **)PyMem_Malloc((size_t)(n + 1) * sizeof(PyObject *));
        if (stack == NULL) {
            return PyErr_NoMemory();
        }
    }
    stack[0] = self;
    for (i = 0; i < n; i++) {
        stack[i + 1] = args[i];
    }
    res = PyObject_Vectorcall(func, stack, nargs + 1, kwnames);
    if (stack != small) {
        PyMem_Free(stack);
    }
    return res;
}

/* f(arg) and f(arg1, arg2) for a callback the loop calls once per event (a protocol's
 * data_received, a handle's on_read): 0, or -1 with the exception set (nl_take_raised fetches
 * it). A bound method of a function is called as its function with self in front, which is what
 * the method object would do one call further down. stack[0] is the slot for self, the
 * arguments follow, and stack[-1] exists too: the slot that a callee given
 * PY_VECTORCALL_ARGUMENTS_OFFSET may borrow. */
static inline int nl__call_stack(PyObject *f, PyObject **stack, Py_ssize_t nargs) {
    PyObject *res;
    vectorcallfunc vc;
    if (Py_IS_TYPE(f, &PyMethod_Type)) {
        PyObject *func = PyMethod_GET_FUNCTION(f);
        stack[0] = PyMethod_GET_SELF(f);
        vc = PyVectorcall_Function(func);
        res = vc != NULL
            ? vc(func, stack, (size_t)(nargs + 1) | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL)
            : PyObject_Vectorcall(func, stack, (size_t)(nargs + 1), NULL);
    } else {
        res = PyObject_Vectorcall(f, stack + 1, (size_t)nargs | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                  NULL);
    }
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

static inline int nl_call_one(PyObject *f, PyObject *arg) {
    PyObject *stack[3] = {NULL, NULL, arg};
    return nl__call_stack(f, stack + 1, 1);
}

static inline int nl_call_two(PyObject *f, PyObject *arg1, PyObject *arg2) {
    PyObject *stack[4] = {NULL, NULL, arg1, arg2};
    return nl__call_stack(f, stack + 1, 2);
}

/* len() of a collections.deque, or 0 for None: a deque's length is its ob_size (deque_len in
 * Modules/_collectionsmodule.c returns Py_SIZE), read without PyObject_Size's slot lookups
 * (~20 instructions, once per SEQPACKET echo request, callgrind). */
static inline Py_ssize_t nl_deque_len(PyObject *d) {
    return d == Py_None ? 0 : Py_SIZE(d);
}

/* Two socket addresses of n bytes as recvfrom() wrote them are equal: an IPv4 one (16 bytes,
 * sin_zero zeroed by the kernel) is two 8-byte compares instead of a memcmp() call, once per
 * cached sender tried for each UDP datagram received (handles/udp.pyx _sender_name). */
static inline int nl_addr_eq(const void *a, const void *b, size_t n) {
    if (n == 16) {
        uint64_t a0, a1, b0, b1;
        memcpy(&a0, a, 8);
        memcpy(&a1, (const char *)a + 8, 8);
        memcpy(&b0, b, 8);
        memcpy(&b1, (const char *)b + 8, 8);
        return a0 == b0 && a1 == b1;
    }
    return memcmp(a, b, n) == 0;
}

/* A socket address's bucket of 16 (UDP's sender cache, handles/udp.pyx): its port and the last
 * 4 bytes of its host (IPv4 at offset 4, IPv6 at 20), folded. */
static inline int nl_addr_bucket(const void *a, size_t n) {
    uint16_t port;
    uint32_t host = 0, h;
    memcpy(&port, (const char *)a + 2, 2);
    if (n >= 24) {
        memcpy(&host, (const char *)a + 20, 4);
    } else if (n >= 8) {
        memcpy(&host, (const char *)a + 4, 4);
    }
    h = host ^ ((uint32_t)port * 0x9E3779B1u);
    h ^= h >> 16;
    h ^= h >> 8;
    return (int)((h ^ (h >> 4)) & 15);
}

/* The exception being raised, taken out of the thread state (a new reference, its traceback
 * attached), for a caller that checked a C-level result instead of using a try block. */
static inline PyObject *nl_take_raised(void) {
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc = PyErr_GetRaisedException();
#else
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    if (exc != NULL && tb != NULL) {
        PyException_SetTraceback(exc, tb);
    }
    Py_XDECREF(type);
    Py_XDECREF(tb);
#endif
    if (exc == NULL) {
        exc = PyObject_CallNoArgs(PyExc_SystemError);   /* a failure that raised nothing */
    }
    return exc;
}

/* Drops the loop's kept bytes object (nl_rx_bytes) when the loop closes. */
static inline void nl_rx_bytes_clear(PyObject **slot) {
    PyObject *old = *slot;
    *slot = NULL;
    Py_XDECREF(old);
}

#endif
