"""A Starlette app answering the loop it runs on."""
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from loopinfo import describe


async def home(request):
    return JSONResponse(describe())


app = Starlette(routes=[Route('/', home)])
