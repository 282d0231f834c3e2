import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlPlaneConfigSchema, SENSITIVE_CONFIG_KEYS } from './config.schema';
import { loadConfig } from './load-config';

/** `.env.example` is the configuration reference: it must list exactly what the schema reads. */
describe('.env.example', () => {
  const lines = readFileSync(join(__dirname, '../../../../.env.example'), 'utf8').split('\n');
  const entries = lines
    .map((line) => /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([line, commented, key, rest]) => ({
      line,
      key,
      commented: Boolean(commented),
      value: rest.replace(/\s+#.*$/, '').trim(),
    }));
  const schemaKeys = Object.keys(controlPlaneConfigSchema.shape).sort();

  it('documents every variable the control plane reads, and no other', () => {
    expect([...new Set(entries.map((entry) => entry.key))].sort()).toEqual(schemaKeys);
  });

  it('marks every sensitive variable as a secret', () => {
    for (const key of SENSITIVE_CONFIG_KEYS) {
      const entry = entries.find((candidate) => candidate.key === key);
      expect({ key, marked: entry?.line.includes('(secret)') }).toEqual({ key, marked: true });
    }
  });

  it('is a valid configuration as written', () => {
    const env = Object.fromEntries(
      entries.filter((entry) => !entry.commented).map((entry) => [entry.key, entry.value]),
    );
    expect(() => loadConfig(env)).not.toThrow();
  });
});
