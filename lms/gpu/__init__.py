"""GPU time: durable usage sessions reported by the hub, monthly quotas, and the usage report.

- :mod:`lms.gpu.models`: :class:`GpuUsageSession` (one server from start to stop) and :class:`GpuQuota`
  (per organisation or per course, overriding the defaults in the settings);
- :mod:`lms.gpu.services`: recording the hub's start/stop events, the quota check before a launch,
  the report;
- :mod:`lms.gpu.reporter`: the hub side (loaded by ``jupyterhub_config.py`` by file path, no Flask):
  spawn/stop hooks that write each event to a spool folder first and deliver it to the LMS;
- :mod:`lms.gpu.api`: ``POST /api/v1/hub/usage-events`` (the hub's own credential, ``LMS_HUB_REPORT_TOKEN``);
- :mod:`lms.gpu.views`: the administrator's report with CSV export; :mod:`lms.gpu.cli`: the same on
  the command line, and quota settings;
- :mod:`lms.gpu.notebook`: the landing notebook that tells a learner whether a GPU is visible.
"""
