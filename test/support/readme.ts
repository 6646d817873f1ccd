import { readFileSync } from 'node:fs'

/** The text of README.md under `heading`, up to the next heading of any level. */
export function readmeSection (heading: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const start = readme.indexOf(`\n${heading}\n`)
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`)
  const rest = readme.slice(start + heading.length + 2)
  const next = rest.search(/\n#{1,6} /)
  return next < 0 ? rest : rest.slice(0, next)
}

/**
 * The first fenced code block of a README.md section that contains `marker`, with backslash line
 * continuations joined. Tests run the README's own commands so that what a newcomer copies is what
 * was tested.
 */
export function readmeBlock (heading: string, marker: string): string {
  const block = [...readmeSection(heading).matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map(m => m[1]!).find(b => b.includes(marker))
  if (!block) throw new Error(`README.md section "${heading}" has no code block with "${marker}"`)
  return block.replace(/\\\n/g, ' ').trim()
}

/** `NAME=value` assignments of a shell command line (values without spaces or quotes). */
export function inlineEnv (command: string): Record<string, string> {
  return Object.fromEntries([...command.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*)=(\S+)/g)].map(m => [m[1]!, m[2]!]))
}
