"""Tenants, API keys with roles, web sessions."""
