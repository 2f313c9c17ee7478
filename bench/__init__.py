"""Benchmarks (``make bench``), not tests: loading a million demo people, registering over HTTP, the partner
API, the border counts, the joint report.

Run ``python -m bench``. Figures are printed and written to ``bench-results/``. Environment:

- ``BENCH_PEOPLE`` people to load (default 1,000,000; about 5.4 per household);
- ``BENCH_DATABASE_URL`` the benchmark database, dropped and re-created on each run
  (default ``postgres://postgres@127.0.0.1:5432/returns_bench``); ``BENCH_KEEP_DB=1`` keeps it;
- ``BENCH_CLIENTS`` (8), ``BENCH_WARMUP`` (3 s), ``BENCH_DURATION`` (20 s) for the HTTP load;
- ``BENCH_WORKERS``, ``BENCH_WORKER_CLASS``, ``BENCH_THREADS`` for gunicorn;
- ``BENCH_ONLY`` one part: ``cases``, ``registration``, ``partner`` (a list page and a full sync
  with a partner's key), ``counts`` (the border counts' daily grid of a whole year) or ``report``
  (the joint report of 2025 against hand-written SQL, the worker's memory, the PDF; ``bench.report``);
  ``BENCH_REUSE_DB=1`` reuses a loaded benchmark database;
- ``BENCH_REPORT_PEOPLE`` people in the report's own database (default 3,000,000, a third arriving
  in 2025), ``BENCH_REPORT_DATABASE_URL`` that database (default: the benchmark database's name
  followed by ``_report``), ``BENCH_REPORT_REPEAT`` its timed runs (3).
"""
