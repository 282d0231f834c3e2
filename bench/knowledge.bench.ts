/**
 * The knowledge base on the node: ingesting 1,000 pages of a site crawl (pages/s against the
 * floor of fetching the same pages through the same guarded fetcher, no extraction or
 * indexing; peak RSS of this process — the node's knowledge pieces — and of the extractor
 * child), retrieval p50/p99 at 10k and 100k chunks (BM25 only, and hybrid BM25 + vectors), and
 * recall@5 on a labelled question set, hybrid against BM25 only.
 *
 *   node -r @swc-node/register bench/knowledge.bench.ts [--pages 1000] [--sizes 10000,100000] [--no-write]
 *
 * The test site and the OpenAI stand-in run in a child process (bench/knowledge-site.ts), so
 * their memory is not counted here. Vectors are the stand-in's (feature-hashed words), not
 * OpenAI's: recall figures compare the two rankings on the same vectors, not OpenAI's quality.
 */
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { nodeBundleOptions } from '../agent-node/build/bundle';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { generatedPage } from '../apps/sandbox/src/test-site/test-site';
import { standInEmbedding } from '../apps/sandbox/src/openai/openai-embeddings';
import { CRAWLER_USER_AGENT } from '../agent-node/src/knowledge/crawler';
import { EMBEDDING_DIMENSIONS, EmbeddingClient } from '../agent-node/src/knowledge/embeddings';
import { Extractor } from '../agent-node/src/knowledge/extractor/extractor';
import { IngestService } from '../agent-node/src/knowledge/ingest.service';
import { DEFAULT_KNOWLEDGE_CONFIG as K } from '../agent-node/src/knowledge/knowledge-config';
import { KnowledgeRepository } from '../agent-node/src/knowledge/knowledge.repository';
import { Retriever } from '../agent-node/src/knowledge/retrieval';
import { safeFetch } from '../agent-node/src/knowledge/safe-fetch';
import { createLogger } from '../agent-node/src/logging/logger';
import { openDatabase } from '../agent-node/src/storage/database';
import { removeDir, tempDir } from '../agent-node/src/testing/node-harness';
import { LABELLED, syntheticChunk, VOCABULARY } from './knowledge-data';
import { benchContext, flagValue, writeBenchmarkSection } from './report';

const PAGES = Number(flagValue('--pages') ?? 1000);
const SIZES = (flagValue('--sizes') ?? '10000,100000').split(',').map(Number);
const QUERIES = 300;
const KEY = 'sk-bench-0123456789abcdefghijklmnop';
const mb = (bytes: number) => bytes / 1024 / 1024;
const unit = (v: Float32Array) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / n);
};
/** The stand-in's vectors computed here (same function), so retrieval timings measure no HTTP. */
const local = {
  embed: async (_key: string, texts: readonly string[]) => texts.map((t) => standInEmbedding(t, EMBEDDING_DIMENSIONS)),
};

async function startSite(): Promise<{ site: string; host: string; sandbox: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, 'knowledge-site.ts'), String(PAGES)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  return { ...(JSON.parse(line) as { site: string; host: string; sandbox: string }), stop: () => child.kill() };
}

