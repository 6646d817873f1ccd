// Loads the owl_ui components for node:test: esbuild bundles owl_ui/src (our code, as written in
// TypeScript) while `@odoo/owl` stays the npm package and `@web/...` resolves to the stand-ins in
// ./web, the boundary of the web client. The Playwright suite (test/e2e/ui.test.ts) runs the same
// components against the real web client.
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { App, reactive } from '@odoo/owl'
import { build } from 'esbuild'
import { DIALOG_TEMPLATE } from './web/core/dialog/dialog.ts'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..')
const srcDir = join(root, 'owl_ui', 'src')
const stubDir = join(here, 'web')
const ENTRIES = ['core/sync_status', 'core/sync_channel', 'sync_badges/sync_badges', 'sync_timeline/sync_timeline', 'dashboard/dashboard']

let loaded: Promise<any> | undefined

/** Every module of owl_ui/src, imported once per test process (registrations happen at import). */
export function loadOwlUi (): Promise<any> {
  loaded ??= (async () => {
    const result = await build({
      stdin: { contents: ENTRIES.map(e => `export * from './${e}.ts'`).join('\n'), resolveDir: srcDir, loader: 'ts' },
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      write: false,
      tsconfig: join(root, 'owl_ui', 'tsconfig.json'),
      plugins: [{
        name: 'odoo-web-stand-ins',
        setup (b) {
          b.onResolve({ filter: /^@web\// }, args => ({ path: join(stubDir, `${args.path.slice('@web/'.length)}.ts`), external: true }))
          b.onResolve({ filter: /^@odoo\/owl$/ }, () => ({ path: '@odoo/owl', external: true }))
        }
      }]
    })
    // Inside node_modules so the bare `@odoo/owl` import resolves to the same OWL as the tests'.
    const out = join(root, 'node_modules', '.cache', 'logistics-hub-owl-ui', `bundle-${process.pid}.mjs`)
    await mkdir(dirname(out), { recursive: true })
    const code = result.outputFiles[0]!.text.replaceAll(`"${stubDir}/`, `"${pathToFileURL(stubDir).href}/`)
    await writeFile(out, code)
    try {
      return await import(pathToFileURL(out).href)
    } finally {
      await rm(out, { force: true })
    }
  })()
  return loaded
}

async function templateFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(entries.map(e => e.isDirectory() ? templateFiles(join(dir, e.name)) : e.name.endsWith('.xml') ? [join(dir, e.name)] : []))
  return nested.flat()
}

export async function templates (): Promise<string[]> {
  return [DIALOG_TEMPLATE, ...await Promise.all((await templateFiles(srcDir)).map(async f => await readFile(f, 'utf8')))]
}

// ---------------------------------------------------------------------------------------------
// Services at the components' boundary
// ---------------------------------------------------------------------------------------------

type Handler = (payload: any, meta: { id: number }) => void

/** bus_service: channels added per tab, notifications dispatched by type. */
export class FakeBus {
  channels: string[] = []
  added: string[] = []
  deleted: string[] = []
  #handlers = new Map<string, Set<Handler>>()
  #id = 0

  async addChannel (channel: string): Promise<void> { this.added.push(channel); if (!this.channels.includes(channel)) this.channels.push(channel) }
  deleteChannel (channel: string): void { this.deleted.push(channel); this.channels = this.channels.filter(c => c !== channel) }
  subscribe (type: string, handler: Handler): void { (this.#handlers.get(type) ?? this.#handlers.set(type, new Set()).get(type)!).add(handler) }
  unsubscribe (type: string, handler: Handler): void { this.#handlers.get(type)?.delete(handler) }
  subscribers (type: string): number { return this.#handlers.get(type)?.size ?? 0 }
  /** What the server's bus delivers to this tab (it only delivers on channels the tab follows). */
  notify (type: string, payload: unknown): void { for (const h of this.#handlers.get(type) ?? []) h(payload, { id: ++this.#id }) }
}

export interface OrmCall { model: string, method: string, args: unknown[], kwargs: Record<string, unknown> }

/** orm: every call recorded; answers from `handle`, set by each test. */
export class FakeOrm {
  calls: OrmCall[] = []
  handle: (call: OrmCall) => unknown = () => { throw new Error('unexpected orm call') }

  async call (model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<any> {
    const call = { model, method, args, kwargs }
    this.calls.push(call)
    return structuredClone(await this.handle(call))
  }

  async searchRead (model: string, domain: unknown[], fields: string[], kwargs: Record<string, unknown> = {}): Promise<any[]> {
    return await this.call(model, 'search_read', [], { domain, fields, ...kwargs })
  }
}

export function makeEnv () {
  const services = {
    orm: new FakeOrm(),
    bus_service: new FakeBus(),
    dialog: { added: [] as Array<{ component: any, props: any }>, add (component: any, props: any) { this.added.push({ component, props }); return () => {} } },
    notification: { shown: [] as Array<{ message: string, options: unknown }>, add (message: string, options: unknown) { this.shown.push({ message, options }); return () => {} } },
    action: { done: [] as unknown[], async doAction (action: unknown) { this.done.push(action) } }
  }
  return { services }
}

export type TestEnv = ReturnType<typeof makeEnv>

/** Mounts `Component` with `props` in a fresh container; returns the app, the root component and its element. */
export async function mount (Component: any, props: Record<string, unknown>, env: TestEnv = makeEnv()) {
  const target = document.createElement('div')
  document.body.appendChild(target)
  const app = new App(Component, { env, props, test: true, warnIfNoStaticProps: true, templates: '<templates/>' })
  for (const xml of await templates()) app.addTemplates(xml)
  const component = await app.mount(target)
  return {
    app, component, env, target,
    destroy () { app.destroy(); target.remove() }
  }
}

/** A field widget's record, reactive like the relational model's datapoints. */
export function makeRecord (values: { resId: number | false, resModel: string, data: Record<string, unknown>, root?: boolean }) {
  const record: any = reactive({
    resId: values.resId,
    resModel: values.resModel,
    data: values.data,
    dirty: false,
    isNew: values.resId === false,
    loads: 0,
    onLoad: async (_record: any) => {},
    async isDirty () { return this.dirty },
    async load () { this.loads++; await this.onLoad(this) },
    model: { root: null }
  })
  record.model.root = values.root === false ? {} : record
  return record
}

/** Lets OWL render what the last state change scheduled (renders are batched per animation frame). */
export async function nextTick (): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, 0))
  await new Promise(resolve => requestAnimationFrame(() => resolve(undefined)))
  await new Promise(resolve => setTimeout(resolve, 0))
}
