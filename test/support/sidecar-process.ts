import { type ChildProcess, spawn } from 'node:child_process'
import { openSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from './wait.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** A TCP port free now on loopback (partners call a SIGKILLed sidecar's successor back on the same one). */
export const freePort = () => new Promise<number>(resolve => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) })
})

/**
 * What a sidecar a test SIGKILLs runs with (`env` added): quick polls, and a job the killed process held
 * back after max(5 s, connector timeout x 3), found by pg-boss maintenance every second.
 */
export function killableSidecarEnv (databaseUrl: string, env: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: process.env.HUB_TEST_LOG_LEVEL ?? 'info',
    HUB_RELAY_POLL_MS: '250',
    HUB_WORKER_POLL_SECONDS: '0.5',
    HUB_DELIVERY_EXPIRE_SECONDS: '5',
    HUB_BOSS_MAINTENANCE_SECONDS: '1',
    ...env
  }
}

/** A sidecar as its own OS process (so a test can SIGKILL it), healthy on `port`, logging to `logFile`. */
export async function sidecarProcess (port: number, env: Record<string, string>, logFile: string): Promise<ChildProcess> {
  const log = openSync(logFile, 'a')
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'sidecar/src/main.ts')], {
    cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', log, log]
  })
  await waitFor(`sidecar process on port ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`sidecar process exited (${child.exitCode}); see ${logFile}`)
    return await fetch(`http://127.0.0.1:${port}/healthz`).then(r => r.ok, () => false)
  }, 60_000, 200)
  return child
}

export async function kill (child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill(signal)
  await exited
}
