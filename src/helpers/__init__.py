"""Integrationsmonitor Kreis Kleve helpers."""
