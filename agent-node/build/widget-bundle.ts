import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The widget's browser code: the loader a customer's page embeds, and the panel the node frames. */
export const WIDGET_ENTRIES = { loader: 'loader.js', panel: 'panel.js' } as const;
export type WidgetAssetName = keyof typeof WIDGET_ENTRIES;

const CLIENT_DIR = join(__dirname, '..', 'widget-client');

/** Bundles and minifies the loader and the panel for browsers (plain DOM, no framework). */
export async function buildWidgetAssets(): Promise<Record<WidgetAssetName, string>> {
  const out = {} as Record<WidgetAssetName, string>;
  for (const [name, file] of Object.entries(WIDGET_ENTRIES) as [WidgetAssetName, string][]) {
    const result = await build({
      entryPoints: [join(CLIENT_DIR, file)],
      bundle: true,
      minify: true,
      format: 'iife',
      target: ['es2020'],
      platform: 'browser',
      legalComments: 'none',
      logLevel: 'error',
      write: false,
    });
    out[name] = result.outputFiles[0].text;
  }
  return out;
}

/** Writes them where the node's bundle serves them from: `<outDir>/widget/<name>.js`. */
export async function writeWidgetAssets(outDir: string): Promise<void> {
  const assets = await buildWidgetAssets();
  mkdirSync(join(outDir, 'widget'), { recursive: true });
  for (const [name, text] of Object.entries(assets)) writeFileSync(join(outDir, 'widget', `${name}.js`), text);
}
