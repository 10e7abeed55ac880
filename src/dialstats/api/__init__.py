"""Talking to the call-log API: settings, HTTP, filters, paging, endpoints and the readers."""
