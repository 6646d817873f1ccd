/**
 * What a person may see of text a partner (or anyone calling a hook) sent us: partner answers shown
 * in Odoo beside each delivery attempt, bodies of refused callbacks. Such text can echo credentials
 * (a misbehaving partner returning our Authorization header, a callback carrying its API key), so
 * secret-looking values are masked before the text is cut and before it leaves the sidecar.
 */

/**
 * Words that make a key's value a credential; the same words as SECRET_KEY_RE of the addon's
 * hub/preview.py, which masks the messages Odoo shows (test/sidecar/mask.test.ts keeps them equal).
 */
export const SECRET_KEY_WORDS = 'secret|token|password|passwd|authorization|signature|api[_-]?key'

const MASK = '***'

/** Longest text scanned for secrets; only its start is ever kept, so a secret past it cannot show. */
const SCAN_LIMIT = 8192

const VALUE_PATTERNS: Array<[RegExp, string]> = [
  // Standard Webhooks secrets and HTTP credentials wherever they appear
  [/whsec_[A-Za-z0-9+/=_-]+/g, MASK],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${MASK}`],
  // JSON Web Tokens (header.payload.signature, the header always starts with {" = eyJ)
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, MASK],
  // JSON members whose key names a credential: "api_key": "abc" -> "api_key": "***"
  [new RegExp(`("[^"]*(?:${SECRET_KEY_WORDS})[^"]*"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1"${MASK}"`],
  // key=value / key: value outside JSON (forms, query strings, header dumps, YAML)
  [new RegExp(`\\b([\\w-]*(?:${SECRET_KEY_WORDS})[\\w-]*\\s*[=:]\\s*)("[^"]*"|'[^']*'|[^\\s&,;"']+)`, 'gi'), `$1${MASK}`]
]

/** `text` with credentials masked: the `known` secrets verbatim (e.g. the connector's), then anything secret-looking. */
export function maskSecrets (text: string, known: Array<string | null | undefined> = []): string {
  let masked = text
  for (const secret of known) {
    // short strings would mask ordinary words; connector secrets are long
    if (!secret || secret.length < 8) continue
    masked = masked.split(secret).join(MASK)
    const bare = secret.replace(/^whsec_/, '')
    if (bare !== secret && bare.length >= 8) masked = masked.split(bare).join(MASK)
  }
  for (const [pattern, replacement] of VALUE_PATTERNS) masked = masked.replace(pattern, replacement)
  return masked
}

/**
 * The start of `text`, masked, at most `max` characters (an ellipsis marks a cut), or null when there
 * is nothing to show. Masking runs before the cut, so a secret is never kept half.
 */
export function maskedExcerpt (text: string | null | undefined, max: number, known: Array<string | null | undefined> = []): string | null {
  if (!text) return null
  const masked = maskSecrets(text.slice(0, SCAN_LIMIT), known).replace(/\s+/g, ' ').trim()
  if (!masked) return null
  return masked.length > max ? `${masked.slice(0, max - 1)}…` : masked
}
