import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Kind, parse, type DocumentNode } from 'graphql'
import ts from 'typescript'
import { SHIPMENT_RANK, SHIPMENT_STATUSES } from '../../sidecar/src/shipping/lifecycle.ts'
import { MILESTONES } from '../../sidecar/src/adapters/tms/mappers.ts'
import { loadManifests } from '../../sidecar/src/adapters/manifest.ts'

/**
 * Every list of names that the Odoo addon (Python) and the sidecar, its GraphQL schema
 * or the OWL UI (TypeScript) both keep, held equal. Each side is read where it lives: the addon's
 * framework-free rules (hub/) are imported by python3.11; selections in models/ (which need Odoo to
 * import) are read with Python's own parser and literal_eval; TypeScript types and constants with the
 * TypeScript compiler's checker, so a union type or a literal deep in a mapper counts as much as an
 * exported constant. A list moved to another file is still found; a list that cannot be read fails.
 */
const root = fileURLToPath(new URL('../..', import.meta.url))
const addon = join(root, 'odoo_addon/logistics_hub')
const PYTHON = existsSync('/usr/bin/python3.11') ? '/usr/bin/python3.11' : 'python3'

// ---------------------------------------------------------------------------------------------------
// Python side
// ---------------------------------------------------------------------------------------------------

/**
 * imports: `module:NAME` of hub/ (framework-free, imported as the top-level package `hub`).
 * literals: a module-level NAME assigned once anywhere in the addon (models/ need Odoo to import).
 * selections: `model.field` -> the values of its fields.Selection, a literal or a module-level name.
 */
const PY_READER = String.raw`
import ast, importlib, json, pathlib, sys

addon = pathlib.Path(sys.argv[1])
request = json.loads(sys.argv[2])
sys.path.insert(0, str(addon))
out = {}
for key, ref in request["imports"].items():
    module, name = ref.split(":")
    out[key] = getattr(importlib.import_module(module), name)

definitions, classes = {}, []
for path in sorted(addon.rglob("*.py")):
    if {"tests", "migrations"} & set(path.relative_to(addon).parts):
        continue
    tree = ast.parse(path.read_text(), str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    definitions.setdefault(target.id, []).append((path, node.value))
        elif isinstance(node, ast.ClassDef):
            classes.append((path, node))

def literal(name):
    places = definitions.get(name, [])
    if len(places) != 1:
        sys.exit(f"{name}: expected one module-level definition in the addon, found {[str(p) for p, _ in places]}")
    return ast.literal_eval(places[0][1])

def selection(model, field):
    for path, cls in classes:
        body = {t.id: n.value for n in cls.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        if not (isinstance(body.get("_name"), ast.Constant) and body["_name"].value == model and field in body):
            continue
        call = body[field]
        if not (isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "Selection" and call.args):
            sys.exit(f"{model}.{field} in {path} is not a fields.Selection with its values as first argument")
        values = call.args[0]
        return literal(values.id) if isinstance(values, ast.Name) else ast.literal_eval(values)
    sys.exit(f"{model}.{field}: no such field in the addon")

for name in request["literals"]:
    out[name] = literal(name)
for key in request["selections"]:
    model, field = key.rsplit(".", 1)
    out[key] = selection(model, field)
print(json.dumps(out))
`

const PY_IMPORTS = {
  RESULT_STATUSES: 'hub.status:RESULT_STATUSES',
  WORST_FIRST: 'hub.status:WORST_FIRST',
  FULFILMENT_STAGES: 'hub.status:FULFILMENT_STAGES',
  OUTBOUND_EVENT_TYPES: 'hub.envelope:OUTBOUND_EVENT_TYPES',
  EVENT_MODELS: 'hub.envelope:EVENT_MODELS',
  SHIPMENT_RANK: 'hub.lifecycle:SHIPMENT_RANK',
  EXCEPTION_REASONS: 'hub.incidents:EXCEPTION_REASONS',
  DRIFT_REASONS: 'hub.incidents:DRIFT_REASONS',
  PARKED_REASONS: 'hub.incidents:PARKED_REASONS',
  PARK_KINDS: 'hub.messages:PARK_KINDS',
  SYNC_NOTIFICATION_TYPE: 'hub.channels:SYNC_NOTIFICATION_TYPE',
  PROCESS_NOTIFICATION_TYPE: 'hub.channels:PROCESS_NOTIFICATION_TYPE',
  SYNC_CHANNEL_PREFIX: 'hub.channels:SYNC_CHANNEL_PREFIX',
  COMPENSATION_EVENT_TYPES: 'hub.process_signals:COMPENSATION_EVENT_TYPES'
} as const
const PY_LITERALS = ['INBOUND_TYPE_LABELS'] as const
const PY_SELECTIONS = [
  'hub.sync.state.status', 'hub.sync.mixin.hub_sync_status', 'sale.order.hub_order_sync_status', 'hub.event.attempt.status',
  'hub.event.state', 'hub.route.event_type', 'hub.tracking.event.status', 'stock.picking.hub_shipment_status',
  'hub.exception.reason', 'hub.exception.parked_kind', 'hub.inbound.refusal.reason'
] as const

