"""A FastAPI app answering the loop it runs on, with a background task and a path parameter."""
import asyncio

from fastapi import FastAPI

from loopinfo import describe

app = FastAPI()


@app.get('/')
async def home():
    return describe()


@app.get('/sleep/{ms}')
async def sleep(ms: int):
    await asyncio.sleep(ms / 1000)
    return {'slept_ms': ms, **describe()}
