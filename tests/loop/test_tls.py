"""TLS on every loop kind: create_connection/create_server/create_unix_* with ssl=, streams,
start_tls, handshake failures. A throw-away self-signed certificate is made with openssl."""
import asyncio
import os
import shutil
import ssl
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which('openssl') is None,
                                reason='the openssl command makes the test certificate')


@pytest.fixture(scope='module')
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp('tls')
    certfile, keyfile = str(d / 'cert.pem'), str(d / 'key.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
                    '-keyout', keyfile, '-out', certfile, '-subj', '/CN=localhost',
                    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
                   check=True, capture_output=True, timeout=60)
    return certfile, keyfile


def contexts(cert):
    certfile, keyfile = cert
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(certfile, keyfile)
    client = ssl.create_default_context(cafile=certfile)
    return server, client


def run(loop, coro, timeout=30):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


async def echo_server(loop, server_ctx, **kw):
    return await loop.create_server(Echo, '127.0.0.1', 0, ssl=server_ctx, **kw)


def test_streams_round_trip(loop, cert, no_fd_leak):
    server_ctx, client_ctx = contexts(cert)

    async def main():
        async def handle(reader, writer):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
            writer.close()
            await writer.wait_closed()

        server = await asyncio.start_server(handle, '127.0.0.1', 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection('127.0.0.1', port, ssl=client_ctx,
                                                       server_hostname='localhost')
        tls = writer.get_extra_info('ssl_object')
        assert tls is not None and tls.version().startswith('TLS')
        assert writer.get_extra_info('peercert')['subject'] == ((('commonName', 'localhost'),),)
        payload = os.urandom(1 << 20)
        writer.write(payload)
        await writer.drain()
        assert await reader.readexactly(len(payload)) == payload
        writer.write_eof() if writer.can_write_eof() else None
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
    run(loop, main())


def test_protocol_and_server_hostname_default(loop, cert, no_fd_leak):
    server_ctx, client_ctx = contexts(cert)

    class Client(asyncio.Protocol):
        def __init__(self):
            self.events = []
            self.got = bytearray()
            self.lost = loop.create_future()

        def connection_made(self, transport):
            self.events.append('made')

        def data_received(self, data):
            self.got += data

        def eof_received(self):
            self.events.append('eof')

        def connection_lost(self, exc):
            self.events.append(('lost', exc))
            self.lost.set_result(None)

    async def main():
        server = await echo_server(loop, server_ctx)
        port = server.sockets[0].getsockname()[1]
        # server_hostname defaults to host: 'localhost' matches the certificate
        tr, pr = await loop.create_connection(Client, 'localhost', port, ssl=client_ctx)
        assert pr.events == ['made']
        tr.write(b'hello over tls')
        while len(pr.got) < 14:
            await asyncio.sleep(0.01)
        assert bytes(pr.got) == b'hello over tls'
        tr.close()
        await pr.lost
        assert pr.events[-1] == ('lost', None)
        server.close()
        await server.wait_closed()
    run(loop, main())


def test_unix_tls(loop, cert, tmp_path, no_fd_leak):
    server_ctx, client_ctx = contexts(cert)
    path = str(tmp_path / 's.sock')

    async def main():
        server = await loop.create_unix_server(Echo, path, ssl=server_ctx)
        with pytest.raises(ValueError):
            await loop.create_unix_connection(asyncio.Protocol, path, ssl=client_ctx)
        reader, writer = await asyncio.open_unix_connection(path, ssl=client_ctx,
                                                            server_hostname='localhost')
        writer.write(b'unix and tls')
        assert await reader.readexactly(12) == b'unix and tls'
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
    run(loop, main())


def test_untrusted_certificate_fails_the_handshake(loop, cert, no_fd_leak):
    server_ctx, _ = contexts(cert)
    strict = ssl.create_default_context()        # does not trust the self-signed certificate

    async def main():
        server = await echo_server(loop, server_ctx)
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(ssl.SSLCertVerificationError):
            await loop.create_connection(asyncio.Protocol, '127.0.0.1', port, ssl=strict,
                                         server_hostname='localhost')
        # the server goes on serving
        _, client_ctx = contexts(cert)
        reader, writer = await asyncio.open_connection('127.0.0.1', port, ssl=client_ctx,
                                                       server_hostname='localhost')
        writer.write(b'still there')
        assert await reader.readexactly(11) == b'still there'
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
    run(loop, main())


def test_start_tls_upgrade(loop, cert, no_fd_leak):
    """A plain connection upgraded in place on both sides with loop.start_tls()."""
    server_ctx, client_ctx = contexts(cert)

    class Server(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            self.buf = b''

        def data_received(self, data):
            self.buf += data
            while b'\n' in self.buf:
                line, self.buf = self.buf.split(b'\n', 1)
                if line == b'STARTTLS':
                    self.transport.write(b'OK\n')
                    self.upgrade = loop.create_task(self.upgrade_to_tls())
                else:
                    self.transport.write(line.upper() + b'\n')

        async def upgrade_to_tls(self):
            self.transport = await loop.start_tls(self.transport, self, server_ctx,
                                                  server_side=True)
            # (the client waits for this before it sends: start_tls() returns after the
            # handshake, and data could otherwise reach data_received() before it returned)
            self.transport.write(b'READY\n')

    class Client(asyncio.Protocol):
        def __init__(self):
            self.lines = asyncio.Queue()
            self.buf = b''

        def data_received(self, data):
            self.buf += data
            while b'\n' in self.buf:
                line, self.buf = self.buf.split(b'\n', 1)
                self.lines.put_nowait(line)

    async def main():
        server = await loop.create_server(Server, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        tr, pr = await loop.create_connection(Client, '127.0.0.1', port)
        assert tr.get_extra_info('ssl_object') is None
        tr.write(b'STARTTLS\n')
        assert await pr.lines.get() == b'OK'
        tls = await loop.start_tls(tr, pr, client_ctx, server_hostname='localhost')
        assert tls.get_extra_info('ssl_object') is not None
        assert await pr.lines.get() == b'READY'
        tls.write(b'secret\n')
        assert await pr.lines.get() == b'SECRET'
        tls.close()
        server.close()
        await server.wait_closed()
    run(loop, main())


def test_tls_argument_errors(loop, cert, no_fd_leak):
    server_ctx, client_ctx = contexts(cert)

    async def main():
        with pytest.raises(ValueError):
            await loop.create_connection(asyncio.Protocol, '127.0.0.1', 1,
                                         server_hostname='x')
        with pytest.raises(ValueError):
            await loop.create_connection(asyncio.Protocol, '127.0.0.1', 1,
                                         ssl_handshake_timeout=1)
        with pytest.raises(TypeError):
            await loop.create_server(asyncio.Protocol, '127.0.0.1', 0, ssl=True)
    run(loop, main())


def test_start_tls_refuses_a_non_context(loop, cert, no_fd_leak):
    async def main():
        server = await loop.create_server(asyncio.Protocol, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        tr, pr = await loop.create_connection(asyncio.Protocol, '127.0.0.1', port)
        with pytest.raises(TypeError):
            await loop.start_tls(tr, pr, object())
        tr.close()
        server.close()
        await server.wait_closed()
    run(loop, main())
