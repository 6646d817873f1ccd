import { collectSubFields } from '@graphql-tools/utils'
import { type FieldNode, type GraphQLObjectType, type GraphQLResolveInfo, getNamedType, isObjectType } from 'graphql'
import { FIELDS } from '../odoo/loaders.ts'

/**
 * The Odoo fields each GraphQL field of a record type needs. Records are read with only the fields a
 * query selects: many Odoo fields are computed on read (stock quantities, invoice links, delivered
 * quantities), and reading all of them for every row of a 100-order query costs Odoo far more than the
 * query asked for. An empty list means the field comes from elsewhere (the id, another loader, the
 * hub's own tables). A test keeps this table complete for every field of these types.
 */
export const ODOO_FIELDS: Record<string, Record<string, readonly string[]>> = {
  Order: {
    id: [], number: ['name'], clientReference: ['client_order_ref'], status: ['state'], deliveryStatus: ['delivery_status'],
    orderedAt: ['date_order'], commitmentDate: ['commitment_date'], currency: ['currency_id'], amountUntaxed: ['amount_untaxed'],
    amountTotal: ['amount_total'], customer: ['partner_id'], shippingAddress: ['partner_shipping_id'], lines: ['order_line'],
    shipments: ['picking_ids'], invoices: ['invoice_ids'], syncStates: [], process: []
  },
  OrderLine: {
    id: [], description: ['name'], product: ['product_id'], quantity: ['product_uom_qty'], quantityDelivered: ['qty_delivered'],
    quantityInvoiced: ['qty_invoiced'], unitOfMeasure: ['product_uom'], unitPrice: ['price_unit'], subtotal: ['price_subtotal']
  },
  // a stock level is built from the product row, and may select anything of the product again
  Product: { id: [], sku: ['default_code'], name: ['name'], unitOfMeasure: ['uom_id'], stockLevel: FIELDS['product.product']! },
  Partner: { id: [], name: ['name'], street: ['street'], city: ['city'], zip: ['zip'], country: ['country_id'] },
  Shipment: {
    id: [], number: ['name'], status: ['state'], origin: ['origin'], scheduledAt: ['scheduled_date'], shippedAt: ['date_done'],
    carrier: [], trackingNumber: [], trackingStatus: [], destination: ['partner_id'], order: ['sale_id'], lines: ['move_ids'],
    packages: [], trackingHistory: [], liveTracking: [], syncStates: []
  },
  ShipmentLine: { id: [], product: ['product_id'], quantityOrdered: ['product_uom_qty'], quantity: ['quantity'], unitOfMeasure: ['product_uom'] },
  Invoice: {
    id: [], number: ['name'], kind: ['move_type'], status: ['state'], paymentStatus: ['payment_state'], invoiceDate: ['invoice_date'],
    dueDate: ['invoice_date_due'], currency: ['currency_id'], amountTotal: ['amount_total'], amountDue: ['amount_residual'],
    origin: ['invoice_origin'], customer: ['partner_id'], syncStates: []
  }
}

// @graphql-tools/utils 12 takes graphql 17's variable shape and hands `coerced` to graphql 16's directive reader
const subFields = (info: GraphQLResolveInfo, type: GraphQLObjectType, nodes: readonly FieldNode[]): Map<string, FieldNode[]> =>
  nodes.length ? collectSubFields(info.schema, info.fragments, { coerced: info.variableValues, sources: {} }, type, [...nodes]).fields : new Map()

function objectType (info: GraphQLResolveInfo, name: string): GraphQLObjectType {
  const type = info.schema.getType(name)
  if (!isObjectType(type)) throw new Error(`${name} is not an object type`)
  return type
}

/**
 * The selections on `typeName` under the field being resolved: directly (`order { ... }`, fragments
 * and `@skip`/`@include` applied), through a union (`_entities { ... on Order { ... } }`), or through
 * a connection (`orders { nodes { ... } edges { node { ... } } }`).
 */
function selectionsOf (info: GraphQLResolveInfo, typeName: string): FieldNode[] {
  const type = objectType(info, typeName)
  const returned = getNamedType(info.returnType)
  const direct = (nodes: readonly FieldNode[]) => [...subFields(info, type, nodes).values()].flat()
  if (!isObjectType(returned) || returned.name === typeName) return direct(info.fieldNodes)
  const connection = subFields(info, returned, info.fieldNodes)
  const edges = connection.get('edges') ?? []
  const edgeType = edges.length ? getNamedType(returned.getFields().edges!.type) as GraphQLObjectType : null
  const nodesOfEdges = edgeType ? subFields(info, edgeType, edges).get('node') ?? [] : []
  return direct([...connection.get('nodes') ?? [], ...nodesOfEdges])
}

/** The Odoo fields to read for the `typeName` records the field being resolved returns. */
export function odooFieldsFor (info: GraphQLResolveInfo, typeName: string): string[] {
  const table = ODOO_FIELDS[typeName]
  if (!table) throw new Error(`no Odoo field table for ${typeName}`)
  const fields = new Set<string>()
  for (const node of selectionsOf(info, typeName)) {
    const name = node.name.value
    if (name === '__typename') continue
    const needs = table[name]
    if (!needs) throw new Error(`no Odoo fields declared for ${typeName}.${name}`)
    for (const f of needs) fields.add(f)
  }
  return [...fields]
}
