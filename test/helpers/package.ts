import type { Package } from '../../src/inventory/schema.js';

/** A registered package in Rambipuji (35.09.13.2006) on 127.0.0.1:22 as root; `over` changes any field. */
export function testPackage(over: Partial<Package> = {}): Package {
  return {
    id: 'desa-1',
    village: '35.09.13.2006',
    address: '127.0.0.1',
    port: 22,
    user: 'root',
    hardware: {},
    tags: [],
    registeredAt: '2026-01-01T00:00:00Z',
    ...over,
  };
}
