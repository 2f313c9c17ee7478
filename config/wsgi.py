import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the app, its modules) lives as long as the worker: moving it out
# of the garbage collector's reach makes each full collection much shorter (measured: make bench).
gc.freeze()
