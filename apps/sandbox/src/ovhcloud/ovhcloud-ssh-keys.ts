import { createHash } from 'node:crypto';
import type { Router } from 'express';
import { checkProject, clientError, jsonBody, requireString, type SignedRoute } from './ovhcloud-api';
import { REGIONS } from './ovhcloud-catalog';

/** The project's SSH keys (/cloud/project/:serviceName/sshkey). */

export interface SshKey {
  id: string;
  name: string;
  publicKey: string;
  regions: string[];
  fingerPrint: string;
}

const PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) ([A-Za-z0-9+/=]+)(?: .*)?$/;

export function sshKeyRoutes(api: Router, signed: SignedRoute, projectId: string, sshKeys: Map<string, SshKey>): void {
  api.get(
    '/cloud/project/:serviceName/sshkey',
    signed((req) => (checkProject(req, projectId), [...sshKeys.values()])),
  );
  api.post(
    '/cloud/project/:serviceName/sshkey',
    signed((req) => {
      checkProject(req, projectId);
      const body = jsonBody(req);
      const name = requireString(body, 'name');
      const publicKey = requireString(body, 'publicKey').trim();
      const match = PUBLIC_KEY.exec(publicKey);
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
    signed((req) => {
      checkProject(req, projectId);
      if (!sshKeys.delete(String(req.params.keyId)))
        throw clientError(404, 'NotFound', `Key ${String(req.params.keyId)} not found`);
      return null;
    }),
  );
}
