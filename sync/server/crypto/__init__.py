"""Encryption at rest: master keys (``master``), data keys kept wrapped beside the data (``records``),
the segment format blobs are stored in (``segments``), and sealing of short fields (``sealing``).

Threat model and the reasons for each choice: SECURITY.md at the root of the repository.
"""
