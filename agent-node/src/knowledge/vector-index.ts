import type { KnowledgeRepository } from './knowledge.repository';

/**
 * The stored embeddings as an in-memory int8 index (one byte per dimension and a scale per
 * vector: 512 bytes a chunk, 5 MB per 10k chunks), built from SQLite on the first question and
 * again after the chunks change. Scanning it is a tight loop over one typed array; reading the
 * float32 blobs from SQLite for every question took ~40 µs a chunk (bench/knowledge.bench.ts).
 */
export class VectorIndex {
  private built = -1;
  private ids = new Int32Array(0);
  private scales = new Float32Array(0);
  private values = new Int8Array(0);
  private dims = 0;

  constructor(private readonly repo: KnowledgeRepository) {}

  /** The `k` nearest stored vectors to the unit vector `q` with cosine ≥ `floor`, best first. */
  nearest(q: Float32Array, k: number, floor: number): { id: number; score: number }[] {
    this.refresh();
    const { ids, scales, values, dims } = this;
    const best: { id: number; score: number }[] = [];
    if (dims !== q.length) return best;
    for (let row = 0; row < ids.length; row++) {
      let dot = 0;
      const base = row * dims;
      for (let d = 0; d < dims; d++) dot += q[d] * values[base + d];
      const score = dot * scales[row];
      if (score < floor || (best.length === k && score <= best[k - 1].score)) continue;
      let i = best.length < k ? best.length : k - 1;
      best[i] = { id: ids[row], score };
      while (i > 0 && best[i - 1].score < best[i].score) {
        [best[i - 1], best[i]] = [best[i], best[i - 1]];
        i--;
      }
    }
    return best;
  }

  private refresh(): void {
    const version = this.repo.version();
    if (version === this.built) return;
    const count = this.repo.embeddedCount();
    let row = 0;
    for (const { id, embedding } of this.repo.embeddings()) {
      if (row === 0) {
        this.dims = embedding.length;
        this.ids = new Int32Array(count);
        this.scales = new Float32Array(count);
        this.values = new Int8Array(count * this.dims);
      }
      if (row >= count || embedding.length !== this.dims) continue;
      let max = 0;
      for (const x of embedding) max = Math.max(max, Math.abs(x));
      const scale = max / 127 || 1;
      for (let d = 0; d < this.dims; d++) this.values[row * this.dims + d] = Math.round(embedding[d] / scale);
      this.ids[row] = id;
      this.scales[row] = scale;
      row++;
    }
    if (row === 0) this.dims = 0;
    this.ids = this.ids.subarray(0, row);
    this.built = version;
  }
}
