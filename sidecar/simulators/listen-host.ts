/**
 * Where a stand-alone simulator listens: `<PREFIX>_HOST`, else `HOST` (the sidecar's setting), else
 * loopback. A developer's simulators are not open to the network unless asked; compose sets
 * HOST=0.0.0.0 because other containers call them.
 */
export function listenHost (env: NodeJS.ProcessEnv, prefix: string): string {
  return env[`${prefix}_HOST`] || env.HOST || '127.0.0.1'
}
