import { createHash, randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { StandIn } from '../sandbox';
import { safeEqual } from '../helpers';

/**
 * OVHcloud API v1 (https://help.ovhcloud.com/csm/en-api-getting-started-ovhcloud-api), just the
 * Public Cloud instance calls a host provider needs. Requests are signed as OVH documents:
 *   X-Ovh-Application: AK, X-Ovh-Consumer: CK, X-Ovh-Timestamp: unix seconds,
 *   X-Ovh-Signature: "$1$" + sha1_hex(AS + "+" + CK + "+" + METHOD + "+" + FULL_URL + "+" + BODY + "+" + TIMESTAMP)
 * where FULL_URL is the URL the client called, e.g. http://127.0.0.1:4010/ovhcloud/1.0/cloud/project/p/instance.
 * Instances are only recorded (no machine starts): status BUILD, then ACTIVE; the public IP is
 * configurable (127.0.0.1 by default, so a loopback sshd can stand in for the VPS).
 *
 *   GET    /ovhcloud/1.0/auth/time                                   (unsigned)
 *   GET    /ovhcloud/1.0/cloud/project
 *   GET    /ovhcloud/1.0/cloud/project/:serviceName/flavor | /image | /region
 *   GET    /ovhcloud/1.0/cloud/project/:serviceName/sshkey, POST {name, publicKey, region?}, DELETE /sshkey/:id
 *   GET    /ovhcloud/1.0/cloud/project/:serviceName/instance, POST {name, flavorId, imageId, region, sshKeyId?, userData?, monthlyBilling?}
 *   GET    /ovhcloud/1.0/cloud/project/:serviceName/instance/:id, DELETE /instance/:id
 *   GET    /ovhcloud/_test/instances                                 every instance, deleted ones included
 */

export interface OvhcloudStandInOptions {
  readonly applicationKey?: string;
  readonly applicationSecret?: string;
  readonly consumerKey?: string;
  /** The Public Cloud project id (serviceName). */
  readonly projectId?: string;
  /** Public IPv4 given to every instance. */
  readonly instanceIp?: string;
  /** How long an instance stays in BUILD before ACTIVE. */
  readonly buildMs?: number;
  /** Accepted clock skew of X-Ovh-Timestamp, in seconds. */
  readonly maxSkewSeconds?: number;
}

export const OVH_DEFAULTS = {
  applicationKey: 'sandboxovhappkey',
  applicationSecret: 'sandboxovhappsecret',
  consumerKey: 'sandboxovhconsumerkey',
  projectId: '0123456789abcdef0123456789abcdef',
} as const;

const REGIONS = ['GRA11', 'SBG5', 'BHS5'];
const FLAVORS = [
  { name: 'd2-2', vcpus: 1, ram: 2000, disk: 25 },
  { name: 'b3-8', vcpus: 2, ram: 8000, disk: 50 },
  { name: 'b3-16', vcpus: 4, ram: 16000, disk: 100 },
];
const IMAGES = ['Debian 12', 'Ubuntu 24.04'];

function uuidFor(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Instance {
  id: string;
  name: string;
  flavorId: string;
  imageId: string;
  region: string;
  sshKeyId: string | null;
  userData: string | null;
  monthlyBilling: boolean;
  created: string;
  readyAt: number;
  deletedAt: string | null;
  status: string | null;
}

interface SshKey {
  id: string;
  name: string;
  publicKey: string;
  regions: string[];
  fingerPrint: string;
}

class OvhError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, string>,
  ) {
    super(body.message);
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' };
const apiError = (status: number, errorCode: string, message: string) =>
  new OvhError(status, { errorCode, httpCode: `${status} ${STATUS_TEXT[status] ?? ''}`.trim(), message });
const clientError = (status: number, klass: string, message: string) =>
  new OvhError(status, { class: `Client::${klass}`, message });

export function ovhSignature(
  secret: string,
  consumerKey: string,
  method: string,
  url: string,
  body: string,
  timestamp: number | string,
): string {
  return `$1$${createHash('sha1').update(`${secret}+${consumerKey}+${method}+${url}+${body}+${timestamp}`).digest('hex')}`;
}

export function ovhcloudStandIn(options: OvhcloudStandInOptions = {}): StandIn {
  const ak = options.applicationKey ?? OVH_DEFAULTS.applicationKey;
  const as = options.applicationSecret ?? OVH_DEFAULTS.applicationSecret;
  const ck = options.consumerKey ?? OVH_DEFAULTS.consumerKey;
  const project = options.projectId ?? OVH_DEFAULTS.projectId;
  const ip = options.instanceIp ?? '127.0.0.1';
  const buildMs = options.buildMs ?? 1000;
  const maxSkew = options.maxSkewSeconds ?? 180;
  const instances = new Map<string, Instance>();
  const sshKeys = new Map<string, SshKey>();
  const flavors = REGIONS.flatMap((region) =>
    FLAVORS.map((f) => ({
      id: uuidFor(`flavor:${f.name}:${region}`),
      ...f,
      region,
      osType: 'linux',
      available: true,
      type: 'ovh.ssd.eg',
      planCodes: { hourly: `${f.name}.consumption`, monthly: `${f.name}.monthly.postpaid` },
    })),
  );
  const images = REGIONS.flatMap((region) =>
    IMAGES.map((name) => ({
      id: uuidFor(`image:${name}:${region}`),
      name,
      region,
      type: 'linux',
      status: 'active',
      visibility: 'public',
      minDisk: 0,
      size: 2.5,
      user: name.startsWith('Debian') ? 'debian' : 'ubuntu',
      creationDate: '2025-01-01T00:00:00Z',
    })),
  );

  function instanceJson(i: Instance): Record<string, unknown> {
    const status = i.status ?? (Date.now() >= i.readyAt ? 'ACTIVE' : 'BUILD');
    const flavor = flavors.find((f) => f.id === i.flavorId);
    return {
      id: i.id,
      name: i.name,
      status,
      region: i.region,
      created: i.created,
      flavorId: i.flavorId,
      imageId: i.imageId,
      sshKeyId: i.sshKeyId,
      planCode: flavor ? (i.monthlyBilling ? flavor.planCodes.monthly : flavor.planCodes.hourly) : null,
      monthlyBilling: i.monthlyBilling ? { since: i.created, status: 'ok' } : null,
      ipAddresses:
        status === 'BUILD'
          ? []
          : [{ ip, type: 'public', version: 4, networkId: '', gatewayIp: ip.replace(/\.\d+$/, '.254') }],
      operationIds: [],
      currentMonthOutgoingTraffic: null,
    };
  }

  function verify(req: Request): void {
    const appKey = req.get('x-ovh-application');
    if (!appKey || !safeEqual(appKey, ak)) throw apiError(403, 'INVALID_KEY', 'This application key is invalid');
    const consumer = req.get('x-ovh-consumer');
    if (!consumer || !safeEqual(consumer, ck))
      throw apiError(403, 'INVALID_CREDENTIAL', 'This credential does not exist');
    const timestamp = req.get('x-ovh-timestamp') ?? '';
    if (!/^\d+$/.test(timestamp) || Math.abs(Number(timestamp) - Math.floor(Date.now() / 1000)) > maxSkew)
      throw apiError(400, 'QUERY_TIME_OUT', 'Query out of time');
    const signature = req.get('x-ovh-signature') ?? '';
    const body = typeof req.body === 'string' ? req.body : '';
    const path = req.originalUrl;
    const host = req.get('host') ?? '';
    // The client signs the URL it was configured with; accept the http and https spellings.
    const ok = ['http', 'https'].some((scheme) =>
      safeEqual(signature, ovhSignature(as, consumer, req.method, `${scheme}://${host}${path}`, body, timestamp)),
    );
    if (!ok) throw apiError(400, 'INVALID_SIGNATURE', 'Invalid signature');
  }

  function json(req: Request): Record<string, unknown> {
    const raw = typeof req.body === 'string' ? req.body : '';
    if (!raw) throw clientError(400, 'BadRequest', 'Missing request body');
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      return parsed as Record<string, unknown>;
    } catch {
      throw clientError(400, 'BadRequest', 'Invalid JSON received');
    }
  }

  function checkProject(req: Request): void {
    if (req.params.serviceName !== project) throw clientError(404, 'NotFound', `This service does not exist`);
  }

  function handle(fn: (req: Request, res: Response) => unknown) {
    return (req: Request, res: Response) => {
      try {
        verify(req);
        const result = fn(req, res);
        res.json(result === undefined ? null : result);
      } catch (error) {
        if (error instanceof OvhError) res.status(error.status).json(error.body);
        else res.status(400).json({ class: 'Client::BadRequest', message: (error as Error).message });
      }
    };
  }

  const requireString = (body: Record<string, unknown>, name: string): string => {
    const value = body[name];
    if (typeof value !== 'string' || !value) throw clientError(400, 'BadRequest', `[${name}] Property is mandatory`);
    return value;
  };

  return {
    prefix: '/ovhcloud',
    router: () => {
      const router = Router();
      router.get('/1.0/auth/time', (_req, res) => {
        res.json(Math.floor(Date.now() / 1000));
      });
      router.get('/_test/instances', (_req, res) => {
        // userData may carry secrets (a host key); only its size is shown.
        res.json(
          [...instances.values()].map((i) => ({
            ...instanceJson(i),
            deletedAt: i.deletedAt,
            userDataBytes: i.userData ? Buffer.byteLength(i.userData) : 0,
          })),
        );
      });

      const api = Router();
      api.use(express.text({ type: () => true, limit: '256kb' }));
      api.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
        if (err) res.status(400).json({ class: 'Client::BadRequest', message: 'Invalid request body' });
        else next();
      });
      api.get(
        '/cloud/project',
        handle(() => [project]),
      );
      api.get(
        '/cloud/project/:serviceName',
        handle((req) => {
          checkProject(req);
          return {
            project_id: project,
            projectName: 'Enclave sandbox',
            description: 'Enclave sandbox',
            status: 'ok',
            unleash: false,
            expiration: null,
            creationDate: '2025-01-01T00:00:00Z',
            orderId: null,
            access: 'full',
            planCode: 'project.2018',
            manualQuota: false,
            iam: null,
          };
        }),
      );
      api.get(
        '/cloud/project/:serviceName/region',
        handle((req) => (checkProject(req), REGIONS)),
      );
      api.get(
        '/cloud/project/:serviceName/flavor',
        handle((req) => (checkProject(req), flavors.filter((f) => !req.query.region || f.region === req.query.region))),
      );
      api.get(
        '/cloud/project/:serviceName/image',
        handle((req) => (checkProject(req), images.filter((i) => !req.query.region || i.region === req.query.region))),
      );
      api.get(
        '/cloud/project/:serviceName/sshkey',
        handle((req) => (checkProject(req), [...sshKeys.values()])),
      );
      api.post(
        '/cloud/project/:serviceName/sshkey',
        handle((req) => {
          checkProject(req);
          const body = json(req);
          const name = requireString(body, 'name');
          const publicKey = requireString(body, 'publicKey').trim();
          const match =
            /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) ([A-Za-z0-9+/=]+)(?: .*)?$/.exec(
              publicKey,
            );
          if (!match) throw clientError(400, 'BadRequest', 'Invalid public key');
          if ([...sshKeys.values()].some((k) => k.name === name))
            throw clientError(409, 'Conflict', `SSH key with name ${name} already exists`);
          const digest = createHash('md5').update(Buffer.from(match[2], 'base64')).digest('hex');
          const key: SshKey = {
            id: Buffer.from(`${name}:${digest}`).toString('base64url').slice(0, 32),
            name,
            publicKey,
            regions: typeof body.region === 'string' ? [body.region] : REGIONS,
            fingerPrint: digest.match(/../g)?.join(':') ?? digest,
          };
          sshKeys.set(key.id, key);
          return key;
        }),
      );
      api.delete(
        '/cloud/project/:serviceName/sshkey/:keyId',
        handle((req) => {
          checkProject(req);
          if (!sshKeys.delete(String(req.params.keyId)))
            throw clientError(404, 'NotFound', `Key ${String(req.params.keyId)} not found`);
          return null;
        }),
      );
      api.get(
        '/cloud/project/:serviceName/instance',
        handle((req) => {
          checkProject(req);
          return [...instances.values()]
            .filter((i) => !i.deletedAt && (!req.query.region || i.region === req.query.region))
            .map(instanceJson);
        }),
      );
      api.post(
        '/cloud/project/:serviceName/instance',
        handle((req) => {
          checkProject(req);
          const body = json(req);
          const name = requireString(body, 'name');
          const flavorId = requireString(body, 'flavorId');
          const imageId = requireString(body, 'imageId');
          const region = requireString(body, 'region');
          if (!REGIONS.includes(region)) throw clientError(400, 'BadRequest', `Region ${region} does not exist`);
          const flavor = flavors.find((f) => f.id === flavorId);
          if (!flavor || flavor.region !== region)
            throw clientError(400, 'BadRequest', `Flavor ${flavorId} does not exist in region ${region}`);
          const image = images.find((i) => i.id === imageId);
          if (!image || image.region !== region)
            throw clientError(400, 'BadRequest', `Image ${imageId} does not exist in region ${region}`);
          const sshKeyId = body.sshKeyId === undefined || body.sshKeyId === null ? null : String(body.sshKeyId);
          if (sshKeyId && !sshKeys.has(sshKeyId))
            throw clientError(400, 'BadRequest', `SSH key ${sshKeyId} does not exist`);
          if (body.userData !== undefined && typeof body.userData !== 'string')
            throw clientError(400, 'BadRequest', '[userData] Property must be a string');
          const instance: Instance = {
            id: randomUUID(),
            name,
            flavorId,
            imageId,
            region,
            sshKeyId,
            userData: (body.userData as string | undefined) ?? null,
            monthlyBilling: body.monthlyBilling === true,
            created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
            readyAt: Date.now() + buildMs,
            deletedAt: null,
            status: null,
          };
          instances.set(instance.id, instance);
          return instanceJson(instance);
        }),
      );
      const getInstance = (req: Request): Instance => {
        checkProject(req);
        const instance = instances.get(String(req.params.instanceId));
        if (!instance || instance.deletedAt)
          throw clientError(404, 'NotFound', `Instance ${String(req.params.instanceId)} not found`);
        return instance;
      };
      api.get(
        '/cloud/project/:serviceName/instance/:instanceId',
        handle((req) => instanceJson(getInstance(req))),
      );
      api.delete(
        '/cloud/project/:serviceName/instance/:instanceId',
        handle((req) => {
          const instance = getInstance(req);
          instance.deletedAt = new Date().toISOString();
          instance.status = 'DELETED';
          return null;
        }),
      );
      api.use((req, res) => {
        res.status(404).json({
          class: 'Client::NotFound',
          message: `Got an invalid (or empty) URL: ${req.method} ${req.originalUrl}`,
        });
      });
      router.use('/1.0', api);
      return router;
    },
  };
}

/** SANDBOX_OVH_APPLICATION_KEY / _SECRET, SANDBOX_OVH_CONSUMER_KEY, SANDBOX_OVH_PROJECT_ID, SANDBOX_OVH_INSTANCE_IP, SANDBOX_OVH_BUILD_MS. */
export function ovhcloudOptionsFromEnv(env: NodeJS.ProcessEnv): OvhcloudStandInOptions {
  return {
    applicationKey: env.SANDBOX_OVH_APPLICATION_KEY || undefined,
    applicationSecret: env.SANDBOX_OVH_APPLICATION_SECRET || undefined,
    consumerKey: env.SANDBOX_OVH_CONSUMER_KEY || undefined,
    projectId: env.SANDBOX_OVH_PROJECT_ID || undefined,
    instanceIp: env.SANDBOX_OVH_INSTANCE_IP || undefined,
    buildMs: env.SANDBOX_OVH_BUILD_MS ? Number(env.SANDBOX_OVH_BUILD_MS) : undefined,
  };
}
