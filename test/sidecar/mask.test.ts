import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { SECRET_KEY_WORDS, maskSecrets, maskedExcerpt } from '../../sidecar/src/observability/mask.ts'

/** What partner answers and refused callbacks may show in Odoo (sidecar/src/observability/mask.ts). */
describe('masking partner text shown to people', () => {
  it('masks credentials by key, by shape and verbatim', () => {
    const secret = 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ='
    assert.equal(maskSecrets('{"error":"bad","api_key":"k1","nested":{"client_secret":"a\\"b"},"n":1}'),
      '{"error":"bad","api_key":"***","nested":{"client_secret":"***"},"n":1}')
    assert.equal(maskSecrets('Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.c2ln rest'), 'Authorization: *** *** rest')
    assert.equal(maskSecrets('token=abc&page=2 password: "hunter2" ok'), 'token=***&page=2 password: *** ok')
    assert.equal(maskSecrets(`raw ${secret} and bare ${secret.slice(6)}`, [secret]), 'raw *** and bare ***')
    assert.equal(maskSecrets('jwt eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig'), 'jwt ***')
  })

  it('cuts after masking, so a secret is never kept half', () => {
    const secret = 'whsec_abcdefghijklmnopqrstuvwxyz012345'
    const text = `${'a'.repeat(20)} ${secret}`
    assert.equal(maskedExcerpt(text, 30, [secret]), `${'a'.repeat(20)} ***`)
    assert.equal(maskedExcerpt('x'.repeat(50), 10), `${'x'.repeat(9)}…`)
    assert.equal(maskedExcerpt(' \n ', 10), null)
    assert.equal(maskedExcerpt(null, 10), null)
  })

  it('uses the same credential words as the addon masks its previews with', async () => {
    const preview = await readFile(new URL('../../odoo_addon/logistics_hub/hub/preview.py', import.meta.url), 'utf8')
    const python = /SECRET_KEY_RE = re\.compile\(r"([^"]+)"/.exec(preview)?.[1]
    assert.equal(python, SECRET_KEY_WORDS)
  })
})
