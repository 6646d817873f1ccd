// Stand-in for @web/core/assets: a test decides what loading a bundle does (define globals, fail).
export const bundles: { load: (name: string) => Promise<void>, loaded: string[] } = {
  load: async () => {},
  loaded: []
}

export async function loadBundle (name: string): Promise<void> {
  bundles.loaded.push(name)
  await bundles.load(name)
}
