import { createMappedCarrier } from '../carrier/mapped-carrier.ts'

/** SwiftPost: camelCase, numeric status codes, grams and cents; errors are `{ error, code }`. */
export const swiftpost = createMappedCarrier({ name: 'swiftpost', mappingFile: new URL('./mapping.json', import.meta.url) })
