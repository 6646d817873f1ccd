// A browser-like global scope for OWL under node:test. Import this module FIRST in a test file: OWL
// reads DOM globals (Element.prototype, document) when its module is evaluated.
import { JSDOM } from 'jsdom'

const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true, url: 'http://localhost/' })
const { window } = dom
const globals = globalThis as Record<string, unknown>
const source = window as unknown as Record<string, unknown>
// DOM classes (Element, DOMTokenList, ...) that Node lacks; events must be jsdom's own to dispatch.
for (const name of Object.getOwnPropertyNames(window)) {
  if (/^[A-Z]/.test(name) && !(name in globals)) globals[name] = source[name]
}
for (const name of ['window', 'document', 'Event', 'MouseEvent', 'KeyboardEvent', 'CustomEvent']) globals[name] = source[name]
for (const name of ['getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame']) {
  globals[name] = (source[name] as (...args: unknown[]) => unknown).bind(window)
}
globals.odoo = { debug: '' }

export { window }
