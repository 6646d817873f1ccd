import { type JWTPayload, createRemoteJWKSet, jwtVerify } from 'jose'

export interface ExternalIdpSettings {
  jwksUrl: string
  issuer: string
  audience: string
  partnerClaim: string
  scopeClaim: string
  algorithms: string[]
}

export interface ExternalIdentity { subject: string, partnerId: number, scopes: unknown }

/** A claim by dotted path (`hub.partner_id`), as IdPs often nest custom claims. */
function claim (payload: JWTPayload, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), payload)
}

/**
 * Tokens of an external identity provider (a customer portal's IdP, say): verified against its JWKS
 * (fetched and cached by jose, refetched on an unknown kid), its issuer and our audience, then mapped
 * to an Odoo commercial partner and scopes through configured claims.
 */
export class ExternalIdp {
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>

  constructor (readonly settings: ExternalIdpSettings) {
    this.#jwks = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 })
  }

  get issuer (): string { return this.settings.issuer }

  async verify (token: string): Promise<ExternalIdentity> {
    const { payload } = await jwtVerify(token, this.#jwks, {
      issuer: this.settings.issuer, audience: this.settings.audience, algorithms: this.settings.algorithms, requiredClaims: ['exp', 'sub']
    })
    const raw = claim(payload, this.settings.partnerClaim)
    const partnerId = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN
    if (!Number.isInteger(partnerId) || partnerId <= 0) throw new Error(`claim ${this.settings.partnerClaim} is not an Odoo partner id`)
    return { subject: payload.sub!, partnerId, scopes: claim(payload, this.settings.scopeClaim) }
  }
}
