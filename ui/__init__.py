"""Rendering helpers for the Streamlit chat app (app.py stays thin)."""
