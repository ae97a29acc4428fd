"""schemathesis hooks for fuzzing this API (loaded by ``tests.integration.fuzzing``): tus PATCH bodies are bytes."""

from __future__ import annotations

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