async function ingest() {
  const far = await startSite();
  const fetchOptions = {
    allowHosts: [far.host],
    maxBytes: K.maxPageBytes,
    timeoutMs: 15_000,
    maxRedirects: 5,
    userAgent: CRAWLER_USER_AGENT,
  };
  // Floor: the same pages through the same guarded fetcher, nothing else.
  const floorStart = performance.now();
  for (let n = 1; n <= PAGES; n++) await safeFetch(`${far.site}/gen/${n}`, fetchOptions);
  const floorSeconds = (performance.now() - floorStart) / 1000;

  const dir = tempDir('enclave-kb-bench-');
  const db = openDatabase(join(dir, 'node.sqlite'));
  const repo = new KnowledgeRepository(db);
  // The child as shipped: the bundle's second entry (from source it would carry the TypeScript loader).
  const bundle = tempDir('enclave-kb-bundle-');
  await build({
    ...nodeBundleOptions(),
    entryPoints: [join(__dirname, '..', 'agent-node/src/knowledge/extractor/extractor-child.ts')],
    outfile: join(bundle, 'knowledge-extractor.js'),
  });
  const extractor = new Extractor({
    childEntry: join(bundle, 'knowledge-extractor.js'),
    maxHeapMb: K.extractorHeapMb,
    maxRssMb: K.extractorRssMb,
    timeoutMs: K.extractorTimeoutMs,
    idleMs: 60_000,
  });
  // Where the time goes: extraction (child round trips), embedding calls, the SQLite write.
  const spent = { extract: 0, embed: 0, write: 0 };
  const timed = <T>(key: keyof typeof spent, run: () => T): T => {
    const t = performance.now();
    const out = run();
    if (out instanceof Promise) return out.finally(() => (spent[key] += performance.now() - t)) as T;
    spent[key] += performance.now() - t;
    return out;
  };
  const write = repo.replaceChunks.bind(repo);
  repo.replaceChunks = (...args) => timed('write', () => write(...args));
  const client = new EmbeddingClient(`${far.sandbox}/openai/v1`, 30_000);
  const service = new IngestService({
    repo,
    extract: (req) => timed('extract', () => extractor.extract(req)),
    fetchOptions,
    limits: {
      maxPages: PAGES,
      maxDepth: 1,
      delayMs: 0,
      maxPdfPages: K.maxPdfPages,
      maxUnzippedBytes: K.maxUnzippedBytes,
      maxChars: K.maxChars,
    },
    embeddings: { embed: (key, texts) => timed('embed', () => client.embed(key, texts)) },
    openaiKey: () => KEY,
    logger: createLogger('silent'),
  });
  global.gc?.();
  const baseline = mb(process.memoryUsage().rss);
  const heapBaseline = mb(process.memoryUsage().heapUsed);
  let peak = baseline;
  let heapPeak = heapBaseline;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, mb(m.rss));
    heapPeak = Math.max(heapPeak, mb(m.heapUsed));
  }, 20);
  const source = repo.create('site', far.site, `${far.site}/`);
  const start = performance.now();
  await service.kick();
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  const done = repo.get(source.id);
  extractor.stop();
  db.close();
  removeDir(dir);
  removeDir(bundle);
  far.stop();
  if (done?.status !== 'ready') throw new Error(`ingest failed: ${done?.error}`);
  return {
    pages: done.pages,
    chunks: done.chunks,
    seconds,
    floorSeconds,
    baseline,
    peak,
    heapBaseline,
    heapPeak,
    extractorPeak: extractor.peakRssMb,
    spent: { extract: spent.extract / 1000, embed: spent.embed / 1000, write: spent.write / 1000 },
  };
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

/** Each vocabulary word's slot and sign in the stand-in's vector, so 100k chunk vectors are sums, not hashes. */
const WORD_SLOTS = new Map(
  VOCABULARY.map((w) => {
    const v = standInEmbedding(w, EMBEDDING_DIMENSIONS);
    const slot = v.findIndex((x) => x !== 0);
    return [w, slot < 0 ? undefined : { slot, sign: Math.sign(v[slot]) }] as const;
  }),
);

function chunkVector(text: string): Float32Array {
  const v = new Float32Array(EMBEDDING_DIMENSIONS);
  for (const w of text.split(' ')) {
    const s = WORD_SLOTS.get(w);
    if (s) v[s.slot] += s.sign;
  }
  return unit(v);
}

