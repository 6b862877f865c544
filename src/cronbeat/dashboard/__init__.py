"""The web dashboard: server-rendered pages over the same service functions as the REST API.

Pages live in one module per area; `web.py` holds what they share (login, CSRF, rendering).
"""
