"""JupyterHub linked to the LMS.

- :mod:`lms.hub.oauth`: the LMS as the hub's OAuth2 provider (Authlib; authorization code with
  S256 PKCE, one registered client, single-use codes) and the userinfo the hub reads;
- :mod:`lms.hub.client`: the hub's REST API, called with the LMS's service token, and a learner's
  server, called with a token minted for it alone (docs/security.md);
- :mod:`lms.hub.services`: launching, following and stopping a person's notebook server; the answer
  to the hub's spawn check; ending a deactivated person's hub access;
- :mod:`lms.hub.views` and :mod:`lms.hub.api`: the pages and the ``/api/v1/courses/<slug>/notebook``
  endpoints over those services, and ``/api/v1/hub/spawn-checks`` (the hub's own credential);
- :mod:`lms.hub.spawn_gate`: the hub side (loaded by ``jupyterhub_config.py`` by file path, no Flask):
  the hook that asks the LMS before every start;
- :mod:`lms.hub.handlers`: deactivation ends hub access (listens to ``user_deactivated``).
"""
