"""What the uvloop-suite gate (run_suite.py) leaves out or lets differ, each with its reason.

EXCLUDED_MODULES: modules of uvloop's tests/ whose UV classes test uvloop itself rather than the
asyncio loop contract; they are not run.

ALLOWED_DIFFERENCES: tests that pass on uvloop and may fail on nixloop. Only two kinds of reason
are accepted: nixloop keeps stdlib asyncio's behaviour where uvloop departs from it (the entry
says what stdlib does), or the test reads a uvloop internal. A hang or crash is never allowed.
"""

EXCLUDED_MODULES = {
    'test_cython': "uvloop's Cython-coroutine integration (uvloop._testbase's compiled helpers)",
    'test_libuv_api': "uvloop's C capsule API (uvloop.loop.libuv_get_loop_t_ptr/version)",
    'test_fs_event': "uvloop's private loop._monitor_fs file-watch API",
    'test_dealloc': "runs a program that imports uvloop and checks uvloop's own __dealloc__ "
                    "output in a child process",
}

ALLOWED_DIFFERENCES = {
}
