/** Percentile of a sample (nearest-rank), in the sample's unit. */
export function percentile (values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export function fmt (n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a'
}

/** One printed result line: our figure, the reference's, and the ratio between them. */
export function report (name: string, ours: number, reference: number, unit: string, better: 'higher' | 'lower'): void {
  const ratio = ours / reference
  console.log(`${name.padEnd(52)} ${fmt(ours).padStart(10)} ${unit.padEnd(8)} reference ${fmt(reference).padStart(10)} ${unit.padEnd(8)} ratio ${fmt(ratio, 2)} (${better} is better)`)
}