type Selection = Array<[string, string]>
interface PythonLists {
  RESULT_STATUSES: string[], WORST_FIRST: string[], FULFILMENT_STAGES: Record<string, number>, OUTBOUND_EVENT_TYPES: string[]
  EVENT_MODELS: Record<string, string>, SHIPMENT_RANK: Record<string, number>, EXCEPTION_REASONS: string[], DRIFT_REASONS: string[]
  PARKED_REASONS: Record<string, string>, PARK_KINDS: string[], SYNC_NOTIFICATION_TYPE: string, PROCESS_NOTIFICATION_TYPE: string, SYNC_CHANNEL_PREFIX: string
  INBOUND_TYPE_LABELS: Record<string, string>
  COMPENSATION_EVENT_TYPES: Record<string, string>
  selections: Record<(typeof PY_SELECTIONS)[number], Selection>
}

function readPython (): PythonLists {
  const request = { imports: PY_IMPORTS, literals: PY_LITERALS, selections: PY_SELECTIONS }
  const out = JSON.parse(execFileSync(PYTHON, ['-c', PY_READER, addon, JSON.stringify(request)], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } })) as Record<string, unknown>
  return { ...out, selections: Object.fromEntries(PY_SELECTIONS.map(key => [key, out[key]])) } as PythonLists
}

const keys = (selection: Selection): string[] => selection.map(([value]) => value)
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort()

// ---------------------------------------------------------------------------------------------------
// TypeScript side: the compiler's checker over the sidecar and the OWL sources
// ---------------------------------------------------------------------------------------------------

function tsFiles (dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts')).map(f => join(root, dir, f))
}

class TypeScriptSources {
  readonly program: ts.Program
  readonly checker: ts.TypeChecker

  constructor (files: string[]) {
    const config = ts.parseJsonConfigFileContent(ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, root)
    this.program = ts.createProgram(files, { ...config.options, noEmit: true })
    this.checker = this.program.getTypeChecker()
  }

  source (file: string): ts.SourceFile {
    const source = this.program.getSourceFile(join(root, file))
    assert.ok(source, `${file} is part of the program`)
    return source
  }

  nodes<T extends ts.Node> (file: string | ts.Node, test: (node: ts.Node) => node is T): T[] {
    const found: T[] = []
    const visit = (node: ts.Node): void => { if (test(node)) found.push(node); ts.forEachChild(node, visit) }
    visit(typeof file === 'string' ? this.source(file) : file)
    return found
  }

  /** The string literals a type is made of; fails on a type that admits any string. */
  literals (type: ts.Type, what: string): string[] {
    const parts = type.isUnion() ? type.types : [type]
    const values = parts.map(part => part.isStringLiteral() ? part.value : null)
    assert.ok(values.every(v => v !== null), `${what} is ${this.checker.typeToString(type)}, not a union of string literals`)
    return values as string[]
  }

  /** `Interface.prop` or `TypeAlias` of a file as its string literals. */
  union (file: string, typeName: string, property?: string): string[] {
    const [decl] = this.nodes(file, (n): n is ts.InterfaceDeclaration | ts.TypeAliasDeclaration =>
      (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) && n.name.text === typeName)
    assert.ok(decl, `${typeName} declared in ${file}`)
    let type = this.checker.getTypeAtLocation(decl.name)
    if (property) {
      const symbol = type.getProperty(property)
      assert.ok(symbol, `${typeName}.${property} in ${file}`)
      type = this.checker.getTypeOfSymbolAtLocation(symbol, decl)
    }
    return this.literals(type, `${file} ${typeName}${property ? `.${property}` : ''}`)
  }

