"""The adapter manifests the sidecar's registry is built from (sidecar/src/adapters/<folder>/manifest.json),
read here from the addon's committed copy ``adapter_manifests.json`` (``npm run build:manifests`` writes it;
Odoo's container mounts only the addon, so the sidecar's folder cannot be relied on). The adapter selection,
which settings the connector form shows and which connectors book shipments all come from this file, so a
new partner system needs no Python edit. Framework-free: no ORM import."""
import functools
import json
from pathlib import Path

MANIFEST_FILE = Path(__file__).with_name("adapter_manifests.json")
REQUIRED_KEYS = ("name", "label", "kind", "capabilities", "settings", "consumes", "emits")


class ManifestError(ValueError):
    """The copy is not what build:manifests writes (edited by hand, or truncated)."""


@functools.cache
def adapter_manifests():
    """Every adapter's manifest, as a tuple of dicts sorted by name (the sidecar checks the shape in full,
    adapters/manifest.ts; this checks what the addon relies on and names the bad field)."""
    adapters = json.loads(MANIFEST_FILE.read_text(encoding="utf-8"))["adapters"]
    for index, manifest in enumerate(adapters):
        missing = [key for key in REQUIRED_KEYS if key not in manifest]
        if missing:
            raise ManifestError(f"{MANIFEST_FILE.name}: adapters[{index}] has no {', '.join(missing)}")
    return tuple(sorted(adapters, key=lambda m: m["name"]))


def manifest_for(name):
    return next((m for m in adapter_manifests() if m["name"] == name), None)


def adapter_selection():
    """hub.connector.adapter's selection: (key, label) by label. Keys are stored in the database and never change."""
    return sorted(((m["name"], m["label"]) for m in adapter_manifests()), key=lambda pair: pair[1].lower())


def adapters_with(capability):
    """Names of the adapters that declare ``capability`` (deliver, book, track, cancel, void, ...)."""
    return tuple(m["name"] for m in adapter_manifests() if capability in m["capabilities"])


def adapter_settings(name):
    """{setting: 'required' | 'optional'} of an adapter; empty for an unknown one."""
    manifest = manifest_for(name)
    return dict(manifest["settings"]) if manifest else {}


def needs_base_url(name):
    return "base_url" in adapter_settings(name)


def consumes(name, event_type):
    """Whether the adapter ``name`` delivers ``event_type`` (its manifest lists it, or ``*``: any routed type)."""
    manifest = manifest_for(name)
    return bool(manifest) and ("*" in manifest["consumes"] or event_type in manifest["consumes"])
