import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type GraphQLResolveInfo, graphql, isObjectType } from 'graphql'
import { ODOO_FIELDS, odooFieldsFor } from '../../sidecar/src/gateway/odoo-fields.ts'
import { buildGatewaySchema } from '../../sidecar/src/gateway/schema.ts'
import { FIELDS } from '../../sidecar/src/odoo/loaders.ts'

/**
 * Which Odoo fields the gateway reads for a query. The real gateway schema runs the query; the root
 * field's resolver is swapped for one that records what the gateway would ask Odoo for.
 */
describe('gateway: Odoo fields read per query', () => {
  const schema = buildGatewaySchema()

  async function fieldsRead (rootField: 'orders' | 'order' | '_entities', typeName: string, source: string, variableValues?: Record<string, unknown>): Promise<string[]> {
    let read: string[] = []
    schema.getQueryType()!.getFields()[rootField]!.resolve = (_s: unknown, _a: unknown, _c: unknown, info: GraphQLResolveInfo) => { read = odooFieldsFor(info, typeName); return rootField === '_entities' ? [] : null }
    const result = await graphql({ schema, source, variableValues })
    assert.equal(result.errors, undefined, JSON.stringify(result.errors))
    return read.sort()
  }

  it('declares the Odoo fields of every field of every record type, and only fields Odoo has', () => {
    for (const [typeName, table] of Object.entries(ODOO_FIELDS)) {
      const type = schema.getType(typeName)
      assert.ok(isObjectType(type), typeName)
      assert.deepEqual(Object.keys(table).sort(), Object.keys(type.getFields()).sort(), `${typeName}: every GraphQL field has an entry`)
    }
    const offered = new Set(Object.values(FIELDS).flat())
    for (const [typeName, table] of Object.entries(ODOO_FIELDS)) {
      for (const [field, needs] of Object.entries(table)) for (const f of needs) assert.ok(offered.has(f), `${typeName}.${field} reads ${f}, which no model's FIELDS list offers`)
    }
  })

  it('reads only what a connection selects, through nodes and edges, aliases and fragments', async () => {
    assert.deepEqual(await fieldsRead('orders', 'Order', '{ orders { nodes { number customer { name } } } }'), ['name', 'partner_id'])
    assert.deepEqual(await fieldsRead('orders', 'Order', `{ orders { totalCount pageInfo { hasNextPage } edges { cursor node { ref: clientReference ...Money } } nodes { id __typename } } }
      fragment Money on Order { amountTotal currency }`), ['amount_total', 'client_order_ref', 'currency_id'])
    assert.deepEqual(await fieldsRead('orders', 'Order', '{ orders { totalCount } }'), [], 'a count alone reads no record field')
  })

  it('follows @skip and @include with the request variables', async () => {
    const query = 'query ($more: Boolean!) { order(id: "1") { number lines @include(if: $more) { quantity } shipments @skip(if: $more) { number } } }'
    assert.deepEqual(await fieldsRead('order', 'Order', query, { more: true }), ['name', 'order_line'])
    assert.deepEqual(await fieldsRead('order', 'Order', query, { more: false }), ['name', 'picking_ids'])
  })

  it('reads for federation entities the fields selected on that type only', async () => {
    const query = '{ _entities(representations: [{ __typename: "Order", id: "1" }]) { ... on Order { status deliveryStatus } ... on Shipment { origin } } }'
    assert.deepEqual(await fieldsRead('_entities', 'Order', query), ['delivery_status', 'state'])
    assert.deepEqual(await fieldsRead('_entities', 'Shipment', query), ['origin'])
  })
})
