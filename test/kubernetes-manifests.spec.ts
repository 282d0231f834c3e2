import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { controlPlaneConfigSchema, loadConfig, SENSITIVE_CONFIG_KEYS } from '@enclave/platform';
import type { Model } from '@kubernetes-models/base';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import type { IContainer, IPodSpec } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { HealthController } from '../apps/api/src/health/health.controller';

/**
 * No cluster runs where our tests do, so deploy/kubernetes is kept correct by reading it: every
 * object must pass the Kubernetes OpenAPI schema of its kind (kubernetes-models), and everything
 * a schema cannot know must agree with the code: the variables the config schema needs, the
 * health route, the commands of the Dockerfile and package.json, the worker's shutdown grace.
 */
const ROOT = join(__dirname, '..');
const MANIFESTS = join(ROOT, 'deploy/kubernetes');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [field: string]: unknown };
type Kustomization = { resources: string[]; images: { name: string; newName: string; newTag: string }[] };

/** The kinds deploy/kubernetes may hold, each with the model that validates it. */
const MODELS: Record<string, new (data: Manifest) => Model<unknown>> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Throws with the schema's messages when `manifest` is not a valid object of its kind. */
function validateManifest(manifest: Manifest): void {
  const model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!model) throw new Error(`${manifest.apiVersion} ${manifest.kind} is not a kind deploy/kubernetes uses`);
  new model(manifest).validate();
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? yamlFiles(join(dir, entry.name))
      : entry.name.endsWith('.yaml')
        ? [join(dir, entry.name)]
        : [],
  );
}

function readDocuments(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((document) => {
    if (document.errors.length) throw new Error(`${file}: ${document.errors[0].message}`);
    return document.toJS() as unknown;
  });
}

const files = yamlFiles(MANIFESTS).map((path) => ({ path: relative(MANIFESTS, path), documents: readDocuments(path) }));
const isKustomization = (path: string) => posix.basename(path) === 'kustomization.yaml';
/** Shipped for the reader to copy, never applied. */
const SECRET_EXAMPLE = 'secret.example.yaml';
const manifests = files.filter((file) => !isKustomization(file.path)).flatMap((file) => file.documents as Manifest[]);
const kustomizations = files.filter((file) => isKustomization(file.path));

function only(kind: string, name: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0];
}
const podSpec = (manifest: Manifest): IPodSpec => (manifest.spec as { template: { spec: IPodSpec } }).template.spec;
const containerImages = (manifest: Manifest): string[] =>
  (manifest.spec as { template?: { spec: IPodSpec } } | undefined)?.template?.spec.containers.map(
    (container) => container.image ?? '',
  ) ?? [];
const containerOf = (manifest: Manifest): IContainer => {
  const { containers } = podSpec(manifest);
  expect(containers).toHaveLength(1);
  return containers[0];
};

const configMap = only('ConfigMap', 'enclave-config').data as Record<string, string>;
const envSecret = only('Secret', 'enclave-env').stringData as Record<string, string>;
const filesSecret = only('Secret', 'enclave-files').stringData as Record<string, string>;
const config = loadConfig({ ...configMap, ...envSecret });
const api = only('Deployment', 'enclave-api');
const worker = only('Deployment', 'enclave-worker');
const migrate = only('Job', 'enclave-migrate');

const dockerfile = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8');
/** The CMD of one Dockerfile stage (`FROM … AS <stage>` up to the next FROM). */
function dockerCommand(stage: string): string[] {
  const body = new RegExp(`^FROM .+ AS ${stage}$([\\s\\S]*?)(?=^FROM |(?![\\s\\S]))`, 'm').exec(dockerfile)?.[1];
  const cmd = body && /^CMD (\[.*\])$/m.exec(body)?.[1];
  if (!cmd) throw new Error(`docker/Dockerfile has no CMD for stage ${stage}`);
  return JSON.parse(cmd) as string[];
}

