// Stand-in for @web/core/l10n/translation: no translations, Odoo's sprintf-style %s substitution.
export function _t (term: string, ...values: unknown[]): string {
  let i = 0
  return values.length ? term.replace(/%s/g, () => String(values[i++])) : term
}
