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

_T = 'tests.test_'
_SSL_STDLIB = ("nixloop's TLS is stdlib asyncio's SSLProtocol; uvloop has its own (the test "
               "skips itself on asyncio: ")

ALLOWED_DIFFERENCES = {
    # nixloop keeps stdlib asyncio's behaviour where uvloop departs from it.
    _T + 'signals.Test_UV_Signals.test_signals_no_SIGCHLD':
        'uvloop refuses add_signal_handler(SIGCHLD); stdlib accepts it (nixloop learns child '
        'exits from a pidfd, so SIGCHLD is free for the user)',
    _T + 'tcp.Test_UV_TCP.test_create_server_buffered_1':
        'the protocol is an asyncio.BaseProtocol with get_buffer(): uvloop treats any protocol '
        'with get_buffer as buffered, stdlib only subclasses of asyncio.BufferedProtocol (it '
        'calls data_received)',
    _T + 'tcp.Test_UV_TCP.test_create_server_buffered_2':
        'same as test_create_server_buffered_1: BaseProtocol with get_buffer() is not a '
        'BufferedProtocol for stdlib',
    _T + 'unix.Test_UV_Unix.test_epollhup':
        'same as test_create_server_buffered_1 (BaseProtocol with get_buffer())',
    _T + 'tcp.Test_UV_TCPSSL.test_start_tls_client_buf_proto_1':
        'same as test_create_server_buffered_1 (its first protocol is a BaseProtocol with '
        'get_buffer()); the test skips itself on asyncio',
    _T + 'udp.Test_UV_UDP.test_create_datagram_endpoint_reuse_address_error':
        'reuse_address= was removed from create_datagram_endpoint in Python 3.11 (stdlib: '
        'TypeError); uvloop still takes it; the test skips itself on asyncio 3.11+',
    _T + 'udp.Test_UV_UDP.test_create_datagram_endpoint_reuse_address_warning':
        'same as test_create_datagram_endpoint_reuse_address_error',
    _T + 'udp.Test_UV_UDP.test_udp_sendto_dns':
        'uvloop refuses a host name in DatagramTransport.sendto (ValueError "DNS lookup"); stdlib '
        'passes the address to socket.sendto, which resolves it',
    _T + 'tcp.Test_UV_TCPSSL.test_bpo_39951_discard_trailing_data':
        _SSL_STDLIB + 'bpo-39951, application data after close_notify raises SSLError)',
    _T + 'tcp.Test_UV_TCPSSL.test_first_data_after_wakeup':
        _SSL_STDLIB + "stdlib's start_tls hands application data that arrives with the last "
        "handshake record to the protocol before start_tls() returns the new transport)",
    _T + 'tcp.Test_UV_TCPSSL.test_shutdown_timeout_handler_not_set':
        _SSL_STDLIB + "stdlib's SSLProtocol does not call eof_received() on close_notify "
        "while reading is paused)",
    _T + 'tcp.Test_UV_TCPSSL.test_shutdown_while_pause_reading':
        _SSL_STDLIB + 'same: no eof_received() while paused)',
    _T + 'context.Test_UV_Context.test_create_ssl_server_manual_connection_lost':
        _SSL_STDLIB + "stdlib's SSLProtocol, flushing after close(), hands the application data "
        "it still reads to data_received(); uvloop's drops it. The contexts the test checks "
        "are right)",

    # The test reads a uvloop internal.
    _T + 'tcp.Test_UV_TCPSSL.test_flush_before_shutdown':
        "reads get_extra_info('uvloop.sslproto'), uvloop's own SSL protocol object",
    _T + 'base.TestBaseUV.test_thread_name_prefix_in_default_executor':
        "expects the default executor's threads to be named after the implementation "
        "('uvloop...'); stdlib names them 'asyncio_N'",
    _T + 'process.Test_UV_Process.test_process_double_close':
        "asserts uvloop's exact sequence of os.pipe/os.dup/os.close calls while spawning",
    _T + 'process.Test_UV_Process_Delayed.test_process_delayed_stdio__paused__no_stdin':
        "passes uvloop's private subprocess_exec keyword __uvloop_sleep_after_fork",
    _T + 'process.Test_UV_Process_Delayed.test_process_delayed_stdio__paused__stdin_pipe':
        "passes uvloop's private subprocess_exec keyword __uvloop_sleep_after_fork",
    _T + 'sockets.TestUVSockets.test_socket_sync_remove':
        "reads uvloop's private loop._get_backend_id() (its epoll fd)",
    _T + 'sockets.TestUVSockets.test_pseudosocket':
        "checks uvloop's PseudoSocket (repr naming AF_UNIX, TypeError from every socket "
        "method); nixloop gives asyncio.TransportSocket, as stdlib does",
}
