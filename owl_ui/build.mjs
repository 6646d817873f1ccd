#!/usr/bin/env node
// `npm run build:ui`: compiles owl_ui/src/<component>/<name>.ts into Odoo ES modules at
// odoo_addon/logistics_hub/static/src/<component>/<name>.js and copies each QWeb template (.xml) and
// stylesheet (.scss) next to them. The output is committed: Odoo serves it as is, without a build.
//
// One file in, one file out (no bundling): `@odoo/owl` and `@web/...` imports stay as written and
// Odoo's module loader resolves them, so the components share the web client's OWL and services.
// `--out <dir>` writes elsewhere (test/ui/build.test.ts compares a fresh build with the committed one).
import { copyFile, mkdir, readdir } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const srcDir = join(here, 'src')
export const defaultOutDir = join(here, '..', 'odoo_addon', 'logistics_hub', 'static', 'src')

async function walk (dir) {
  const entries = await readdir(dir, { withFileTypes: true })
  const files = await Promise.all(entries.map(e => e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
  return files.flat().sort()
}

/**
 * Builds every component into outDir and returns the files written (relative to outDir). Nothing is
 * deleted: static/src may hold other files; test/ui/build.test.ts reports stale ones in our folders.
 */
export async function buildUi (outDir = defaultOutDir) {
  const files = await walk(srcDir)
  const entryPoints = files.filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  const assets = files.filter(f => f.endsWith('.xml') || f.endsWith('.scss'))
  await build({
    entryPoints,
    outbase: srcDir,
    outdir: outDir,
    bundle: false,
    format: 'esm',
    // Odoo 18 supports the current evergreen browsers only; keep class fields and ?. as written.
    target: 'es2022',
    platform: 'browser',
    tsconfig: join(here, 'tsconfig.json'),
    // Odoo's module loader needs the marker; its transpiler rewrites the import/export statements.
    banner: { js: '/** @odoo-module **/' },
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'warning'
  })
  await Promise.all(assets.map(async file => {
    const target = join(outDir, relative(srcDir, file))
    await mkdir(dirname(target), { recursive: true })
    await copyFile(file, target)
  }))
  return [...entryPoints.map(f => relative(srcDir, f).replace(/\.ts$/, '.js')), ...assets.map(f => relative(srcDir, f))].sort()
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--out')
  const outDir = at > 0 ? process.argv[at + 1] : defaultOutDir
  const written = await buildUi(outDir)
  console.log(`owl_ui: ${written.length} files -> ${relative(process.cwd(), outDir) || '.'}`)
}
