/**
 * Job ids by row number, packed: each row a fixed slot of bytes — the id's length, then its
 * characters — in one growing buffer outside the JavaScript heap. A million ids of Ferry's 20
 * characters (`j_<time>_<random>`) take 24 MB here, where a `string[]` of them held ~48 MB of
 * heap (a 40-byte string each and the array's pointer to it), the largest part of `ferry serve`'s
 * memory at that size. An id that does not fit a slot (longer, or not ASCII) is kept as a string
 * beside it, so any id works; '' marks a row no longer used.
 */
export class IdColumn {
  /** Bytes a row takes: one for the length, then up to SLOT - 1 ASCII characters. */
  static readonly SLOT = 24;
  private bytes = new Uint8Array(0);
  private text = Buffer.alloc(0);
  private readonly long = new Map<number, string>();
  private rows = 0;

  /** Rows, used or not (the next new row's number). */
  get length(): number {
    return this.rows;
  }

  /** Make room for `n` rows. */
  reserve(n: number): void {
    if (n * SLOT <= this.bytes.length) return;
    const bytes = new Uint8Array(n * SLOT);
    bytes.set(this.bytes);
    this.bytes = bytes;
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  get(at: number): string {
    const start = at * SLOT;
    const n = this.bytes[start] ?? EMPTY;
    if (n === LONG) return this.long.get(at)!;
    return n === EMPTY ? '' : this.text.toString('latin1', start + 1, start + 1 + n);
  }

  /** Whether the row holds an id (it is not free). */
  used(at: number): boolean {
    return at < this.rows && this.bytes[at * SLOT] !== EMPTY;
  }

  /** Put `id` at row `at` (the next new row, or one already made); '' frees it. */
  set(at: number, id: string): void {
    if (at > this.rows) throw new RangeError(`Row ${at} is past the end (${this.rows})`);
    if (at === this.rows) {
      if ((at + 1) * SLOT > this.bytes.length) this.reserve(Math.max(1024, Math.ceil(at * 1.5)));
      this.rows++;
    }
    const start = at * SLOT;
    if (this.bytes[start] === LONG) this.long.delete(at);
    if (!fits(id)) {
      this.bytes[start] = LONG;
      this.long.set(at, id);
      return;
    }
    this.bytes[start] = id.length;
    for (let i = 0; i < id.length; i++) this.bytes[start + 1 + i] = id.charCodeAt(i);
  }

  /** Whether row `at` holds `id`, without making a string of it. */
  matches(at: number, id: string): boolean {
    const start = at * SLOT;
    const n = this.bytes[start];
    if (n === LONG) return this.long.get(at) === id;
    if (n !== id.length) return false;
    for (let i = 0; i < n; i++) if (this.bytes[start + 1 + i] !== id.charCodeAt(i)) return false;
    return true;
  }

  /** The hash of row `at`'s id: `hashOf` of it, from its bytes. */
  hashAt(at: number): number {
    const start = at * SLOT;
    const n = this.bytes[start]!;
    if (n === LONG) return hashOf(this.long.get(at)!);
    let h = FNV_OFFSET;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ this.bytes[start + 1 + i]!, FNV_PRIME);
    return h >>> 0;
  }
}

const SLOT = IdColumn.SLOT;
const EMPTY = 0;
/** The length byte of an id kept as a string beside the slots. */
const LONG = 0xff;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Whether an id fits a slot: at most SLOT - 1 characters, all ASCII. */
function fits(id: string): boolean {
  if (id.length >= SLOT) return false;
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** FNV-1a over the UTF-16 code units (for an ASCII id, the same as over its bytes). */
export function hashOf(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}
