import type { Dispatcher } from 'undici'

/** What a subgraph may answer at most, SDL or data: more is a subgraph misbehaving, not a bigger result. */
export const MAX_SUBGRAPH_ANSWER_BYTES = 10 * 1024 * 1024

export class AnswerTooLarge extends Error {}

/** Drops an answer unread: undici's body errors with "Request aborted" when destroyed, nobody's error here. */
export function discard (answer: Dispatcher.ResponseData): void {
  answer.body.on('error', () => {})
  answer.body.destroy()
}

/**
 * The body as text, refused as soon as it passes `maxBytes` (by its content-length when it says so, else
 * while it streams), so a subgraph cannot fill the sidecar's memory within its timeout.
 */
export async function readLimited (answer: Dispatcher.ResponseData, maxBytes = MAX_SUBGRAPH_ANSWER_BYTES): Promise<string> {
  const declared = Number(answer.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(answer)
    throw new AnswerTooLarge(`its answer is ${declared} bytes, more than ${maxBytes}`)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of answer.body) {
    size += (chunk as Buffer).length
    if (size > maxBytes) {
      discard(answer)
      throw new AnswerTooLarge(`its answer is more than ${maxBytes} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
