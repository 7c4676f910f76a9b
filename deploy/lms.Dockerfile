# The LMS image used by deploy/compose.yaml (reference; build from the repository root):
#   docker build -f deploy/lms.Dockerfile -t oqu/lms .
FROM python:3.11-slim
WORKDIR /opt/oqu
COPY . /opt/oqu
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir . \
    && .venv/bin/pybabel compile -d translations
ENV PATH=/opt/oqu/.venv/bin:$PATH
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
