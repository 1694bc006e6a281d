"""Figures → what a reader sees: tables, charts, maps, sentences, citations and notebook payloads."""
