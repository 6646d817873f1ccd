import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/**
 * Registered ("persisted", "trusted") operations by the SHA-256 hex of their exact text: every
 * *.graphql file of `dir` (the file's text is the document), plus an optional JSON file mapping hashes to
 * documents. A JSON entry whose hash does not match its document is refused at start: a wrong manifest
 * must not silently run something else than what the client believes.
 */
export function loadPersistedOperations (dir: string | undefined, file: string | undefined): Map<string, string> {
  const operations = new Map<string, string>()
  if (dir && existsSync(dir)) {
    for (const name of readdirSync(dir).filter(f => f.endsWith('.graphql')).sort()) {
      const text = readFileSync(join(dir, name), 'utf8')
      operations.set(sha256(text), text)
    }
  }
  if (file) {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    for (const [hash, text] of Object.entries(manifest)) {
      if (typeof text !== 'string' || sha256(text) !== hash.toLowerCase()) throw new Error(`persisted operation ${hash} in ${file} does not match its document`)
      operations.set(hash.toLowerCase(), text)
    }
  }
  return operations
}
