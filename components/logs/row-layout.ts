/**
 * Offsets of a virtual list's rows whose heights are a default unless
 * measured (wrapped lines): a Fenwick tree over the heights, so the offset of
 * a row, the row at an offset, appending a row and changing one height are
 * all O(log n). A million rows cost two Float64Arrays (16 MB) and no objects.
 */
export class RowLayout {
  private tree = new Float64Array(1);
  private heights = new Float64Array(0);
  private n = 0;
  /** Every row has the default height (no tree kept): offsets are arithmetic. Left by the first other height. */
  private uniform = true;

  constructor(readonly defaultHeight: number) {}

  get count(): number {
    return this.n;
  }

  /** Sum of all heights. */
  get total(): number {
    return this.uniform ? this.n * this.defaultHeight : this.prefix(this.n);
  }

  /** Replaces all rows: `count` rows, each `heightOf(i)` (default height when it returns undefined). O(n). */
  reset(count: number, heightOf?: (row: number) => number | undefined): void {
    if (!heightOf) {
      // All rows the default height: nothing to build (O(1)).
      this.uniform = true;
      this.n = count;
      return;
    }
    this.uniform = false;
    this.n = 0;
    this.ensure(count);
    const h = this.heights;
    const t = this.tree;
    t.fill(0);
    for (let i = 0; i < count; i++) h[i] = heightOf?.(i) ?? this.defaultHeight;
    // Linear-time build: each node adds itself to its parent.
    for (let i = 1; i <= count; i++) t[i] = (t[i] as number) + (h[i - 1] as number);
    for (let i = 1; i <= count; i++) {
      const parent = i + (i & -i);
      if (parent <= count) t[parent] = (t[parent] as number) + (t[i] as number);
    }
    this.n = count;
  }

  /** Appends rows up to `count` (rows already present keep their heights). */
  grow(count: number, heightOf?: (row: number) => number | undefined): void {
    if (count <= this.n) return;
    if (this.uniform && !heightOf) {
      this.n = count;
      return;
    }
    if (this.uniform) this.leaveUniform();
    if (count >= this.tree.length) {
      // Out of room: rebuild at the new size (amortised O(1) per row: capacity doubles).
      const old = this.heights.slice(0, this.n);
      const keep = this.n;
      this.reset(count, (i) => (i < keep ? old[i] : heightOf?.(i)));
      return;
    }
    for (let i = this.n; i < count; i++) {
      const h = heightOf?.(i) ?? this.defaultHeight;
      this.heights[i] = h;
      const node = i + 1;
      // A new last node covers (node - lowbit, node]: its own height plus the nodes below it.
      this.tree[node] = h + this.prefixOf(node - 1) - this.prefixOf(node - (node & -node));
      this.n = node;
    }
  }

  height(row: number): number {
    return this.uniform ? this.defaultHeight : (this.heights[row] ?? this.defaultHeight);
  }

  /** Sets one row's height; returns the change. */
  setHeight(row: number, h: number): number {
    if (row < 0 || row >= this.n) return 0;
    if (this.uniform) {
      if (h === this.defaultHeight) return 0;
      this.leaveUniform();
    }
    const delta = h - (this.heights[row] as number);
    if (delta === 0) return 0;
    this.heights[row] = h;
    for (let i = row + 1; i <= this.n; i += i & -i) this.tree[i] = (this.tree[i] as number) + delta;
    return delta;
  }

  /** Top of `row` (the sum of the heights before it). */
  offset(row: number): number {
    const r = Math.max(0, Math.min(row, this.n));
    return this.uniform ? r * this.defaultHeight : this.prefix(r);
  }

  /** The row at vertical position `y` (clamped to the rows). */
  rowAt(y: number): number {
    if (this.n === 0) return 0;
    if (y <= 0) return 0;
    if (this.uniform) return Math.min(this.n - 1, Math.floor(y / this.defaultHeight));
    let pos = 0;
    let rest = y;
    for (let step = highestPowerOfTwo(this.n); step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= this.n && (this.tree[next] as number) <= rest) {
        pos = next;
        rest -= this.tree[next] as number;
      }
    }
    return Math.min(pos, this.n - 1);
  }

  /** Builds the tree for the current rows, all at the default height. */
  private leaveUniform(): void {
    const n = this.n;
    this.reset(n, () => this.defaultHeight);
  }

  private prefix(k: number): number {
    return this.prefixOf(k);
  }

  private prefixOf(k: number): number {
    let s = 0;
    for (let i = k; i > 0; i -= i & -i) s += this.tree[i] as number;
    return s;
  }

  private ensure(count: number): void {
    if (count < this.tree.length) return;
    let cap = Math.max(1024, this.tree.length);
    while (cap <= count) cap *= 2;
    this.tree = new Float64Array(cap + 1);
    const h = new Float64Array(cap);
    h.set(this.heights.subarray(0, Math.min(this.heights.length, cap)));
    this.heights = h;
  }
}

function highestPowerOfTwo(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}
