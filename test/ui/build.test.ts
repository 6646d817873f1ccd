import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const committedDir = join(root, 'odoo_addon', 'logistics_hub', 'static', 'src')
const srcDir = join(root, 'owl_ui', 'src')
// The Odoo 18 tree the @web imports are checked against, when this machine has one.
const odooWeb = join(process.env.ODOO_SRC ?? '/opt/odoo18', 'odoo', 'addons', 'web', 'static', 'src')

async function walk (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(entries.map(e => e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
  return nested.flat()
}

describe('owl_ui build (npm run build:ui)', () => {
  let fresh: string
  let built: string[]
  before(async () => {
    fresh = await mkdtemp(join(tmpdir(), 'owl-ui-build-'))
    await promisify(execFile)(process.execPath, [join(root, 'owl_ui', 'build.mjs'), '--out', fresh])
    built = (await walk(fresh)).map(f => relative(fresh, f)).sort()
  })
  after(async () => { await rm(fresh, { recursive: true, force: true }) })

  it('the committed static/src is what the sources build to (run npm run build:ui)', async () => {
    assert.ok(built.length > 0)
    for (const file of built) {
      const committed = join(committedDir, file)
      assert.ok(existsSync(committed), `${file} is built but not committed`)
      assert.equal(await readFile(committed, 'utf8'), await readFile(join(fresh, file), 'utf8'), `${file} is out of date`)
    }
    // A source deleted or renamed must not leave its old module behind in our folders.
    const folders = new Set(built.map(f => dirname(f)))
    const committed = (await walk(committedDir)).map(f => relative(committedDir, f)).filter(f => folders.has(dirname(f)))
    assert.deepEqual(committed.sort(), built)
  })

  it('emits Odoo modules: the marker first, OWL and the web client left to the module loader', async () => {
    for (const file of built.filter(f => f.endsWith('.js'))) {
      const code = await readFile(join(fresh, file), 'utf8')
      assert.ok(code.startsWith('/** @odoo-module **/\n'), `${file} starts with the @odoo-module marker`)
      const specifiers = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map(m => m[1]!)
      for (const specifier of specifiers) {
        assert.match(specifier, /^(@odoo\/owl|@web\/.+|\.\.?\/[\w/]+)$/, `${file}: import ${specifier}`)
        assert.doesNotMatch(specifier, /\.ts$/, `${file}: import ${specifier} has no extension`)
      }
      assert.doesNotMatch(code, /\brequire\(/, `${file} is an ES module`)
    }
  })

  it('imports only web client modules that exist in Odoo 18', { skip: existsSync(odooWeb) ? false : `no Odoo 18 tree at ${odooWeb}` }, async () => {
    for (const file of built.filter(f => f.endsWith('.js'))) {
      const code = await readFile(join(fresh, file), 'utf8')
      for (const [, path] of code.matchAll(/from "@web\/([^"]+)"/g)) {
        assert.ok(existsSync(join(odooWeb, `${path}.js`)), `${file}: @web/${path} exists in Odoo 18`)
      }
    }
  })

  it('gives every component a static props, a template with its own name and a same-named .xml', async () => {
    const sources = (await walk(srcDir)).filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    let components = 0
    for (const source of sources) {
      const code = await readFile(source, 'utf8')
      for (const [, name, body] of code.matchAll(/export class (\w+) extends Component<[^{]*\{([\s\S]*?)\n\}/g)) {
        components++
        const template = /static override template = '([^']+)'/.exec(body!)?.[1]
        assert.equal(template, `logistics_hub.${name}`, `${name}'s template id`)
        assert.match(body!, /static override props = /, `${name} declares its props`)
        const xml = await readFile(source.replace(/\.ts$/, '.xml'), 'utf8')
        assert.ok(xml.includes(`t-name="${template}"`), `${relative(srcDir, source)}: ${template} is defined in the .xml next to it`)
      }
    }
    assert.equal(components, 4)
  })
})
