// Stand-in for @web/core/l10n/dates: server datetimes stay in UTC; formatted "YYYY-MM-DD HH:MM" or by
// the given format's time part, enough for assertions.
export interface DateTime { readonly isValid: boolean, readonly value: string }

export function deserializeDateTime (value: string): DateTime {
  return { isValid: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value), value }
}

export function formatDateTime (value: DateTime | false, options: { format?: string } = {}): string {
  if (!value) return ''
  return options.format === 'HH:mm' ? value.value.slice(11, 16) : value.value.slice(0, 16)
}
