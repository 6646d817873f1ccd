// Stand-in for @web/core/registry: named categories of key -> value, what the components register into.
export class Registry {
  readonly content = new Map<string, unknown>()
  readonly #categories = new Map<string, Registry>()

  add (key: string, value: unknown, { force = false }: { force?: boolean } = {}): this {
    if (this.content.has(key) && !force) throw new Error(`Cannot add '${key}': it is already in the registry`)
    this.content.set(key, value)
    return this
  }

  get (key: string, defaultValue?: unknown): any {
    if (!this.content.has(key) && arguments.length < 2) throw new Error(`Cannot find ${key} in this registry!`)
    return this.content.has(key) ? this.content.get(key) : defaultValue
  }

  contains (key: string): boolean {
    return this.content.has(key)
  }

  category (name: string): Registry {
    let category = this.#categories.get(name)
    if (!category) this.#categories.set(name, category = new Registry())
    return category
  }
}

export const registry = new Registry()
