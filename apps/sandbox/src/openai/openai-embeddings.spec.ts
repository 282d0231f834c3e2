import OpenAI from 'openai';
import { startSandbox, type RunningSandbox } from '../sandbox';
import { createOpenAiStandIn } from './openai.stand-in';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('OpenAI stand-in: /v1/embeddings through the official SDK', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox([createOpenAiStandIn()], 0);
  });
  afterAll(() => sandbox.close());

  const openai = (apiKey = 'sk-test-0123456789abcdefghijkl') =>
    new OpenAI({ apiKey, baseURL: `${sandbox.url}/openai/v1`, maxRetries: 0 });

  it('answers in the documented shape; the SDK decodes its default base64 to floats', async () => {
    const res = await openai().embeddings.create({
      model: 'text-embedding-3-small',
      input: ['Carbon frames carry a seven year warranty', 'What warranty do carbon frames have?', 'Opening hours'],
    });
    expect(res).toMatchObject({
      object: 'list',
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: expect.any(Number) },
    });
    expect(res.data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([
      ['embedding', 0, 1536],
      ['embedding', 1, 1536],
      ['embedding', 2, 1536],
    ]);
    const [fact, question, other] = res.data.map((d) => d.embedding);
    expect(cosine(fact, fact)).toBeCloseTo(1, 5);
    // Texts sharing words are close; texts sharing none are not.
    expect(cosine(fact, question)).toBeGreaterThan(0.4);
    expect(Math.abs(cosine(fact, other))).toBeLessThan(0.2);
    // Deterministic.
    const again = await openai().embeddings.create({ model: 'text-embedding-3-small', input: 'Opening hours' });
    expect(again.data[0].embedding).toEqual(other);
  });

  it('honours dimensions and float encoding; refuses what the API refuses', async () => {
    const short = await openai().embeddings.create({
      model: 'text-embedding-3-small',
      input: 'bike',
      dimensions: 512,
      encoding_format: 'float',
    });
    expect(short.data[0].embedding).toHaveLength(512);
    await expect(openai().embeddings.create({ model: 'nope', input: 'x' })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    await expect(
      openai().embeddings.create({ model: 'text-embedding-ada-002', input: 'x', dimensions: 8 }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(openai().embeddings.create({ model: 'text-embedding-3-small', input: '' })).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
    await expect(
      openai('bad').embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
