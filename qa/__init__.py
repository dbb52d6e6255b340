"""The read path: load a published index, retrieve, extract verbatim answers, cite, evaluate."""
