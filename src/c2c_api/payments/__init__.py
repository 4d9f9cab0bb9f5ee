"""Payments: the provider interface, the sandbox provider, provider webhooks, the fee schedule."""