  /** The object literal a top-level `const name = {...}` is initialised with. */
  constObject (file: string, name: string): ts.ObjectLiteralExpression {
    const [decl] = this.nodes(file, (n): n is ts.VariableDeclaration => ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name)
    let init = decl?.initializer
    while (init && (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init))) init = init.expression
    assert.ok(init && ts.isObjectLiteralExpression(init), `${name} in ${file} is an object literal`)
    return init
  }

  where (node: ts.Node): string {
    const source = node.getSourceFile()
    return `${relative(root, source.fileName)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`
  }
}

const propertyName = (p: ts.ObjectLiteralElementLike): string | undefined =>
  p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined

/** Whether `expr` is `<something typed as the canonical Envelope>.type`. */
function isEnvelopeType (sources: TypeScriptSources, expr: ts.Expression): boolean {
  if (!ts.isPropertyAccessExpression(expr) || expr.name.text !== 'type') return false
  return sources.checker.getTypeAtLocation(expr.expression).getSymbol()?.getName() === 'Envelope'
}

function readGraphql (): DocumentNode {
  const dir = join(root, 'graphql')
  return parse(readdirSync(dir).filter(f => f.endsWith('.graphql')).map(f => readFileSync(join(dir, f), 'utf8')).join('\n'))
}

function graphqlField (doc: DocumentNode, typeName: string, fieldName: string): string {
  for (const def of doc.definitions) {
    if ((def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION) && def.name.value === typeName) {
      const field = def.fields?.find(f => f.name.value === fieldName)
      if (field?.description) return field.description.value
    }
  }
  assert.fail(`GraphQL ${typeName}.${fieldName} has a description`)
}

/** The names a GraphQL description lists, e.g. "Canonical lifecycle (pending, label_created, ...)". */
function listed (description: string, pattern: RegExp): string[] {
  const match = pattern.exec(description)
  assert.ok(match?.[1], `"${description}" lists names after ${pattern}`)
  return match[1].split(/\s*[,|]\s*/).map(s => s.trim())
}

/** The names of a description made of lists: "a | b", or "One of: a, b; drift: c, d" (prose ends in ':'). */
function listedAll (description: string): string[] {
  return description.split(';').flatMap(part => part.slice(part.lastIndexOf(':') + 1).split(/[,|]/)).map(s => s.trim())
}

// The canonical webhook adapter passes the partner's own message type through (the partner speaks the
// hub's format); Odoo answers an unsupported type with an error and parks the message for a person.
const PASS_THROUGH_TYPES = new Set(['sidecar/src/adapters/webhook/index.ts'])

// ---------------------------------------------------------------------------------------------------

