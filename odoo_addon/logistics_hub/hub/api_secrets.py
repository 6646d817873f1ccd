"""Partner API client credentials, framework-neutral.

Client secrets are 32 random bytes (URL-safe base64), so a single SHA-256 is enough to store them:
brute force is hopeless at that entropy, exactly like API tokens. The sidecar recomputes the same hash
and compares in constant time (docs/contract.md, "Gateway").
"""
import hashlib
import secrets

SCOPES = ("orders:read", "shipments:read", "invoices:read", "inventory:read")


def new_client_id():
    return "hub_" + secrets.token_hex(8)


def new_client_secret():
    return secrets.token_urlsafe(32)


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def unknown_scopes(scopes):
    """Scopes of the space-separated ``scopes`` string that the gateway does not know."""
    return [scope for scope in (scopes or "").split() if scope not in SCOPES]
