import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { StandIn } from '../sandbox';
import { checkProject, type OvhKeys, signedRoute } from './ovhcloud-api';
import { FLAVOR_LIST, IMAGE_LIST, REGIONS } from './ovhcloud-catalog';
import { type Instance, instanceJson, instanceRoutes } from './ovhcloud-instances';
import { type SshKey, sshKeyRoutes } from './ovhcloud-ssh-keys';

export { ovhSignature } from './ovhcloud-api';

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

export function ovhcloudStandIn(options: OvhcloudStandInOptions = {}): StandIn {
  const keys: OvhKeys = {
    applicationKey: options.applicationKey ?? OVH_DEFAULTS.applicationKey,
    applicationSecret: options.applicationSecret ?? OVH_DEFAULTS.applicationSecret,
    consumerKey: options.consumerKey ?? OVH_DEFAULTS.consumerKey,
    maxSkewSeconds: options.maxSkewSeconds ?? 180,
  };
  const settings = {
    projectId: options.projectId ?? OVH_DEFAULTS.projectId,
    ip: options.instanceIp ?? '127.0.0.1',
    buildMs: options.buildMs ?? 1000,
  };
  const project = settings.projectId;
  const instances = new Map<string, Instance>();
  const sshKeys = new Map<string, SshKey>();
  const signed = signedRoute(keys);

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
            ...instanceJson(i, settings.ip),
            deletedAt: i.deletedAt,
            userDataBytes: i.userData ? Buffer.byteLength(i.userData) : 0,
          })),
        );
      });

      const api = Router();
      // The raw text, as the signature covers it.
      api.use(express.text({ type: () => true, limit: '256kb' }));
      api.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
        if (err) res.status(400).json({ class: 'Client::BadRequest', message: 'Invalid request body' });
        else next();
      });
      api.get(
        '/cloud/project',
        signed(() => [project]),
      );
      api.get(
        '/cloud/project/:serviceName',
        signed((req) => {
          checkProject(req, project);
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
      const inRegion = (req: Request) => (item: { region: string }) =>
        !req.query.region || item.region === req.query.region;
      api.get(
        '/cloud/project/:serviceName/region',
        signed((req) => (checkProject(req, project), REGIONS)),
      );
      api.get(
        '/cloud/project/:serviceName/flavor',
        signed((req) => (checkProject(req, project), FLAVOR_LIST.filter(inRegion(req)))),
      );
      api.get(
        '/cloud/project/:serviceName/image',
        signed((req) => (checkProject(req, project), IMAGE_LIST.filter(inRegion(req)))),
      );
      sshKeyRoutes(api, signed, project, sshKeys);
      instanceRoutes(api, signed, settings, instances, sshKeys);
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
