"""gunicorn settings for one LMS machine: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Several machines behind a load balancer share PostgreSQL (``LMS_DATABASE_URL``) and Redis
(``LMS_QUEUE_URL``); nothing is kept on the machine itself except logs. Workers are processes
(one database pool each) with a few threads for requests that wait on the hub.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
timeout = 60  # the notebook status endpoint waits on the hub for up to 25 s
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
preload_app = False  # each worker builds its own app (and database pool) after the fork
