# The LMS image used by deploy/compose.yaml (reference; build from the repository root):
#   docker build -f deploy/lms.Dockerfile -t oqu/lms .
FROM python:3.11-slim
WORKDIR /opt/oqu
COPY . /opt/oqu
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir . \
    && .venv/bin/pybabel compile -d translations
# The unprivileged user that runs learners' code during grading (LMS_GRADING_USER).
RUN useradd --system --no-create-home --shell /usr/sbin/nologin oqu-grader
ENV PATH=/opt/oqu/.venv/bin:$PATH
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
