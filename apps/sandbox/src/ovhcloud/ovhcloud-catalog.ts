import { createHash } from 'node:crypto';

/**
 * What a Public Cloud project offers: regions, flavors and images, with ids derived from their
 * names so they stay the same across restarts (the README lists the GRA11 ones).
 */

export const REGIONS = ['GRA11', 'SBG5', 'BHS5'];
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

export const FLAVOR_LIST = REGIONS.flatMap((region) =>
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

export const IMAGE_LIST = REGIONS.flatMap((region) =>
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
