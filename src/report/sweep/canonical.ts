// Canonical JSON: keys sorted (by UTF-16 code units) at every depth, no whitespace,
// numbers as JavaScript prints them, non-finite numbers as the strings "NaN",
// "Infinity", "-Infinity" (JSON has none). Same value, same bytes: what makes merged
// sweep results byte-identical however the points were sharded.

/** The canonical text of a JSON-ready value (undefined members are dropped, as JSON does). */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number': return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
    case 'string': return JSON.stringify(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'bigint': return JSON.stringify(value.toString());
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      if (ArrayBuffer.isView(value)) return canonicalJson(Array.from(value as unknown as ArrayLike<number>));
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareKeys);
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default: return 'null';
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A number read back from canonical JSON ("NaN", "Infinity", "-Infinity" included). */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return undefined;
}
