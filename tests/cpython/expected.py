"""The allowed differences of the CPython test_asyncio gate (test_cpython_suite.py), per Python.

The gate runs every module of the running Python's own test.test_asyncio with nixloop swapped in
(run_suite.py, swap.py). Every test must pass except those listed here, each with its reason.
Only three kinds of reason are allowed:

* ``internal``: the test reads, calls or mock-patches an attribute of asyncio's own loop classes
  or of the modules they are written in (``asyncio.base_events.socket``, ``loop._run_once``,
  ``loop._signal_handlers``, ...). nixloop is a different implementation of the same public
  contract; with the patch not reaching it, the test measures nothing about the contract.
* ``pending``: a real nixloop difference that another piece of work fixes (issue 14's other
  items, issue 15); /work's coordination note lists them, and the entry goes when the fix lands
  (the gate then reports the test as "unexpectedly passing").
* ``harness``: the test checks what run_suite.py itself changes to put nixloop in (swap.py).

`not_run(py)` lists the tests that are not run at all: internal tests that, with the patch not
reaching nixloop, would wait on a real network operation the patch was there to replace.

A test that fails on nixloop and is not listed fails the gate, unless it fails on stdlib's own
loop too on this machine (the gate re-runs it there: then it is not a nixloop difference).
"""
from __future__ import annotations

P = 'test.test_asyncio.'
BE = P + 'test_base_events.BaseEventLoopWithSelectorTests.'
EV = P + 'test_events.LoopUnderTestEventLoopTests.'
SIG = P + 'test_unix_events.SelectorEventLoopSignalTests.'
USF = P + 'test_unix_events.SelectorEventLoopUnixSockSendfileTests.'
UNS = P + 'test_unix_events.SelectorEventLoopUnixSocketTests.'

ALL = ((3, 10), (3, 11), (3, 12), (3, 13))

# -- reasons -------------------------------------------------------------------------------------

PATCH_SOCKET = ('internal: patches asyncio.base_events.socket (the socket module as seen by '
                'asyncio\'s loop) with a mock; nixloop\'s create_connection/create_server/'
                'create_datagram_endpoint/sock_connect use real sockets, so the mock\'s scripted '
                'results and recorded calls never happen')
PATCH_SOCKET_HANGS = (PATCH_SOCKET + '; it also mocks loop._add_reader/_add_writer, so nixloop '
                      'waits for a real connection to an unroutable or closed address: not run')
ACCEPT = 'internal: calls BaseSelectorEventLoop._accept_connection directly'
MAKE_SSL = ('internal: mocks loop._make_ssl_transport and reads what it was called with; '
            'nixloop wraps its stream transport in asyncio\'s SSLProtocol itself')
SOCK_ATTR = ('internal: reads transport._sock (the socket object inside asyncio\'s selector '
             'transports); nixloop\'s transports keep the socket in libuv\'s handle '
             '(get_extra_info(\'socket\') is the public way and works)')
LOGGER = ('internal: patches asyncio.base_events.logger (one module\'s name for asyncio\'s '
          'logger); nixloop logs slow callbacks to the same "asyncio" logger object directly')
MULTI_HOSTS = ('internal: patches asyncio.base_events.socket and mocks loop._start_serving/'
               '_stop_serving to fake two bound sockets; nixloop binds real sockets')
STOP_SERVING = 'internal: calls loop._stop_serving(sock), a BaseSelectorEventLoop method'
RUN_ONCE = ('internal: counts calls of BaseEventLoop._run_once; nixloop\'s iteration is libuv\'s '
            'uv_run, not a Python method')
SENDFILE_NATIVE = ('internal: replaces loop._sendfile_native, BaseEventLoop\'s hook for a '
                   'transport\'s zero-copy path; nixloop\'s stream transports declare asyncio\'s '
                   'FALLBACK sendfile mode (libuv owns the socket\'s write queue), so '
                   'sendfile(fallback=False) raises RuntimeError, as asyncio does for such '
                   'transports, before any hook')
SIGNAL_MOCK = ('internal: patches asyncio.unix_events.signal or reads/writes '
               'loop._signal_handlers / loop._handle_signal of _UnixSelectorEventLoop; nixloop '
               'installs its handlers through the real signal module (its own tests cover '
               'add/remove_signal_handler on all three loops)')
SOCK_SENDFILE_IMPL = ('internal: calls _UnixSelectorEventLoop._sock_sendfile_native_impl or '
                      'patches asyncio.unix_events.os')
UNIX_SOCKET_MOCK = ('internal: patches asyncio.unix_events.socket with a mock whose bind fails; '
                    'nixloop binds a real socket')


