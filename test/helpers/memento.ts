// An in-memory stand-in for vscode.Memento (workspaceState) for plain-Node tests.
export function memoryMemento(): { get<T>(key: string): T | undefined; update(key: string, value: unknown): Promise<void>; keys(): string[] } {
  const map = new Map<string, unknown>();
  return {
    // A copy, as VS Code's memento hands out: callers must not be able to edit the stored value in place.
    get: <T>(key: string) => (map.has(key) ? (structuredClone(map.get(key)) as T) : undefined),
    update: async (key, value) => {
      if (value === undefined) map.delete(key);
      else map.set(key, structuredClone(value));
    },
    keys: () => [...map.keys()],
  };
}
