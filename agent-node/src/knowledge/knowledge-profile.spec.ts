import { startTestSite, type TestSite } from '@enclave/sandbox';
import { configureNode, startNodeFixture, type ConfiguredChannels, type NodeFixture } from '../testing/node-fixture';
import { waitFor } from '../testing/node-harness';
import { knowledgeClient } from './knowledge-test-client';
import type { BusinessProfile } from './knowledge-settings';

describe('business profile: drafted from the home and about pages by the workspace model, edited, joins the instructions', () => {
  let site: TestSite;
  let f: NodeFixture;
  let ch: ConfiguredChannels;
  let kb: ReturnType<typeof knowledgeClient>;

  beforeAll(async () => {
    site = await startTestSite();
    f = await startNodeFixture({ knowledge: { testAllowHosts: [site.host], crawlDelayMs: 0 } });
    ch = await configureNode(f);
    kb = knowledgeClient(f);
  });
  afterAll(async () => {
    await f.close();
    await site.close();
  });

  const requests = async () =>
    (await f.sandboxJson('GET', '/openai/_test/requests')).requests as {
      messages: { role: string; content: string }[];
    }[];

  it('drafts the profile from the home and about pages with the model', async () => {
    const r = await kb.call('POST', '/v1/knowledge/profile/draft', { url: `${site.url}/services` });
    expect(r.status).toBe(202);
    expect(r.body.profile).toMatchObject({ domain: site.host, status: 'drafting', published: false });
    const profile = await waitFor(async () => {
      const p = (await kb.overview()).profile;
      return p && p.status !== 'drafting' ? p : undefined;
    });
    expect(profile).toMatchObject({ status: 'draft', error: null });
    // The first configured agent writes it (the test config's Claude agent, on the Anthropic stand-in).
    const drafts = (await f.sandboxJson('GET', '/anthropic/_test/requests')).requests as {
      system: string;
      messages: { content: string }[];
    }[];
    const call = drafts.at(-1)!;
    expect(call.system).toContain('You write a short business profile');
    // Both pages went to the model: the home page and the about page it links to.
    expect(call.messages[0].content).toContain('independent bicycle shop in Bristol');
    expect(call.messages[0].content).toContain('family business founded by Mara and Tom Okafor');
    expect(profile.text).toContain('family business'); // the stand-in's answer quotes its input
  });

  it('the edited, published profile joins the agent instructions; unpublished it does not', async () => {
    const text = 'Northwind Cycles: a friendly bike shop in Bristol. Tone: plain-spoken.';
    const saved = await kb.call('PUT', '/v1/knowledge/profile', { text, published: true });
    expect((saved.body.profile as unknown as BusinessProfile).published).toBe(true);
    const ask = async (question: string) => {
      const before = (await requests()).length;
      await f.sandboxJson('POST', `/telegram/_test/bots/${ch.telegramToken}/updates`, { chatId: 77, text: question });
      await waitFor(async () => ((await requests()).length > before ? true : undefined));
      return (await requests()).at(-1)!.messages[0].content;
    };
    expect(await ask('Who are you?')).toBe(`You are a helpful assistant.\n\n## About the business\n${text}`);
    await kb.call('PUT', '/v1/knowledge/profile', { text, published: false });
    expect(await ask('Who are you again?')).toBe('You are a helpful assistant.');
  });

  it('a domain the node may not fetch fails the draft with the reason', async () => {
    await kb.call('POST', '/v1/knowledge/profile/draft', { url: 'http://169.254.169.254/' });
    const profile = await waitFor(async () => {
      const p = (await kb.overview()).profile;
      return p && p.status === 'failed' ? p : undefined;
    });
    expect(profile.error).toBe(
      'the home page could not be read: refused: 169.254.169.254 is a link-local address (cloud metadata)',
    );
  });
});