async function retrieval(size: number) {
  const dir = tempDir('enclave-kb-bench-');
  const db = openDatabase(join(dir, 'node.sqlite'));
  db.pragma('synchronous = OFF');
  const repo = new KnowledgeRepository(db);
  const seedStart = performance.now();
  const BATCH = 10_000; // one source per 10k chunks: memory stays at one batch
  for (let from = 0; from < size; from += BATCH) {
    const source = repo.create('site', `synthetic ${from}`, null);
    const count = Math.min(BATCH, size - from);
    const chunks = Array.from({ length: count }, (_, i) => {
      const text = syntheticChunk(from + i);
      return { title: `Synthetic ${from + i}`, url: null, text, embedding: chunkVector(text) };
    });
    repo.replaceChunks(source.id, chunks, count, 0);
  }
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const retriever = new Retriever(repo, local, { topK: K.topK, minCosine: K.minCosine, promptChars: K.promptChars });
  const queries = Array.from({ length: QUERIES }, (_, q) =>
    Array.from({ length: 6 }, (_, i) => VOCABULARY[(q * 7717 + i * 3301) % VOCABULARY.length]).join(' '),
  );
  const time = async (key: string | undefined) => {
    const ms: number[] = [];
    for (const q of queries) {
      const t = performance.now();
      await retriever.search(q, key);
      ms.push(performance.now() - t);
    }
    return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
  };
  const bm25 = await time(undefined);
  // The first question after chunks changed builds the in-memory vector index: timed on its own.
  const buildStart = performance.now();
  await retriever.search(queries[0], KEY);
  const firstHybridMs = performance.now() - buildStart;
  const hybrid = await time(KEY);
  // A source added afterwards: only its vectors are read into the index.
  const added = repo.create('qa', 'added', null);
  const text = syntheticChunk(size + 1);
  repo.replaceChunks(added.id, [{ title: 'Added', url: null, text, embedding: chunkVector(text) }], 1, 0);
  const changeStart = performance.now();
  await retriever.search(queries[1], KEY);
  const afterChangeMs = performance.now() - changeStart;
  db.close();
  removeDir(dir);
  return { size, seedSeconds, bm25, hybrid, firstHybridMs, afterChangeMs };
}

async function recall() {
  const dir = tempDir('enclave-kb-bench-');
  const db = openDatabase(join(dir, 'node.sqlite'));
  const repo = new KnowledgeRepository(db);
  const distractors = repo.create('site', 'distractors', null);
  repo.replaceChunks(
    distractors.id,
    Array.from({ length: 1000 }, (_, i) => {
      const text = generatedPage(i + 1)
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
      return { title: `Guide ${i + 1}`, url: null, text, embedding: standInEmbedding(text, EMBEDDING_DIMENSIONS) };
    }),
    1000,
    0,
  );
  const factIds = LABELLED.map(({ fact }) => {
    const s = repo.create('qa', fact, null);
    repo.replaceChunks(
      s.id,
      [{ title: 'Shop facts', url: null, text: fact, embedding: standInEmbedding(fact, EMBEDDING_DIMENSIONS) }],
      1,
      0,
    );
    return s.id;
  });
  const retriever = new Retriever(repo, local, { topK: 5, minCosine: K.minCosine, promptChars: K.promptChars });
  const score = async (key: string | undefined) => {
    let hits = 0;
    for (const [i, { question }] of LABELLED.entries())
      if ((await retriever.search(question, key, 5)).some((h) => h.sourceId === factIds[i])) hits++;
    return hits / LABELLED.length;
  };
  const result = { bm25: await score(undefined), hybrid: await score(KEY), questions: LABELLED.length };
  db.close();
  removeDir(dir);
  return result;
}

