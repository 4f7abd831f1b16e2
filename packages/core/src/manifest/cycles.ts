/**
 * Finds a cycle in a dependency graph (endpoint name → names it depends on), or undefined.
 * The cycle is returned closed and rotated to start at its smallest name, e.g.
 * `['a', 'b', 'a']`, so the same graph always reports the same cycle. A self-dependency is
 * `['a', 'a']`. Edges to names missing from the graph are ignored (reported elsewhere).
 */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const onStack = new Set<string>();
  const stack: string[] = [];

  const visit = (node: string): string[] | undefined => {
    onStack.add(node);
    stack.push(node);
    for (const next of [...(graph.get(node) ?? [])].sort(compareNames)) {
      if (!graph.has(next) || done.has(next)) continue;
      if (onStack.has(next)) return closeCycle(stack.slice(stack.indexOf(next)));
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    onStack.delete(node);
    done.add(node);
    return undefined;
  };

  for (const node of [...graph.keys()].sort(compareNames)) {
    if (done.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function closeCycle(open: string[]): string[] {
  let start = 0;
  for (let i = 1; i < open.length; i++) if (compareNames(open[i], open[start]) < 0) start = i;
  const rotated = [...open.slice(start), ...open.slice(0, start)];
  return [...rotated, rotated[0]];
}
