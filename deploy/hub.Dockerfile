# The hub image for Zero to JupyterHub (deploy/z2jh-values.yaml): the chart's hub plus Oqu's profile
# table, usage reporter and idle-culler configuration. Build from the repository root:
#   docker build -f deploy/hub.Dockerfile -t registry.example.kz/oqu/hub:2026.11 .
FROM quay.io/jupyterhub/k8s-hub:4.3.1
USER root
RUN python3 -m pip install --no-cache-dir jupyterhub-idle-culler==2.0.0 oauthenticator==17.4.0
COPY lms/profiles.py lms/hub/spawn_gate.py lms/gpu/reporter.py deploy/idle_culler_config.py /usr/local/etc/oqu/
USER ${NB_USER}
