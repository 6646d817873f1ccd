import { createMappedCarrier } from '../carrier/mapped-carrier.ts'
import { bearerProbe } from '../probe.ts'

/** SwiftPost: camelCase, numeric status codes, grams and cents; errors are `{ error, code }`. */
export const swiftpost = createMappedCarrier({ name: 'swiftpost', mappingFile: new URL('./mapping.json', import.meta.url) })

/** Test connection: GET /api/ping with the API key (answered 401 to a wrong one) */
export const swiftpostProbe = bearerProbe('/api/ping')
