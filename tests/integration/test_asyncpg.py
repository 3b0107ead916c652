"""asyncpg on nixloop against a real PostgreSQL 15 (the `postgres` fixture, Unix socket)."""
import asyncio

import pytest

import nixloop

asyncpg = pytest.importorskip('asyncpg')


def test_asyncpg_queries_transactions_copy_and_notify(postgres):
    sock_dir, port, user = postgres

    async def main():
        assert isinstance(asyncio.get_running_loop(), nixloop.Loop)
        conn = await asyncpg.connect(host=sock_dir, port=port, user=user, database='postgres',
                                     timeout=20)
        try:
            await conn.execute('CREATE TEMP TABLE t (id int PRIMARY KEY, name text)')
            await conn.executemany('INSERT INTO t VALUES ($1, $2)',
                                   [(i, f'n{i}') for i in range(100)])
            async with conn.transaction():
                await conn.execute("UPDATE t SET name = 'changed' WHERE id < 10")
            with pytest.raises(asyncpg.UniqueViolationError):
                async with conn.transaction():
                    await conn.execute("INSERT INTO t VALUES (200, 'a')")
                    await conn.execute("INSERT INTO t VALUES (200, 'b')")
            count = await conn.fetchval('SELECT count(*) FROM t')
            changed = await conn.fetchval("SELECT count(*) FROM t WHERE name = 'changed'")
            stmt = await conn.prepare('SELECT name FROM t WHERE id = $1')
            names = [await stmt.fetchval(i) for i in (1, 50)]
            copied = await conn.copy_records_to_table(
                't', records=[(1000 + i, 'copied') for i in range(500)])
            big = await conn.fetchval("SELECT repeat('x', 1000000)")
            # LISTEN/NOTIFY: a notification arrives on the listening connection.
            got = asyncio.get_running_loop().create_future()
            await conn.add_listener('chan', lambda *args: got.set_result(args[-1]))
            other = await asyncpg.connect(host=sock_dir, port=port, user=user,
                                          database='postgres', timeout=20)
            try:
                await other.execute("NOTIFY chan, 'hello'")
            finally:
                await other.close()
            payload = await asyncio.wait_for(got, 10)
            return count, changed, names, copied, len(big), payload
        finally:
            await conn.close()

    assert nixloop.run(main()) == (100, 10, ['changed', 'n50'], 'COPY 500', 1_000_000, 'hello')


def test_asyncpg_pool_concurrent_queries(postgres):
    sock_dir, port, user = postgres

    async def main():
        async with asyncpg.create_pool(host=sock_dir, port=port, user=user,
                                       database='postgres', min_size=2, max_size=5,
                                       timeout=20) as pool:
            async def one(i):
                async with pool.acquire() as conn:
                    return await conn.fetchval('SELECT $1::int * 2 FROM pg_sleep(0.01)', i)
            return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(50))), 60)

    assert nixloop.run(main()) == [i * 2 for i in range(50)]
