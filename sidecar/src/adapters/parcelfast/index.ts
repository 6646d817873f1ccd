import { createMappedCarrier } from '../carrier/mapped-carrier.ts'
import { bearerProbe } from '../probe.ts'

/** ParcelFast: snake_case REST, string status codes, decimal prices; errors are `{ error, code }`. */
export const parcelfast = createMappedCarrier({ name: 'parcelfast', mappingFile: new URL('./mapping.json', import.meta.url) })

/** Test connection: GET /v1/ping with the API key (answered 401 to a wrong one) */
export const parcelfastProbe = bearerProbe('/v1/ping')
