// Stand-in for @web/core/user: the groups of the current user are set by each test.
export const groups = new Set<string>()

export const user = {
  userId: 2,
  async hasGroup (group: string): Promise<boolean> { return groups.has(group) }
}
