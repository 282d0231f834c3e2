import { randomUUID } from 'node:crypto';
import type { Request, Router } from 'express';
import { checkProject, clientError, jsonBody, requireString, type SignedRoute } from './ovhcloud-api';
import { FLAVOR_LIST, IMAGE_LIST, REGIONS } from './ovhcloud-catalog';
import type { SshKey } from './ovhcloud-ssh-keys';

/**
 * Public Cloud instances (/cloud/project/:serviceName/instance). An instance is only recorded,
 * no machine starts: BUILD (no address) for a while, then ACTIVE with the configured public IP.
 */

export interface Instance {
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

export interface InstanceSettings {
  readonly projectId: string;
  /** Public IPv4 given to every instance. */
  readonly ip: string;
  /** How long an instance stays in BUILD before ACTIVE. */
  readonly buildMs: number;
}

export function instanceJson(i: Instance, ip: string): Record<string, unknown> {
  const status = i.status ?? (Date.now() >= i.readyAt ? 'ACTIVE' : 'BUILD');
  const flavor = FLAVOR_LIST.find((f) => f.id === i.flavorId);
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

export function instanceRoutes(
  api: Router,
  signed: SignedRoute,
  settings: InstanceSettings,
  instances: Map<string, Instance>,
  sshKeys: Map<string, SshKey>,
): void {
  const { projectId, ip } = settings;
  const getInstance = (req: Request): Instance => {
    checkProject(req, projectId);
    const instance = instances.get(String(req.params.instanceId));
    if (!instance || instance.deletedAt)
      throw clientError(404, 'NotFound', `Instance ${String(req.params.instanceId)} not found`);
    return instance;
  };

  api.get(
    '/cloud/project/:serviceName/instance',
    signed((req) => {
      checkProject(req, projectId);
      return [...instances.values()]
        .filter((i) => !i.deletedAt && (!req.query.region || i.region === req.query.region))
        .map((i) => instanceJson(i, ip));
    }),
  );
  api.post(
    '/cloud/project/:serviceName/instance',
    signed((req) => {
      checkProject(req, projectId);
      const body = jsonBody(req);
      const name = requireString(body, 'name');
      const flavorId = requireString(body, 'flavorId');
      const imageId = requireString(body, 'imageId');
      const region = requireString(body, 'region');
      if (!REGIONS.includes(region)) throw clientError(400, 'BadRequest', `Region ${region} does not exist`);
      const flavor = FLAVOR_LIST.find((f) => f.id === flavorId);
      if (!flavor || flavor.region !== region)
        throw clientError(400, 'BadRequest', `Flavor ${flavorId} does not exist in region ${region}`);
      const image = IMAGE_LIST.find((i) => i.id === imageId);
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
        readyAt: Date.now() + settings.buildMs,
        deletedAt: null,
        status: null,
      };
      instances.set(instance.id, instance);
      return instanceJson(instance, ip);
    }),
  );
  api.get(
    '/cloud/project/:serviceName/instance/:instanceId',
    signed((req) => instanceJson(getInstance(req), ip)),
  );
  api.delete(
    '/cloud/project/:serviceName/instance/:instanceId',
    signed((req) => {
      const instance = getInstance(req);
      instance.deletedAt = new Date().toISOString();
      instance.status = 'DELETED';
      return null;
    }),
  );
}
