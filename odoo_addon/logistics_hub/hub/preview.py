"""What people may see of a message: the envelope with every secret-looking value masked."""
import json
import re

# Keys whose values are credentials whatever the partner calls them (api_token, X-Signature, ...).
SECRET_KEY_RE = re.compile(r"secret|token|password|passwd|authorization|signature|api[_-]?key", re.IGNORECASE)
# Values that are credentials whatever key holds them: Standard Webhooks secrets, bearer tokens.
SECRET_VALUE_RE = re.compile(r"^(whsec_|Bearer\s)", re.IGNORECASE)
MASK = "***"


def mask_secrets(value):
    """A copy of ``value`` (JSON-like) with secret keys and secret-looking strings replaced by ``***``."""
    if isinstance(value, dict):
        return {
            key: MASK if isinstance(key, str) and SECRET_KEY_RE.search(key) and value[key] not in (None, "")
            else mask_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [mask_secrets(item) for item in value]
    if isinstance(value, str) and SECRET_VALUE_RE.match(value):
        return MASK
    return value


def masked_json(value):
    """``value`` masked and pretty-printed, as shown in timelines and exception previews."""
    return json.dumps(mask_secrets(value), indent=2, ensure_ascii=False, sort_keys=False)
