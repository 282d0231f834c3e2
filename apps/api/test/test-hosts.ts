import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { HostEntity } from '@enclave/persistence';
import { freeTcpPort, startTestSshd, type TestSshd } from '@enclave/testing';
import type { ApiHarness } from './api-harness';
import { REPO_ROOT } from './provisioning-env';

/** A pool host: its real sshd on loopback, its id in the pool and the directory nodes are installed under. */
export interface TestHost {
  sshd: TestSshd;
  hostId: string;
  root: string;
}

/** Real OpenSSH servers on loopback, registered as pool hosts through the staff API. */
export function testHostPool(api: ApiHarness, staffCookie: string, sshKeyPath: string) {
  const hosts: TestSshd[] = [];

  const add = async (options: { fingerprint?: string } = {}): Promise<TestHost> => {
    const sshd = await startTestSshd({ clientKeyPath: sshKeyPath });
    hosts.push(sshd);
    const root = join(sshd.dir, 'enclave');
    const response = await api
      .http()
      .post('/api/staff/hosts')
      .set('cookie', staffCookie)
      .send({
        name: `loopback-${sshd.port}`,
        address: '127.0.0.1',
        sshPort: sshd.port,
        sshUser: 'root',
        hostKeyFingerprint: options.fingerprint ?? sshd.hostKeyFingerprint,
        installRoot: root,
        nodePort: await freeTcpPort(),
        publicPort: await freeTcpPort(),
      });
    if (response.status !== 201)
      throw new Error(`host registration failed: ${response.status} ${JSON.stringify(response.body)}`);
    return { sshd, hostId: response.body.id as string, root };
  };

  /** The host the workspace got: allocation takes the oldest free host. */
  const allocatedTo = async (workspaceId: string): Promise<TestHost> => {
    const host = await api.dataSource.getRepository(HostEntity).findOneByOrFail({ workspaceId });
    const sshd = hosts.find((each) => each.port === host.sshPort);
    if (!sshd) throw new Error(`no test sshd on port ${host.sshPort}`);
    return { sshd, hostId: host.id, root: host.installRoot };
  };

  /** Stops every node left running on the hosts (wipe script), then the hosts. */
  const destroyAll = async () => {
    for (const sshd of hosts) {
      try {
        execFileSync('bash', [join(REPO_ROOT, 'provisioning/host/wipe.sh'), join(sshd.dir, 'enclave')], {
          stdio: 'ignore',
        });
      } catch {
        // best effort
      }
      await sshd.destroy();
    }
  };
  return { hosts, add, allocatedTo, destroyAll };
}
