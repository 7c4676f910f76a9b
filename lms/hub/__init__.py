"""JupyterHub linked to the LMS.

- :mod:`lms.hub.oauth`: the LMS as the hub's OAuth2 provider (Authlib; authorization code with
  S256 PKCE, one registered client, single-use codes) and the userinfo the hub reads;
- :mod:`lms.hub.client`: the hub's REST API, called with the LMS's service token;
- :mod:`lms.hub.services`: launching, following and stopping a person's notebook server;
- :mod:`lms.hub.views` and :mod:`lms.hub.api`: the pages and the ``/api/v1/courses/<slug>/notebook``
  endpoints over those services.
"""
