import { AsyncLocalStorage } from 'node:async_hooks'

/** What one HTTP call to a partner got back: its status and body, or nothing (network error, timeout). */
export interface PartnerAnswer { status: number | null, body: string | null }

/** Bodies are kept only to show their start (observability/mask.ts maskedExcerpt scans 8 KiB at most). */
const KEEP_CHARS = 8192

const storage = new AsyncLocalStorage<PartnerAnswer[]>()

/**
 * Runs `fn` (one delivery attempt) collecting into `answers` what each partner call made inside it
 * got, in completion order. The transport notes answers (http-transport.ts), so every adapter,
 * including rate shopping across carriers, is covered without each one reporting its own; calls
 * outside such a run (gateway live fields) note nothing. `answers` is filled even when `fn` throws.
 */
export async function collectPartnerAnswers<T> (answers: PartnerAnswer[], fn: () => Promise<T>): Promise<T> {
  return await storage.run(answers, fn)
}

export function notePartnerAnswer (status: number | null, body: string | null): void {
  storage.getStore()?.push({ status, body: body === null ? null : body.slice(0, KEEP_CHARS) })
}
