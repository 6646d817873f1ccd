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
