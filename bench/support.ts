import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createServer } from 'node:http'
import { type AddressInfo, createServer as createNetServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** Shared pieces of the pipeline benchmarks: a counting partner, Odoo's write-back RPC, sidecar processes. */
const root = new URL('..', import.meta.url).pathname

export const freePort = () => new Promise<number>(resolve => { const s = createNetServer().listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)) }) })

/** A partner endpoint that answers 200 and counts distinct webhook-ids itself (never our queue's word). */
export async function countingPartner (delayMs = 0) {
  const received = new Map<string, number>()
  let raw = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const answer = () => { raw++; const id = String(req.headers['webhook-id']); if (!received.has(id)) received.set(id, performance.timeOrigin + performance.now()); res.writeHead(200).end('{}') }
      if (delayMs) setTimeout(answer, delayMs); else answer()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, raw: () => raw, close: () => new Promise(r => server.close(r)) }
}

/**
 * Odoo's side of write-back for the benchmarks: `/jsonrpc` login and `hub_apply_results` answering
 * `applied`, so the pipeline runs complete (write-backs settle instead of retrying against a closed port).
 */
export async function odooRpcStub () {
  let results = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const { id, params } = JSON.parse(Buffer.concat(chunks).toString())
      let result: unknown = true
      if (params.method === 'login') result = 2
      if (params.method === 'execute_kw' && params.args[4] === 'hub_apply_results') {
        const items = params.args[5][0] as Array<{ event_uuid: string }>
        results += items.length
        result = items.map(i => ({ event_uuid: i.event_uuid, outcome: 'applied' }))
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result }))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, results: () => results, close: () => new Promise(r => server.close(r)) }
}

/** A sidecar as its own process (as deployed), at the default log level unless told otherwise. */
export async function sidecarProcess (databaseUrl: string, odooUrl: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  // BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, to look inside a run
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'sidecar/src/main.ts'], {
    cwd: root, stdio: 'ignore',
    env: { ...process.env, DATABASE_URL: databaseUrl, ODOO_URL: odooUrl, ODOO_DB: 'bench', ODOO_USER: 'bench', ODOO_PASSWORD: 'bench', PORT: String(await freePort()), ...env }
  })
}

/** Peak resident memory of a process so far (VmHWM), in MiB. */
export function peakRssMiB (pid: number | undefined): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb ? Number(kb) / 1024 : Number.NaN
  } catch { return Number.NaN }
}

export async function until (check: () => boolean | Promise<boolean>, timeoutMs = 900_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) { if (Date.now() > end) throw new Error('benchmark phase timed out'); await sleep(50) }
}

/**
 * CPU time (ms) so far of the benchmark's PostgreSQL server: its postmaster (`-p <port>`), the children
 * it has reaped (cutime/cstime) and those alive, so backends that come and go are all counted.
 */
export function postgresCpuMs (port: string): number {
  const stat = (pid: string) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  const pids = readdirSync('/proc').filter(d => /^\d+$/.test(d))
  const isPostmaster = (pid: string) => { try { const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); return cmd.includes('postgres\0-D\0') && cmd.includes(`\0-p\0${port}\0`) } catch { return false } }
  const postmaster = pids.find(isPostmaster)
  if (!postmaster) return Number.NaN
  const own = stat(postmaster)
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])
  for (const pid of pids) {
    try {
      const fields = stat(pid)
      if (fields[1] === postmaster) ticks += Number(fields[11]) + Number(fields[12])
    } catch { /* exited meanwhile: counted in the postmaster's cutime once reaped */ }
  }
  return ticks * 10 // USER_HZ = 100
}

/** CPU time (ms) so far of one process (user + system). */
export function processCpuMs (pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch { return Number.NaN }
}

/** Busy and total CPU time (ms) of the whole machine so far, from /proc/stat. */
export function machineCpuMs (): { busy: number, total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const idle = ticks[3]! + (ticks[4] ?? 0) // idle + iowait
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0)
  return { busy: (total - idle) * 10, total: total * 10 }
}