describe('lists the Odoo addon and the TypeScript side both keep', () => {
  let py: PythonLists
  let sources: TypeScriptSources
  let graphql: DocumentNode

  before(() => {
    py = readPython()
    sources = new TypeScriptSources([...tsFiles('sidecar/src'), join(root, 'owl_ui/src/core/sync_status.ts')])
    graphql = readGraphql()
  })

  describe('sync statuses', () => {
    it('hub.sync.state.status is the one selection of every sync status field, and WORST_FIRST ranks each of them', () => {
      const statuses = keys(py.selections['hub.sync.state.status'])
      for (const field of ['hub.sync.mixin.hub_sync_status', 'sale.order.hub_order_sync_status'] as const) {
        assert.deepEqual(py.selections[field], py.selections['hub.sync.state.status'], field)
      }
      assert.deepEqual(sorted(py.WORST_FIRST), sorted(statuses))
    })

    it('the sidecar writes back exactly the statuses Odoo accepts (WritebackResult.status = RESULT_STATUSES = attempt outcomes)', () => {
      const written = sources.union('sidecar/src/queues.ts', 'WritebackResult', 'status')
      assert.deepEqual(sorted(written), sorted(py.RESULT_STATUSES))
      assert.deepEqual(sorted(keys(py.selections['hub.event.attempt.status'])), sorted(py.RESULT_STATUSES))
      // a result never reports "pending": that is the state before any result
      assert.deepEqual(sorted(keys(py.selections['hub.sync.state.status'])), sorted(['pending', ...py.RESULT_STATUSES]))
    })

    it('the GraphQL SyncStatus enum has the values of hub.sync.state.status', () => {
      const enumDef = graphql.definitions.find(d => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'SyncStatus')
      assert.ok(enumDef && enumDef.kind === Kind.ENUM_TYPE_DEFINITION)
      assert.deepEqual(sorted(enumDef.values?.map(v => v.name.value) ?? []), sorted(keys(py.selections['hub.sync.state.status'])))
    })

    it('the OWL widgets know every sync status and event state, with the labels Odoo gives them', () => {
      const file = 'owl_ui/src/core/sync_status.ts'
      assert.deepEqual(sorted(sources.union(file, 'SyncStatus')), sorted(keys(py.selections['hub.sync.state.status'])))
      const owlLabels = Object.fromEntries(sources.constObject(file, 'STATUS_LABELS').properties.map(p => {
        const [call] = sources.nodes(p, (n): n is ts.CallExpression => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === '_t')
        const text = call?.arguments[0]
        assert.ok(text && ts.isStringLiteral(text), `STATUS_LABELS.${propertyName(p)} is _t('<label>')`)
        return [propertyName(p)!, text.text]
      }))
      const odooLabels = Object.fromEntries([...py.selections['hub.event.state'], ...py.selections['hub.sync.state.status']])
      assert.deepEqual(owlLabels, odooLabels)
      const colours = sources.constObject(file, 'STATUS_COLORS').properties.map(p => propertyName(p)!)
      assert.deepEqual(sorted(colours), sorted(Object.keys(odooLabels)))
    })

    it('the statuses the sidecar looks rows up by are statuses Odoo gives them (reconciliation, outbox gauge)', () => {
      const inList = (list: ts.Expression | undefined, allowed: Set<string>, what: string): void => {
        assert.ok(list && ts.isArrayLiteralExpression(list) && list.elements.length > 0, `${what} is a literal list`)
        for (const e of list.elements) assert.ok(ts.isStringLiteral(e) && allowed.has(e.text), `${sources.where(e)}: ${e.getText()} is one of ${what}`)
      }
      const calls = sources.nodes('sidecar/src/workers/reconcile.ts', (n): n is ts.CallExpression =>
        ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'staleSyncStates')
      assert.ok(calls.length > 0, 'reconciliation asks for stale sync states')
      for (const call of calls) inList(call.arguments[1], new Set(keys(py.selections['hub.sync.state.status'])), 'hub.sync.state.status')
      const gauges = sources.nodes('sidecar/src/observability/queue-gauges.ts', (n): n is ts.ForOfStatement =>
        ts.isForOfStatement(n) && ts.isArrayLiteralExpression(n.expression) && n.initializer.getText() === 'const state')
      assert.equal(gauges.length, 1, 'the outbox gauge loops over a literal list of states')
      inList(gauges[0]!.expression, new Set(keys(py.selections['hub.event.state'])), 'hub.event.state')
    })

    it('the browser follows the bus channel and notification type Odoo sends on', () => {
      const file = 'owl_ui/src/core/sync_status.ts'
      const [type] = sources.nodes(file, (n): n is ts.VariableDeclaration => ts.isVariableDeclaration(n) && n.name.getText() === 'SYNC_NOTIFICATION_TYPE')
      assert.equal(type?.initializer && ts.isStringLiteral(type.initializer) ? type.initializer.text : undefined, py.SYNC_NOTIFICATION_TYPE)
      const [processType] = sources.nodes(file, (n): n is ts.VariableDeclaration => ts.isVariableDeclaration(n) && n.name.getText() === 'PROCESS_NOTIFICATION_TYPE')
      assert.equal(processType?.initializer && ts.isStringLiteral(processType.initializer) ? processType.initializer.text : undefined, py.PROCESS_NOTIFICATION_TYPE)
      const [channelOf] = sources.nodes(file, (n): n is ts.FunctionDeclaration => ts.isFunctionDeclaration(n) && n.name?.text === 'syncChannel')
      assert.ok(channelOf, `syncChannel in ${file}`)
      const [channel] = sources.nodes(channelOf, (n): n is ts.TemplateExpression => ts.isTemplateExpression(n))
      assert.equal(channel?.head.text, py.SYNC_CHANNEL_PREFIX)
    })
  })

  describe('outbound event types', () => {
    it('hub.route.event_type, the envelope types and their business models name the same events', () => {
      const routed = keys(py.selections['hub.route.event_type'])
      assert.deepEqual(sorted(py.OUTBOUND_EVENT_TYPES), sorted(routed))
      assert.deepEqual(sorted(Object.keys(py.EVENT_MODELS)), sorted(routed))
    })

    it('every event type an adapter of the sidecar tests for is one Odoo can route or sends as a compensation', () => {
      const routed = new Set([...keys(py.selections['hub.route.event_type']), ...Object.values(py.COMPENSATION_EVENT_TYPES)])
      const named: string[] = []
      for (const source of sources.program.getSourceFiles().filter(s => s.fileName.startsWith(join(root, 'sidecar/src')))) {
        for (const node of sources.nodes(source, (n): n is ts.BinaryExpression => ts.isBinaryExpression(n))) {
          const op = node.operatorToken.kind
          if (![ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(op)) continue
          const [side, other] = isEnvelopeType(sources, node.left) ? [node.left, node.right] : [node.right, node.left]
          if (!isEnvelopeType(sources, side)) continue
          assert.ok(ts.isStringLiteral(other), `${sources.where(node)} compares the envelope type with a literal`)
          named.push(other.text)
          assert.ok(routed.has(other.text), `${sources.where(node)}: ${other.text} is neither an event type of hub.route nor a compensation`)
        }
      }
      assert.ok(named.includes('picking.ready'), 'the WMS adapter names picking.ready')
      for (const type of Object.values(py.COMPENSATION_EVENT_TYPES)) assert.ok(named.includes(type), `an adapter delivers ${type}`)
    })

    it('the GraphQL EventEnvelope.type description lists the event types Odoo routes, then the compensations', () => {
      const [routed, compensations, ...rest] = graphqlField(graphql, 'EventEnvelope', 'type').split(';')
      assert.deepEqual(rest, [], 'two lists: routed types; compensations')
      assert.deepEqual(sorted(listedAll(routed!)), sorted(keys(py.selections['hub.route.event_type'])))
      assert.deepEqual(sorted(listedAll(compensations ?? '')), sorted(Object.values(py.COMPENSATION_EVENT_TYPES)))
    })
  })

  describe('compensation event types (hub/process_signals.py COMPENSATION_EVENT_TYPES)', () => {
    /** the manifest capability an adapter declares when it delivers a compensation (adapters/manifest.ts CAPABILITIES) */
    const CAPABILITY_OF: Record<string, string> = { 'fulfilment.cancel': 'cancel', 'shipment.void': 'void' }

    it('are sent by Odoo, not routed: none is a hub.route event type', () => {
      const routed = new Set(keys(py.selections['hub.route.event_type']))
      assert.deepEqual(Object.values(py.COMPENSATION_EVENT_TYPES).filter(t => routed.has(t)), [])
      assert.deepEqual(sorted(Object.keys(CAPABILITY_OF)), sorted(Object.values(py.COMPENSATION_EVENT_TYPES)))
    })

    it('adapter manifests consume only routed or compensation types, and declare the capability of each compensation they deliver', () => {
      const known = new Set(['*', ...keys(py.selections['hub.route.event_type']), ...Object.values(py.COMPENSATION_EVENT_TYPES)])
      const manifests = loadManifests()
      for (const m of manifests) {
        assert.deepEqual(m.consumes.filter(t => !known.has(t)), [], `${m.name} consumes types Odoo never sends`)
        for (const [type, capability] of Object.entries(CAPABILITY_OF)) {
          assert.equal(m.consumes.includes(type), (m.capabilities as string[]).includes(capability), `${m.name}: consumes ${type} exactly when it declares "${capability}"`)
        }
      }
      for (const type of Object.keys(CAPABILITY_OF)) assert.ok(manifests.some(m => m.consumes.includes(type)), `some adapter delivers ${type}`)
    })
  })

  describe('inbound message types', () => {
    it('Odoo labels every type it applies: the fulfilment stages, shipment.tracking and freight.bill', () => {
      assert.deepEqual(sorted(Object.keys(py.INBOUND_TYPE_LABELS)), sorted([...Object.keys(py.FULFILMENT_STAGES), 'shipment.tracking', 'freight.bill']))
    })

    it('the sidecar builds inbound messages only of types Odoo applies, and builds each of them', () => {
      const applied = new Set(Object.keys(py.INBOUND_TYPE_LABELS))
      const built = new Map<string, string[]>()
      for (const source of sources.program.getSourceFiles().filter(s => s.fileName.startsWith(join(root, 'sidecar/src')))) {
        // the shape of an InboundMessage (adapters/types.ts): an outbound Envelope has occurred_at and source too
        for (const object of sources.nodes(source, (n): n is ts.ObjectLiteralExpression => ts.isObjectLiteralExpression(n))) {
          const names = object.properties.map(propertyName)
          if (names.length !== 4 || !['id', 'type', 'correlation_id', 'data'].every(k => names.includes(k))) continue
          const property = object.properties.find(p => propertyName(p) === 'type')!
          assert.ok(ts.isPropertyAssignment(property), `${sources.where(property)}: type is assigned a value`)
          if (PASS_THROUGH_TYPES.has(relative(root, source.fileName))) continue
          for (const type of sources.literals(sources.checker.getTypeAtLocation(property.initializer), `${sources.where(property)} message type`)) {
            built.set(type, [...built.get(type) ?? [], sources.where(property)])
          }
        }
      }
      assert.ok(built.size > 0, 'inbound messages found in sidecar/src')
      const unknown = [...built].filter(([type]) => !applied.has(type)).map(([type, where]) => `${type} (${where.join(', ')})`)
      assert.deepEqual(unknown, [], 'types Odoo would refuse as unsupported')
      assert.deepEqual(sorted(built.keys()), sorted(applied), 'every type Odoo applies has a producer')
    })

    it('the gateway reads every warehouse stage Odoo applies as a tracking milestone', () => {
      const domains = sources.nodes('sidecar/src/odoo/loaders.ts', (n): n is ts.ArrayLiteralExpression =>
        ts.isArrayLiteralExpression(n) && n.elements.length === 3 && ts.isStringLiteral(n.elements[0]!) && n.elements[0].text === 'event_type')
      assert.equal(domains.length, 1, 'one event_type condition in odoo/loaders.ts')
      const values = domains[0]!.elements[2]!
      assert.ok(ts.isArrayLiteralExpression(values))
      assert.deepEqual(sorted(values.elements.map(e => (e as ts.StringLiteral).text)), sorted(Object.keys(py.FULFILMENT_STAGES)))
    })
  })

  describe('shipment lifecycle ranks', () => {
    it('hub/lifecycle.py and shipping/lifecycle.ts rank the same statuses alike', () => {
      assert.deepEqual(py.SHIPMENT_RANK, SHIPMENT_RANK)
    })

    it('the shipment status selections list the canonical statuses in rank order', () => {
      for (const field of ['hub.tracking.event.status', 'stock.picking.hub_shipment_status'] as const) {
        assert.deepEqual(keys(py.selections[field]), SHIPMENT_STATUSES, field)
      }
    })

    it('every status a partner mapping yields is a canonical one', () => {
      const canonical = new Set(SHIPMENT_STATUSES as string[])
      const adapters = join(root, 'sidecar/src/adapters')
      const mappings = readdirSync(adapters).map(d => join(adapters, d, 'mapping.json')).filter(f => existsSync(f))
      assert.ok(mappings.length > 0, 'carrier mappings found')
      for (const file of mappings) {
        const { statuses } = JSON.parse(readFileSync(file, 'utf8')) as { statuses: Record<string, string> }
        for (const [code, status] of Object.entries(statuses)) assert.ok(canonical.has(status), `${relative(root, file)}: ${code} -> ${status}`)
      }
      for (const [code, { status }] of Object.entries(MILESTONES)) assert.ok(canonical.has(status), `TMS ${code} -> ${status}`)
    })

    it('the GraphQL descriptions of tracking statuses list the canonical lifecycle', () => {
      for (const [type, field] of [['Shipment', 'trackingStatus'], ['LiveTracking', 'status']] as const) {
        const described = listed(graphqlField(graphql, type, field), /lifecycle[\s:(]+([a-z_]+(?:,\s*[a-z_]+)+)/i)
        assert.deepEqual(sorted(described), sorted(SHIPMENT_STATUSES), `${type}.${field}`)
      }
    })
  })

  describe('exception reasons and parked items', () => {
    it('hub.exception.reason has every reason Odoo opens exceptions with', () => {
      const reasons = new Set(keys(py.selections['hub.exception.reason']))
      for (const reason of [...py.EXCEPTION_REASONS, ...py.DRIFT_REASONS, ...Object.values(py.PARKED_REASONS)]) {
        assert.ok(reasons.has(reason), `${reason} is a hub.exception reason`)
      }
    })

    it('the sidecar reports the drift reasons Odoo knows (reconcile DriftItem.reason = DRIFT_REASONS)', () => {
      assert.deepEqual(sorted(sources.union('sidecar/src/workers/reconcile.ts', 'DriftItem', 'reason')), sorted(py.DRIFT_REASONS))
    })

    it('the sidecar parks the kinds of items Odoo parks (ParkedJob.kind = PARK_KINDS = parked_kind)', () => {
      const kinds = sorted(sources.union('sidecar/src/queues.ts', 'ParkedJob', 'kind'))
      assert.deepEqual(kinds, sorted(py.PARK_KINDS))
      assert.deepEqual(sorted(keys(py.selections['hub.exception.parked_kind'])), kinds)
      assert.deepEqual(sorted(Object.keys(py.PARKED_REASONS)), kinds)
    })

    it('the GraphQL Exception.reason description lists every reason a hub.exception can have', () => {
      const described = listedAll(graphqlField(graphql, 'Exception', 'reason'))
      assert.deepEqual(sorted(described), sorted(keys(py.selections['hub.exception.reason'])))
    })
  })

  describe('docs/contract.md, which partners and other tools read', () => {
    const row = (start: string): string => {
      const rows = readFileSync(join(root, 'docs/contract.md'), 'utf8').split('\n').filter(line => line.startsWith(start))
      assert.equal(rows.length, 1, `one "${start}" row in docs/contract.md`)
      return rows[0]!
    }
    const names = (text: string): string[] => [...text.matchAll(/`([a-z_.]+)`/g)].map(m => m[1]!)

    it('lists the outbound, compensation and inbound event types of hub_event.event_type', () => {
      const [outbound, inbound] = row('| event_type | varchar |').split('inbound:')
      const [routed, compensations] = outbound!.split('compensations')
      assert.deepEqual(sorted(names(routed!)), sorted(keys(py.selections['hub.route.event_type'])))
      assert.deepEqual(sorted(names(compensations ?? '')), sorted(Object.values(py.COMPENSATION_EVENT_TYPES)))
      assert.deepEqual(sorted(names(inbound ?? '')), sorted(Object.keys(py.INBOUND_TYPE_LABELS)))
    })

    it('lists the reasons of hub_sidecar.inbound_refusal', () => {
      assert.deepEqual(sorted(names(row('| reason | text |'))), sorted(keys(py.selections['hub.inbound.refusal.reason'])))
    })
  })

  describe('refused callbacks', () => {
    it('every reason a hook records a refusal with is one hub.inbound.refusal shows', () => {
      const reasons = new Set(keys(py.selections['hub.inbound.refusal.reason']))
      const file = 'sidecar/src/inbound/hooks.ts'
      const recorded: string[] = []
      const reasonOf = (expr: ts.Expression, where: string): string[] => {
        const type = sources.checker.getTypeAtLocation(expr)
        if (type.isStringLiteral() || type.isUnion()) return sources.literals(type, where)
        // a helper that words the reason (signatureReason): the literals it returns
        if (ts.isCallExpression(expr) && ts.isIdentifier(expr.expression)) {
          const [helper] = sources.nodes(file, (n): n is ts.FunctionDeclaration => ts.isFunctionDeclaration(n) && n.name?.text === (expr.expression as ts.Identifier).text)
          assert.ok(helper, `${where}: ${expr.expression.text} is a function of ${file}`)
          return sources.nodes(helper, (n): n is ts.ReturnStatement => ts.isReturnStatement(n)).flatMap(r => reasonOf(r.expression!, sources.where(r)))
        }
        // `reason: r.reason` hands on what the caller chose: its literals are collected where it is chosen
        assert.ok(ts.isPropertyAccessExpression(expr), `${where}: a refusal reason the test cannot read`)
        return []
      }
      for (const property of sources.nodes(file, (n): n is ts.PropertyAssignment => ts.isPropertyAssignment(n) && propertyName(n) === 'reason')) {
        recorded.push(...reasonOf(property.initializer, sources.where(property)))
      }
      assert.deepEqual(recorded.filter(r => !reasons.has(r)), [])
      assert.deepEqual(sorted(recorded), sorted(reasons), 'every reason Odoo shows is one the hooks record')
    })
  })
})
