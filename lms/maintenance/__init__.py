"""Keeping an installation safe: backups and restores (``lms backup``, ``lms restore``)."""
