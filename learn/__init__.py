"""The learning side: every learned part fitted on the development myths and scored leave-one-myth-out."""
