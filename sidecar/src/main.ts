import { ConfigError, loadConfig } from './config.ts'
import { createSidecar } from './sidecar.ts'

try {
  const sidecar = createSidecar(loadConfig())
  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    sidecar.logger.info({ signal }, 'stopping sidecar')
    sidecar.stop().then(() => process.exit(0), err => { sidecar.logger.error({ err }, 'unclean stop'); process.exit(1) })
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  await sidecar.start()
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
}
