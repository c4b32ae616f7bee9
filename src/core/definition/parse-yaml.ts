import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import { WorkflowValidationError } from '../errors';

/** Plain YAML only: no custom tags, no code, bounded aliases, unique keys. */
export function parseYaml(text: string, origin: string): unknown {
  const lines = new LineCounter();
  const document = parseDocument(text, {
    schema: 'core',
    customTags: [],
    // The library's own check compares each key with every earlier key of its map: 20,000 keys
    // took 8 s, and a 1 MiB document minutes. duplicateKeys does the same with a Set per map.
    uniqueKeys: false,
    merge: false,
    prettyErrors: true,
    lineCounter: lines,
  });
  const problems = [...document.errors, ...document.warnings].map((issue) => issue.message);
  if (problems.length === 0) problems.push(...duplicateKeys(document.contents, lines));
  if (problems.length) throw new WorkflowValidationError(`Workflow ${origin}`, problems);
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The parser accepts some documents that only fail when built, such as an alias to no anchor.
    throw new WorkflowValidationError(`Workflow ${origin}`, [(error as Error).message]);
  }
}

/**
 * Keys that appear twice in one map, compared as the object keys they become (so `1` and `"1"`
 * collide, as they would in the result), and keys that are not plain scalars.
 */
function duplicateKeys(root: unknown, lines: LineCounter): string[] {
  const problems: string[] = [];
  const where = (range: readonly number[] | null | undefined) => {
    if (!range) return '';
    const { line, col } = lines.linePos(range[0]);
    return ` at line ${line}, column ${col}`;
  };
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isSeq(node)) {
      for (const item of node.items) pending.push(item);
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const { key, value } of node.items) {
        if (!isScalar(key)) {
          problems.push(`Map keys must be plain text${isNode(key) ? where(key.range) : ''}`);
        } else if (seen.has(String(key.value))) {
          problems.push(`Map keys must be unique: "${String(key.value)}" again${where(key.range)}`);
        } else {
          seen.add(String(key.value));
        }
        pending.push(value);
      }
    }
  }
  return problems;
}
