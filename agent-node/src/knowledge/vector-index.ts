import type { KnowledgeRepository } from './knowledge.repository';

/** One source's vectors: ids, a scale per vector and one signed byte per dimension. */
interface Segment {
  readonly ids: Int32Array;
  readonly scales: Float32Array;
  readonly values: Int8Array;
  readonly dims: number;
}

function quantise(vectors: readonly { id: number; embedding: Float32Array }[]): Segment | undefined {
  const dims = vectors[0]?.embedding.length ?? 0;
  const kept = vectors.filter((v) => v.embedding.length === dims);
  if (dims === 0 || kept.length === 0) return undefined;
  const ids = new Int32Array(kept.length);
  const scales = new Float32Array(kept.length);
  const values = new Int8Array(kept.length * dims);
  kept.forEach(({ id, embedding }, row) => {
    let max = 0;
    for (const x of embedding) max = Math.max(max, Math.abs(x));
    const scale = max / 127 || 1;
    for (let d = 0; d < dims; d++) values[row * dims + d] = Math.round(embedding[d] / scale);
    ids[row] = id;
    scales[row] = scale;
  });
  return { ids, scales, values, dims };
}

/**
 * The stored embeddings as an in-memory int8 index (512 bytes a chunk: 5 MB per 10k chunks),
 * one segment per source: read from SQLite on the first question, then only the sources whose
 * chunks changed are read again. Scanning it is a tight loop over typed arrays; reading the
 * float32 blobs from SQLite for every question cost ~40 µs a chunk (bench/knowledge.bench.ts).
 */
export class VectorIndex {
  private segments: Map<string, Segment> | undefined;

  constructor(private readonly repo: KnowledgeRepository) {}

  /** The `k` nearest stored vectors to the unit vector `q` with cosine ≥ `floor`, best first. */
  nearest(q: Float32Array, k: number, floor: number): { id: number; score: number }[] {
    const best: { id: number; score: number }[] = [];
    for (const { ids, scales, values, dims } of this.current().values()) {
      if (dims !== q.length) continue;
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
    }
    return best;
  }

  private current(): Map<string, Segment> {
    const changed = this.repo.takeChanged();
    if (!this.segments) {
      const bySource = new Map<string, { id: number; embedding: Float32Array }[]>();
      for (const v of this.repo.embeddings()) {
        const list = bySource.get(v.sourceId) ?? [];
        list.push(v);
        bySource.set(v.sourceId, list);
      }
      this.segments = new Map();
      for (const [sourceId, vectors] of bySource) this.put(sourceId, quantise(vectors));
      return this.segments;
    }
    for (const sourceId of changed) this.put(sourceId, quantise([...this.repo.embeddings(sourceId)]));
    return this.segments;
  }

  private put(sourceId: string, segment: Segment | undefined): void {
    if (segment) this.segments?.set(sourceId, segment);
    else this.segments?.delete(sourceId);
  }
}
