// The numbers a campaign already has, to leave out repeats: E.164 digits as a float64 (exact:
// at most 15 digits, below 2^53) in an open-addressing table on a Float64Array, kept at most
// half full. 16 bytes a number at worst — 16 MB for a million recipients — and outside the JS
// heap, where a Set of strings would take about 60 MB of it.

export class NumberSet {
  private table = new Float64Array(1 << 12);
  private mask = this.table.length - 1;
  size = 0;

  /** Adds the number; false when it was already there. `value` must be a positive integer. */
  add(value: number): boolean {
    if (this.size * 2 >= this.table.length) this.grow();
    return this.insert(this.table, this.mask, value);
  }

  private insert(table: Float64Array, mask: number, value: number): boolean {
    let slot = hash(value) & mask;
    for (;;) {
      const found = table[slot];
      if (found === 0) {
        table[slot] = value;
        this.size++;
        return true;
      }
      if (found === value) return false;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    this.mask = this.table.length - 1;
    this.size = 0;
    for (const value of old) if (value !== 0) this.insert(this.table, this.mask, value);
  }
}

function hash(value: number): number {
  const low = value >>> 0;
  const high = Math.floor(value / 4_294_967_296) >>> 0;
  let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
