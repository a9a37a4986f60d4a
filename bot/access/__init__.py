"""Who is calling the API or the console, what their role allows, and the record of what they changed.

Callers are people (a local account or a WeCom member signed in with WeCom) or bank systems (API keys).
Every request under ``/api/`` and ``/console/`` gets a :class:`~bot.access.roles.Principal` from
:mod:`bot.access.middleware`; handlers ask :func:`~bot.access.roles.allowed` before they act.
"""