async function main(): Promise<void> {
  const i = await ingest();
  process.stdout.write(`ingest ${JSON.stringify(i)}\n`);
  const r: Awaited<ReturnType<typeof retrieval>>[] = [];
  for (const size of SIZES) {
    r.push(await retrieval(size));
    process.stdout.write(`retrieval ${JSON.stringify(r.at(-1))}\n`);
  }
  const q = await recall();
  process.stdout.write(`recall ${JSON.stringify(q)}\n`);
  const f = (n: number, d = 1) => n.toFixed(d);
  writeBenchmarkSection(
    'Knowledge base: ingestion, retrieval, recall',
    `${benchContext()} \`node -r @swc-node/register bench/knowledge.bench.ts\`.

**Ingest ${i.pages} pages** (site crawl of the test website's generated pages: fetch through the SSRF guard, extraction in the child process, chunking, FTS5, embeddings from the stand-in, one transaction): ${f(i.seconds)} s, **${f(i.pages / i.seconds)} pages/s**, ${i.chunks} chunks. Floor (the same pages fetched through the same guard, nothing else): ${f(PAGES / i.floorSeconds)} pages/s — ingestion runs at ${f(i.pages / i.seconds / (PAGES / i.floorSeconds), 2)}× the floor. Where the time went: extraction in the child ${f(i.spent.extract)} s (${f((i.spent.extract / i.seconds) * 100, 0)} %), embedding calls ${f(i.spent.embed)} s, the SQLite write ${f(i.spent.write, 2)} s, the rest (fetching, robots and sitemap, chunking) ${f(i.seconds - i.spent.extract - i.spent.embed - i.spent.write)} s. This process (the node's knowledge pieces, plus the TypeScript loader and esbuild that built the child): RSS ${f(i.baseline)} MB before, peak ${f(i.peak)} MB; V8 heap used ${f(i.heapBaseline)} → peak ${f(i.heapPeak)} MB (the crawled texts are held until the source is indexed in one transaction). Peak RSS of the extractor child (bundled, as shipped): ${f(i.extractorPeak)} MB (its cap: ${K.extractorRssMb} MB, heap cap ${K.extractorHeapMb} MB).

**Retrieval** (${QUERIES} queries of 6 words; chunks of ~1,600 characters with ${EMBEDDING_DIMENSIONS}-dimension vectors; top ${K.topK}):

| chunks | BM25 only p50 / p99 | hybrid p50 / p99 | hybrid ÷ BM25 (p99) | first hybrid question (reads every vector) | first hybrid question after a source was added |
|---|---|---|---|---|---|
${r.map((x) => `| ${x.size.toLocaleString('en')} | ${f(x.bm25.p50, 2)} / ${f(x.bm25.p99, 2)} ms | ${f(x.hybrid.p50, 2)} / ${f(x.hybrid.p99, 2)} ms | ${f(x.hybrid.p99 / x.bm25.p99, 1)}× | ${f(x.firstHybridMs, 0)} ms | ${f(x.afterChangeMs, 0)} ms |`).join('\n')}

**Recall@5** on ${q.questions} labelled questions (each worded differently from its fact) among 1,000 on-topic distractor chunks: BM25 only ${f(q.bm25 * 100, 0)} %, hybrid ${f(q.hybrid * 100, 0)} %. The vectors are the stand-in's feature-hashed words (plural "s" folded, common words out), so this compares the fusion against BM25 alone on the same words; OpenAI's vectors also match meaning, which this cannot show.

Reading: ingestion is paced by the one-request-at-a-time crawl and the per-page extraction round trip (shares above), not by SQLite; hybrid retrieval adds the full scan of the in-memory int8 vectors (no ANN index), which grows linearly with the chunk count (hybrid − BM25 at p50: ${r.map((x) => `${f(x.hybrid.p50 - x.bm25.p50, 0)} ms at ${x.size.toLocaleString('en')}`).join(', ')}), and the first question after a restart reads every vector from SQLite (later changes re-read only their source). Target: a 1,000-page site ingested in minutes on a 2-core VPS without the node's RSS growing by more than the chunks it holds; retrieval p99 well under the model call it precedes (≥ 500 ms; here: under 250 ms): ${r.map((x) => `${x.hybrid.p99 < 250 ? 'met' : 'missed'} at ${x.size.toLocaleString('en')} chunks (hybrid p99 ${f(x.hybrid.p99)} ms)`).join(', ')}.`,
  );
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
