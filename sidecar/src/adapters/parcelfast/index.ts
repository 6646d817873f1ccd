import { createMappedCarrier } from '../carrier/mapped-carrier.ts'

/** ParcelFast: snake_case REST, string status codes, decimal prices; errors are `{ error, code }`. */
export const parcelfast = createMappedCarrier({ name: 'parcelfast', mappingFile: new URL('./mapping.json', import.meta.url) })
