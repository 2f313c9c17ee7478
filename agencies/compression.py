"""A page compressed for a slow link: Brotli when the browser takes it (every current browser does,
over HTTPS and on localhost), gzip otherwise.

For the page a tablet opens first at a border post (the registration page), not for every page:
Django's ``GZipMiddleware`` on every answer broke streamed downloads. Brotli's window spans the whole
page, so a block repeated further apart than gzip's 32 KB (the registration form's member row and
the template for the next member) is sent once. Only for a page that echoes nothing a third party
could choose next to a secret (BREACH): the CSRF token is masked anew in every answer.
"""

import functools
import re

import brotli
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

# Brotli's quality 5: most of the gain of 11 at a small part of its time (a few ms for a 90 KB page).
BROTLI_QUALITY = 5
SMALLEST = 200  # bytes: below this the encoding's own overhead wins
ACCEPTS_BROTLI = re.compile(r"\bbr\b")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def compressed_page(view):
    """Decorate a view whose pages are compressed (``response_compressed``)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return response_compressed(request, view(request, *args, **kwargs))

    return wrapper


def response_compressed(request, response):
    """``response`` compressed as the browser accepts it; unchanged when streamed, small, already
    encoded, or not smaller once compressed."""
    if response.streaming or response.has_header("Content-Encoding") or len(response.content) < SMALLEST:
        return response
    patch_vary_headers(response, ("Accept-Encoding",))
    accepted = request.headers.get("Accept-Encoding", "")
    if ACCEPTS_BROTLI.search(accepted):
        encoding, body = "br", brotli.compress(response.content, quality=BROTLI_QUALITY)
    elif ACCEPTS_GZIP.search(accepted):
        encoding, body = "gzip", compress_string(response.content, max_random_bytes=100)
    else:
        return response
    if len(body) >= len(response.content):
        return response
    response.content = body
    response.headers["Content-Length"] = str(len(body))
    response.headers["Content-Encoding"] = encoding
    # The same page in another encoding is another representation (RFC 9110): its ETag says so.
    if etag := response.get("ETag"):
        response.headers["ETag"] = etag if etag.startswith("W/") else f"W/{etag}"
    return response