def _internal():
    out = {}
    for name in ('test_create_connection_bluetooth', 'test_create_connection_ipv6_scope',
                 'test_create_connection_multiple_errors',
                 'test_create_connection_multiple_errors_local_addr',
                 'test_create_connection_timeout', 'test_create_datagram_endpoint_cant_bind',
                 'test_create_datagram_endpoint_ip_addr', 'test_create_datagram_endpoint_no_addrinfo',
                 'test_create_datagram_endpoint_nosoreuseport',
                 'test_create_datagram_endpoint_setblk_err',
                 'test_create_datagram_endpoint_socket_err', 'test_create_server_cant_bind',
                 'test_create_server_nosoreuseport', 'test_create_server_soreuseport_only_defined'):
        out[BE + name] = PATCH_SOCKET
    out[BE + 'test_accept_connection_exception'] = ACCEPT
    out[BE + 'test_accept_connection_retry'] = ACCEPT
    out[BE + 'test_create_connection_ssl_server_hostname_default'] = MAKE_SSL
    out[BE + 'test_create_datagram_endpoint_sock_unix'] = SOCK_ATTR
    out[BE + 'test_log_slow_callbacks'] = LOGGER
    out[EV + 'test_create_server_multiple_hosts_ipv4'] = MULTI_HOSTS
    out[EV + 'test_create_server_multiple_hosts_ipv6'] = MULTI_HOSTS
    out[EV + 'test_prompt_cancellation'] = STOP_SERVING
    out[EV + 'test_timeout_rounding'] = RUN_ONCE
    out[P + 'test_sendfile.LoopUnderTestEventLoopTests.test_sendfile_force_unsupported_native'] = (
        SENDFILE_NATIVE)
    for name in ('test_add_signal_handler', 'test_add_signal_handler_install_error',
                 'test_add_signal_handler_install_error2', 'test_add_signal_handler_install_error3',
                 'test_add_signal_handler_setup_error', 'test_close', 'test_close_on_finalizing',
                 'test_handle_signal_cancelled_handler', 'test_handle_signal_no_handler',
                 'test_remove_signal_handler', 'test_remove_signal_handler_2',
                 'test_remove_signal_handler_error', 'test_remove_signal_handler_error2'):
        out[SIG + name] = SIGNAL_MOCK
    for name in ('test_sock_sendfile_blocking_error', 'test_sock_sendfile_cancel1',
                 'test_sock_sendfile_cancel2', 'test_sock_sendfile_exception',
                 'test_sock_sendfile_not_available', 'test_sock_sendfile_os_error_first_call',
                 'test_sock_sendfile_os_error_next_call'):
        out[USF + name] = SOCK_SENDFILE_IMPL
    out[UNS + 'test_create_unix_server_bind_error'] = UNIX_SOCKET_MOCK
    return out


def _pending():
    """Real nixloop differences being fixed elsewhere: (test id, reason, versions). Empty since
    issue 14's items 3 and 6 landed (add_reader/add_writer on a transport's fd, the Unix socket
    file kept on close before 3.13)."""
    return []


def allowed_failures(py):
    """{test id: reason} of the tests allowed to fail on Python `py` (a (major, minor) tuple)."""
    py = tuple(py[:2])
    out = {}
    for test_id, reason in _internal().items():
        if test_id not in not_run(py):
            out[test_id] = reason
    for test_id, reason, versions in _pending():
        if py in versions:
            out[test_id] = reason
    if py == (3, 12):
        for name in ('test_wait_closed_basic', 'test_wait_closed_race'):
            out[P + 'test_server.TestServer2.' + name] = (
                'internal: calls Server._attach()/_detach() with asyncio 3.12\'s private '
                'signature (an active-connection counter); nixloop\'s Server tracks its '
                'transports, with 3.13\'s _attach(transport) (3.13\'s versions of these tests '
                'pass)')
    if py >= (3, 13):
        out[P + 'test_runners.RunTests.test_loop_factory_default_event_loop'] = (
            'harness: asserts that asyncio.EventLoop builds a SelectorEventLoop; swap.py makes '
            'asyncio.EventLoop build the loop under test, so that asyncio.run()/Runner defaults '
            'run on nixloop')
    return out


def not_run(py):
    """{test id: reason} of the tests the gate does not run on Python `py`."""
    return {BE + name: PATCH_SOCKET_HANGS
            for name in ('test_create_connection_ip_addr', 'test_create_connection_no_inet_pton',
                         'test_create_connection_service_name')}
