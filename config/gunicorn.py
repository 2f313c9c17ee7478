"""gunicorn's configuration in production (``gunicorn --config python:config.gunicorn config.wsgi``).

Every value comes from the environment (.env.example), with the defaults measured on the 2-core
machine by ``make bench``: 2 processes of 4 threads each served registration faster than 3, 4 or 6
single-threaded processes, or 2 x 2, 2 x 8 or 3 x 3 threads (fewer processes competing with
PostgreSQL for the cores; keep-alive for the field tablets' repeated requests). On a larger web
machine, start from WEB_CONCURRENCY = the number of cores.

The app logs each request itself (agencies/request_log.py, JSON with the request's id), so
gunicorn's own access log stays off; its error log goes to standard error beside the app's lines.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))
backlog = int(os.environ.get("GUNICORN_BACKLOG", "256"))
# A request that takes longer is stuck (the slowest page, a PDF of the joint report, takes about 2 s):
# its worker is replaced, and the load balancer retries elsewhere.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# A worker is replaced after this many requests (with some jitter, so that they are not replaced at
# once): what a slow leak in a library could grow to stays bounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
# Behind our TLS-terminating proxy (DJANGO_BEHIND_PROXY): the addresses whose X-Forwarded-* to trust.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
proc_name = "returns-web"
