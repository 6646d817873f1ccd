import type { Plan } from './pool.ts'

/**
 * The gateway's token signing keys, in a schema the sidecar owns (Odoo never touches hub_sidecar.*).
 * private_jwk is null for a key supplied through HUB_JWT_PRIVATE_KEY: only its public half is kept, so
 * tokens it signed stay verifiable after the operator replaces it.
 */
export const lockKeys: Plan = { text: "SELECT pg_advisory_xact_lock(hashtext('hub_sidecar.jwt_key'))", values: [] }

export const createKeyTable: Plan = {
  text: `CREATE TABLE IF NOT EXISTS hub_sidecar.jwt_key (
    kid varchar PRIMARY KEY,
    private_jwk jsonb,
    public_jwk jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz
  )`,
  values: []
}

export const currentKey: Plan = {
  text: `SELECT kid, private_jwk, public_jwk, created_at FROM hub_sidecar.jwt_key
         WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1`,
  values: []
}

export function insertKey (kid: string, privateJwk: object | null, publicJwk: object): Plan {
  return {
    text: `INSERT INTO hub_sidecar.jwt_key (kid, private_jwk, public_jwk) VALUES ($1, $2, $3)
           ON CONFLICT (kid) DO UPDATE SET retired_at = NULL`,
    values: [kid, privateJwk === null ? null : JSON.stringify(privateJwk), JSON.stringify(publicJwk)]
  }
}

/** Makes `kid` the only current key; the others keep verifying until they leave the published window. */
export function retireOtherKeys (kid: string): Plan {
  return { text: 'UPDATE hub_sidecar.jwt_key SET retired_at = now() WHERE kid <> $1 AND retired_at IS NULL', values: [kid] }
}

/** Keys whose tokens may still be alive: current ones, and retired ones within `graceSeconds`. */
export function publishedKeys (graceSeconds: number): Plan {
  return {
    text: `SELECT kid, public_jwk FROM hub_sidecar.jwt_key
           WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)
           ORDER BY created_at DESC, kid`,
    values: [graceSeconds]
  }
}