describe('deploy/kubernetes', () => {
  describe('Kubernetes schema validation', () => {
    it.each(files.filter((file) => !isKustomization(file.path)).map((file) => file.path))(
      '%s: every object is valid against its kind’s OpenAPI schema',
      (path) => {
        const documents = files.find((file) => file.path === path)!.documents as Manifest[];
        expect(documents.length).toBeGreaterThan(0);
        for (const manifest of documents) expect(() => validateManifest(manifest)).not.toThrow();
      },
    );

    it('rejects a broken Deployment, so the validator above is really applied', () => {
      const broken = structuredClone(api) as Manifest & { spec: Record<string, unknown> };
      broken.spec.replicas = 'two';
      delete broken.spec.selector;
      expect(() => validateManifest(broken)).toThrow(
        /spec must have required property selector.*spec\/replicas must be integer/,
      );
      expect(() => validateManifest({ ...api, kind: 'Deploymnet' })).toThrow(/not a kind deploy\/kubernetes uses/);
    });

    it('applies every manifest from exactly one kustomization, the secret example from none', () => {
      const tags = new Set<string>();
      const applied = kustomizations.flatMap((kustomization) => {
        const { resources, images } = kustomization.documents[0] as Kustomization;
        const paths = resources.map((resource) => join(dirname(kustomization.path), resource));
        // Each image it applies is set by it to the registry and the release's tag.
        const used = files
          .filter((file) => paths.includes(file.path))
          .flatMap((file) => (file.documents as Manifest[]).flatMap(containerImages));
        expect([...new Set(used)].sort()).toEqual(images.map((image) => image.name).sort());
        for (const image of images) tags.add(image.newTag);
        return paths;
      });
      const applicable = files
        .map((file) => file.path)
        .filter((path) => !isKustomization(path) && path !== SECRET_EXAMPLE);
      expect(applied.sort()).toEqual(applicable.sort());
      // The migrations and the processes they prepare for are one release.
      expect(tags.size).toBe(1);
    });
  });

  describe('configuration', () => {
    it('is a production configuration the control plane accepts (ConfigMap + the Secret example)', () => {
      expect(config.NODE_ENV).toBe('production');
      // N APIs must not race to migrate at start-up: the enclave-migrate Job does it once.
      expect(config.DATABASE_MIGRATIONS_RUN).toBe(false);
      expect(new URL(config.PUBLIC_URL).protocol).toBe('https:');
    });

    it('provides every variable the config schema requires', () => {
      const shape = controlPlaneConfigSchema.shape as Record<
        string,
        { safeParse(value: unknown): { success: boolean } }
      >;
      const required = Object.keys(shape).filter((key) => !shape[key].safeParse(undefined).success);
      expect(required.length).toBeGreaterThan(0);
      const provided = new Set([...Object.keys(configMap), ...Object.keys(envSecret)]);
      expect(required.filter((key) => !provided.has(key))).toEqual([]);
    });

    it('names only variables the control plane reads, each in one place, credentials only in the Secret', () => {
      const known = new Set(Object.keys(controlPlaneConfigSchema.shape));
      const keys = [...Object.keys(configMap), ...Object.keys(envSecret)];
      expect(keys.filter((key) => !known.has(key))).toEqual([]);
      expect(Object.keys(configMap).filter((key) => key in envSecret)).toEqual([]);
      // Managed services' URLs carry passwords even though the config schema does not mark REDIS_URL.
      for (const key of [...SENSITIVE_CONFIG_KEYS, 'REDIS_URL'])
        expect({ key, inConfigMap: key in configMap }).toEqual({ key, inConfigMap: false });
      expect(Object.keys(envSecret)).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL']));
    });

    it.each([
      ['API', api],
      ['worker', worker],
    ])('gives the %s the ConfigMap, the Secret and the key files its *_PATH variables name', (_, deployment) => {
      const container = containerOf(deployment);
      expect(container.envFrom).toEqual([
        { configMapRef: { name: 'enclave-config' } },
        { secretRef: { name: 'enclave-env' } },
      ]);
      const keysMount = container.volumeMounts?.find((mount) => mount.name === 'keys');
      const keysVolume = podSpec(deployment).volumes?.find((volume) => volume.name === 'keys');
      expect(keysVolume?.secret?.secretName).toBe('enclave-files');
      const paths = [
        config.NODE_PROTOCOL_SIGNING_KEY_PATH,
        config.PROVISIONING_SSH_KEY_PATH,
        config.CLOUDFLARE_ORIGIN_CA_ROOT_PATH,
      ];
      for (const path of paths) {
        expect(dirname(path ?? '')).toBe(keysMount?.mountPath);
        expect(Object.keys(filesSecret)).toContain(posix.basename(path ?? ''));
      }
    });
  });

  describe('processes', () => {
    it.each([
      ['api', api],
      ['worker', worker],
    ])('runs the %s image with its Dockerfile stage’s command', (stage, deployment) => {
      const container = containerOf(deployment);
      expect(container.image).toBe(`enclave-${stage}`);
      expect(container.command).toEqual(dockerCommand(stage));
      const entry = container.command?.find((part) => part.endsWith('.ts')) ?? '';
      expect(existsSync(join(ROOT, entry))).toBe(true);
      expect(deployment.spec).toMatchObject({ replicas: 2 });
    });

    it('migrates with the package’s migration:run script and what that script reads', () => {
      const container = containerOf(migrate);
      const script = (
        JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
      ).scripts['migration:run'];
      expect(container.command).toEqual(script.split(' '));
      // The API's image holds the whole source tree (the runtime stage copies it), the CLI included.
      expect(container.image).toBe('enclave-api');
      const cli = readFileSync(join(ROOT, container.command!.at(-1)!), 'utf8');
      const reads = [...cli.matchAll(/process\.env\.([A-Z_]+)/g)].map((match) => match[1]);
      expect(container.env?.map((variable) => variable.name)).toEqual([...new Set(reads)]);
      expect(container.env?.[0].valueFrom?.secretKeyRef).toEqual({ name: 'enclave-env', key: 'DATABASE_URL' });
      expect(envSecret).toHaveProperty('DATABASE_URL');
      // A failed migration stops the release for a person to look at; it is never retried blindly.
      expect(migrate.spec).toMatchObject({ backoffLimit: 0 });
    });

    it('checks the API’s start-up on its real health route and its port', () => {
      const container = containerOf(api);
      const prefix = /app\.setGlobalPrefix\('([^']+)'\)/.exec(
        readFileSync(join(ROOT, 'apps/api/src/bootstrap.ts'), 'utf8'),
      )?.[1];
      const controllerPath = Reflect.getMetadata(PATH_METADATA, HealthController) as string;
      const handler = HealthController.prototype.check;
      expect(Reflect.getMetadata(METHOD_METADATA, handler)).toBe(RequestMethod.GET);
      // Nest's route: global prefix, controller path, handler path (`@Get()` is '/'), no trailing slash.
      const handlerPath = Reflect.getMetadata(PATH_METADATA, handler) as string;
      const route = posix.join('/', prefix ?? '', controllerPath, handlerPath).replace(/(.)\/$/, '$1');
      expect(route).toBe('/api/health');

      expect(container.startupProbe?.httpGet).toEqual({ path: route, port: 'http' });
      // Readiness and liveness must not depend on PostgreSQL or Redis (see api.yaml).
      expect(container.readinessProbe?.tcpSocket).toEqual({ port: 'http' });
      expect(container.livenessProbe?.tcpSocket).toEqual({ port: 'http' });
      expect(container.ports).toEqual([{ name: 'http', containerPort: config.API_PORT }]);
    });

    it('routes the Ingress on PUBLIC_URL’s host, over TLS, to the API’s Service and port', () => {
      const service = only('Service', 'enclave-api').spec as {
        selector: Record<string, string>;
        ports: { name: string; targetPort: string }[];
      };
      expect(service.selector).toEqual(
        expect.objectContaining((api.spec as { selector: { matchLabels: object } }).selector.matchLabels),
      );
      expect(service.ports.map((port) => port.targetPort)).toEqual(containerOf(api).ports?.map((port) => port.name));

      const ingress = only('Ingress', 'enclave-api').spec as {
        tls: { hosts: string[] }[];
        rules: {
          host: string;
          http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] };
        }[];
      };
      const host = new URL(config.PUBLIC_URL).host;
      expect(ingress.tls.flatMap((tls) => tls.hosts)).toContain(host);
      expect(ingress.rules.map((rule) => rule.host)).toEqual([host]);
      // Everything, the Stripe webhook at /api/stripe/webhook included, goes to the API.
      expect(ingress.rules[0].http.paths).toEqual([
        expect.objectContaining({
          path: '/',
          backend: { service: { name: 'enclave-api', port: { name: service.ports[0].name } } },
        }),
      ]);
    });

    it('gives a stopping worker longer than its shutdown grace before the kubelet kills it', () => {
      const grace = podSpec(worker).terminationGracePeriodSeconds ?? 30; // Kubernetes' default
      expect(grace * 1000).toBeGreaterThan(config.WORKER_SHUTDOWN_GRACE_MS);
    });

    it.each([
      ['api', api],
      ['worker', worker],
      ['migrate', migrate],
    ])('runs the %s as the non-root node user on a read-only root, with its writable paths mounted', (_, workload) => {
      const pod = podSpec(workload);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(dockerfile).toMatch(/^USER node$/m);
      const container = containerOf(workload);
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      const writable = (container.volumeMounts ?? [])
        .filter((mount) => pod.volumes?.find((volume) => volume.name === mount.name)?.emptyDir)
        .map((mount) => mount.mountPath);
      // @swc-node/register caches compiled sources in the OS temp directory.
      expect(writable).toContain('/tmp');
      if (workload === worker)
        expect(writable.some((path) => config.PROVISIONING_BUNDLE_CACHE_DIR.startsWith(`${path}/`))).toBe(true);
    });

    it('keeps one API and one worker through voluntary disruptions', () => {
      for (const deployment of [api, worker]) {
        const labels = (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
        const budget = only('PodDisruptionBudget', deployment.metadata.name).spec as {
          minAvailable: number;
          selector: object;
        };
        expect(budget).toEqual({ minAvailable: 1, selector: { matchLabels: labels } });
      }
    });
  });
});
